/**
 * One node, start to finish: a workspace, then attempts (context -> agent -> guard -> checks),
 * each failure fed back to the agent, until every blocking check passes (then the owned files
 * are applied and recorded), the agent asks a question, attempts run out, or an attempt makes no
 * progress. Nothing touches the real tree before the apply.
 */
import { readFileSync } from "node:fs";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { buildContextPack, renderPack } from "../../generators/context-pack.js";
import { interfaceHash } from "../../generators/interface.js";
import type { AgentProvider, AgentResult } from "../../generators/agents/index.js";
import { canonicalJson, type BuildInputs } from "../hash.js";
import type { Component, Ir } from "../ir.js";
import type { ComponentState, Verdict } from "../lock/schema.js";
import { outputHash, recordBuild } from "../record.js";
import type { ApplyIntent } from "./apply.js";
import { commitMessage } from "./git.js";
import { blocks, checksOf, runCheck, type OwnedCheck } from "./checks.js";
import type { BuildEvent, NodeResult } from "./events.js";
import { failureSignature, formatFeedback } from "./feedback.js";
import { runJudge, type JudgeSetup } from "./judge.js";
import { runProbe, startSystem, type Observed } from "./probes.js";
import { guardRules, guardWorkspace, type GuardRules } from "./guard.js";
import type { AttemptOutcome, JournalEntry } from "./journal.js";
import type { Sandbox } from "./sandbox.js";
import type { CheckOutcome, Feedback, Refusal } from "./types.js";
import { hashMatching } from "./workspace/tree.js";
import type { OverlayPool } from "./workspace/overlay.js";
import { createWorkspace, type Workspace } from "./workspace/workspace.js";

/** Everything one node's build needs from the engine. */
export interface NodeJob {
  projectDir: string;
  rootDir: string;
  ir: Ir;
  component: Component;
  /** The deltas that change it: named in its context pack. */
  deltas: readonly string[];
  inputs: BuildInputs;
  inputHash: string;
  reasons: string[];
  agent: AgentProvider;
  /** Confines the agent (and the checks, unless they run in a container). */
  sandbox: Sandbox;
  /** Where checks run: the same sandbox, or the project-container. */
  checkSandbox: Sandbox;
  maxAttempts: number;
  buildId: string;
  env: Readonly<Record<string, string | undefined>>;
  signal: AbortSignal;
  emit(event: BuildEvent): void;
  journal(entry: JournalEntry): Promise<void>;
  /** Applies a green node's files and lock entry (serialised with every other lock write). */
  apply(intent: Omit<ApplyIntent, "root">, workspaceDir: string): Promise<void>;
  /** Records the question an agent asked; returns its ID. */
  ask(question: { text: string; options?: string[]; attempt: number; agent: string }): Promise<string>;
  /** Whether the node's files are committed (autonomous nodes in a git repository). */
  commits: boolean;
  /** The node's lock entry before this build (kept so a person can reject the new version). */
  previousState?: ComponentState;
  /** How judge checks reach their model; null without an API key (then they wait). */
  judge: JudgeSetup | null;
  /** The build's overlays, reused node after node. */
  overlays?: OverlayPool;
  /**
   * Called once the node's checks have passed and only its apply is left: its place under
   * `--jobs` (agents and checks at work) goes to the next node meanwhile.
   */
  releaseSlot?(): void;
}

export interface NodeOutcome {
  result: Exclude<NodeResult, "unchanged" | "blocked">;
  detail: string;
  attempts: number;
  /** Files written or deleted in the real tree. */
  files?: number;
}

/** Where builds keep their workspaces; emptied at the start of every build (a crash leaves some). */
export function buildScratchDir(projectDir: string): string {
  return join(projectDir, ".phoenix", "build");
}

export async function buildNode(job: NodeJob): Promise<NodeOutcome> {
  let workspace: Workspace | undefined;
  try {
    // a container's programs see only real folders: it needs a copy, not an overlay
    const containers = job.sandbox.kind === "container" || job.checkSandbox.kind === "container";
    workspace = await createWorkspace(job.rootDir, buildScratchDir(job.projectDir), "workspace", {
      ...(containers && { choice: "copy" as const }), ...(job.overlays && { pool: job.overlays }),
    });
    return await attempts(job, workspace);
  } finally {
    await workspace?.discard();
  }
}

async function attempts(job: NodeJob, workspace: Workspace): Promise<NodeOutcome> {
  const rules = guardRules(job.component, job.ir, job.projectDir);
  const checks = checksOf(job.component, job.ir.system);
  reportWaitingChecks(job, checks);
  let feedback: Feedback | undefined;
  let previous: string | undefined;
  for (let attempt = 1; attempt <= job.maxAttempts; attempt++) {
    if (job.signal.aborted) return { result: "cancelled", detail: "cancelled before attempt " + attempt, attempts: attempt - 1 };
    job.emit({ type: "attempt-start", node: job.component.name, attempt, maxAttempts: job.maxAttempts });
    const started = performance.now();
    const step = await oneAttempt(job, workspace, rules, checks, attempt, feedback);
    const last = step.kind !== "retry" || attempt === job.maxAttempts;
    // no progress: the same failure as last time, and the agent changed nothing in between
    const fingerprint = step.kind === "retry" ? `${failureSignature(step.feedback)}\n${canonicalJson(Object.fromEntries(await hashMatching(workspace.dir, rules.owned, rules.ownedRoots)))}` : undefined;
    const stuck = fingerprint !== undefined && fingerprint === previous;
    const outcome: AttemptOutcome = stuck ? "no-progress" : step.outcome;
    await job.journal(entry(job, attempt, outcome, last || stuck, performance.now() - started, step));
    job.emit({ type: "attempt-done", node: job.component.name, attempt, outcome });
    if (step.kind === "done") {
      if (step.node.result === "green") await rm(feedbackFile(job), { force: true });
      return { ...step.node, attempts: attempt };
    }
    if (stuck || last) await rememberFeedback(job, step.feedback);
    if (stuck) return { result: "failed", detail: `no progress: attempt ${attempt} failed as attempt ${attempt - 1} did, with no change in between; ${step.detail}`, attempts: attempt };
    if (last) return { result: "failed", detail: `out of attempts (${job.maxAttempts}): ${step.detail}`, attempts: attempt };
    feedback = step.feedback;
    previous = fingerprint;
  }
  throw new Error("unreachable: the loop returns on its last attempt");
}

/** Where a failed build leaves its last feedback, for the next build's first attempt and `phoenix context`. */
export function lastFeedbackFile(projectDir: string, node: string): string {
  return join(projectDir, ".phoenix", "feedback", `${node}.md`);
}

function feedbackFile(job: NodeJob): string {
  return lastFeedbackFile(job.projectDir, job.component.name);
}

async function rememberFeedback(job: NodeJob, feedback: Feedback): Promise<void> {
  await mkdir(join(job.projectDir, ".phoenix", "feedback"), { recursive: true });
  await writeFile(feedbackFile(job), `The last build of ${job.component.name} failed. Its last attempt's feedback:\n\n${formatFeedback(feedback)}`);
}

/** Kaizen across builds: a new build starts from what the last failed one learned. */
function lastBuildFeedback(job: NodeJob): string | undefined {
  try {
    return readFileSync(feedbackFile(job), "utf8");
  } catch {
    return undefined; // none, or unreadable: the build goes on without it
  }
}

/** How one attempt ended: the node is done (one way or another), or it goes round again. */
type Step =
  | { kind: "done"; outcome: AttemptOutcome; node: Omit<NodeOutcome, "attempts">; detail: string; checks: CheckOutcome[]; refused: Refusal[]; tokens?: AgentResult["tokens"] }
  | { kind: "retry"; outcome: AttemptOutcome; feedback: Feedback; detail: string; checks: CheckOutcome[]; refused: Refusal[]; tokens?: AgentResult["tokens"] };

async function oneAttempt(job: NodeJob, workspace: Workspace, rules: GuardRules, checks: readonly OwnedCheck[], attempt: number, feedback: Feedback | undefined): Promise<Step> {
  const node = job.component.name;
  const agentResult = await runAgent(job, workspace, rules, attempt, feedback);
  const { outcome, tokens } = agentResult;
  const base = { checks: [] as CheckOutcome[], refused: agentResult.refused, ...(tokens && { tokens }) };
  if (job.signal.aborted) return { kind: "done", outcome: "cancelled", node: { result: "cancelled", detail: "cancelled while the agent ran" }, detail: "cancelled", ...base };
  if (outcome.kind === "question") {
    const id = await job.ask({ text: outcome.text, ...(outcome.options && { options: outcome.options }), attempt, agent: job.agent.label });
    job.emit({ type: "agent-done", node, attempt, outcome: "question", detail: outcome.text });
    const detail = `asked ${id}: ${outcome.text}`;
    return { kind: "done", outcome: "question", node: { result: "needs-human", detail: `${detail} (answer it with \`phoenix answer ${id} "..."\`)` }, detail, ...base };
  }
  job.emit({ type: "agent-done", node, attempt, outcome: outcome.kind, ...(outcome.kind === "error" && { detail: outcome.message }) });
  const guard = await guardWorkspace(workspace, rules);
  const refused = [...agentResult.refused, ...guard.refused];
  if (refused.length > 0) job.emit({ type: "refused", node, attempt, refused });
  if (outcome.kind === "error") {
    const next: Feedback = { attempt, checks: [], refused, agentError: outcome.message };
    return { kind: "retry", outcome: "agent-error", feedback: next, detail: `the agent failed: ${outcome.message.split("\n")[0]}`, ...base, refused };
  }
  if (refused.length > 0) {
    const next: Feedback = { attempt, checks: [], refused };
    return { kind: "retry", outcome: "refused", feedback: next, detail: `refused: ${refused.map((r) => `${r.path} (${r.reason})`).join(", ")}`, ...base, refused };
  }
  const deterministic = await runChecks(job, workspace, checks, attempt);
  const blocking = (r: CheckOutcome) => blocks(r, checks.find((c) => c.check.name === r.check && c.owner === r.owner)!.check);
  // judges cost model calls: only code that passes its deterministic checks is judged
  const ran = deterministic.some(blocking) || job.signal.aborted ? deterministic
    : [...deterministic, ...await runProbes(job, workspace, checks, attempt), ...await runJudges(job, workspace, rules, checks, attempt)];
  if (job.signal.aborted) return { kind: "done", outcome: "cancelled", node: { result: "cancelled", detail: "cancelled while checks ran" }, detail: "cancelled", ...base, checks: ran };
  const results = withCoverageRatchet(job, ran);
  const failing = results.filter((r) => blocking(r) || r.evidence.startsWith("coverage-lowered"));
  if (failing.length > 0) {
    const next: Feedback = { attempt, checks: results, refused: [] };
    return { kind: "retry", outcome: "failed", feedback: next, detail: failing.map((f) => `${f.owner === "system" ? "system check " : ""}${f.check}: ${f.evidence.split("\n").slice(0, 2).join(" ")}`).join("; "), ...base, checks: results };
  }
  job.releaseSlot?.();
  const files = await applyGreen(job, workspace, rules, results);
  const detail = `checks passed on attempt ${attempt} of ${job.maxAttempts}; ${files} file${files === 1 ? "" : "s"} applied`;
  return { kind: "done", outcome: "green", node: { result: "green", detail, files }, detail, ...base, checks: results };
}

async function runAgent(job: NodeJob, workspace: Workspace, rules: GuardRules, attempt: number, feedback: Feedback | undefined): Promise<AgentResult> {
  const feedbackText = feedback ? formatFeedback(feedback) : attempt === 1 ? lastBuildFeedback(job) : undefined;
  const context = renderPack(await buildContextPack({
    projectDir: job.projectDir, ir: job.ir, component: job.component, attempt, filesDir: workspace.dir,
    cacheDir: join(job.projectDir, ".phoenix"), deltas: job.deltas, ...(feedbackText && { feedback: feedbackText }),
  }));
  try {
    return await job.agent.run({
      node: job.component.name, attempt, projectDir: job.projectDir, workspace: workspace.dir, runDir: workspace.runDir,
      context, ...(feedbackText && { feedback: feedbackText }), scratchDir: buildScratchDir(job.projectDir),
      rules, sandbox: workspace.confine(job.sandbox), readable: [job.projectDir], env: job.env, signal: job.signal,
      runChecks: () => runChecks(job, workspace, checksOf(job.component, job.ir.system), attempt, true),
    });
  } catch (error) {
    // a provider's own failure is this attempt's failure, told to the next attempt
    return { outcome: { kind: "error", message: (error as Error).message }, refused: [] };
  }
}

/**
 * The deterministic checks, one after another; probe, judge and human checks wait (see checks.ts).
 * `byAgent`: an agent ran them as a tool, to see where it stands; only phoenix's own run decides.
 */
async function runChecks(job: NodeJob, workspace: Workspace, checks: readonly OwnedCheck[], attempt: number, byAgent = false): Promise<CheckOutcome[]> {
  const node = job.component.name;
  const results: CheckOutcome[] = [];
  for (const owned of checks.filter((c) => c.check.kind === "run")) {
    if (job.signal.aborted) break;
    job.emit({ type: "check-start", node, attempt, check: owned.check.name, owner: owned.owner, byAgent });
    const result = await runCheck(owned, { workspace: workspace.runDir, sandbox: workspace.confine(job.checkSandbox), readable: [job.projectDir], env: job.env, signal: job.signal });
    results.push(result);
    job.emit({ type: "check-done", node, attempt, check: owned.check.name, owner: owned.owner, verdict: result.verdict, advisory: owned.check.advisory, evidence: result.evidence, byAgent });
  }
  return results;
}

/**
 * The coverage ratchet in the build: a check that reports less coverage than phoenix.lock recorded
 * for it fails the attempt, whatever its exit code. Coverage goes down only with a person's sign-off.
 */
function withCoverageRatchet(job: NodeJob, results: readonly CheckOutcome[]): CheckOutcome[] {
  const recorded = job.previousState?.checks ?? {};
  return results.map((r) => {
    const floor = recorded[checkKey(r)]?.coverage;
    if (floor === undefined || r.coverage === undefined || r.coverage >= floor) return r;
    const evidence = `coverage-lowered: ${r.coverage}% is below the ${floor}% phoenix.lock records for it; add tests or code paths back (only a person may lower the floor)`;
    return { ...r, verdict: "fail" as const, evidence, failures: [{ name: r.check, message: evidence }] };
  });
}

/**
 * The component's probe checks, against the system started from the workspace (probes.ts). The
 * system's own probes need every component built: they run in verify and observe, not per node.
 */
async function runProbes(job: NodeJob, workspace: Workspace, checks: readonly OwnedCheck[], attempt: number): Promise<(CheckOutcome & { observed?: Observed })[]> {
  const probes = checks.filter((c) => c.check.kind === "probe" && c.owner !== "system");
  const { start, ready } = job.ir.system;
  if (probes.length === 0 || !start || job.signal.aborted) return [];
  const emit = (owned: OwnedCheck, outcome?: CheckOutcome) => job.emit(outcome
    ? { type: "check-done", node: job.component.name, attempt, check: owned.check.name, owner: owned.owner, verdict: outcome.verdict, advisory: owned.check.advisory, evidence: outcome.evidence, byAgent: false }
    : { type: "check-start", node: job.component.name, attempt, check: owned.check.name, owner: owned.owner, byAgent: false });
  let system;
  try {
    system = await startSystem({ dir: workspace.runDir, command: start, ...(ready && { ready }), sandbox: workspace.confine(job.sandbox), readable: [job.projectDir], env: job.env });
  } catch (error) {
    // the agent's code did not start: every probe fails with the reason, as feedback
    const evidence = (error as Error).message;
    return probes.map((owned) => {
      const outcome: CheckOutcome = { check: owned.check.name, owner: owned.owner, verdict: "fail", exitCode: null, timedOut: false, durationMs: 0, stdoutTail: "", stderrTail: "", failures: [{ name: owned.check.name, message: evidence.split("\n")[0]! }], evidence };
      emit(owned, outcome);
      return outcome;
    });
  }
  try {
    const results: (CheckOutcome & { observed?: Observed })[] = [];
    for (const owned of probes) {
      emit(owned);
      const outcome = await runProbe(owned.check, owned.owner, system.baseUrl);
      emit(owned, outcome);
      results.push(outcome);
    }
    return results;
  } finally {
    await system.stop();
  }
}

/** The component's judge checks, on its files as they are now (see judge.ts). */
async function runJudges(job: NodeJob, workspace: Workspace, rules: GuardRules, checks: readonly OwnedCheck[], attempt: number): Promise<CheckOutcome[]> {
  const judges = checks.filter((c) => c.check.kind === "judge");
  if (judges.length === 0 || !job.judge) return [];
  const hashes = await hashMatching(workspace.dir, rules.owned, rules.ownedRoots);
  const files = new Map(await Promise.all([...hashes.keys()].map(async (path) => [path, await readFile(join(workspace.dir, path), "utf8")] as const)));
  const results: CheckOutcome[] = [];
  for (const owned of judges) {
    if (job.signal.aborted) break;
    job.emit({ type: "check-start", node: job.component.name, attempt, check: owned.check.name, owner: owned.owner, byAgent: false });
    const result = { ...await runJudge({
      check: owned.check, component: job.component, files, outputHash: outputHash(Object.fromEntries(hashes)), setup: job.judge,
      cacheDir: join(job.projectDir, ".phoenix"), signal: job.signal,
    }), owner: owned.owner };
    results.push(result);
    job.emit({ type: "check-done", node: job.component.name, attempt, check: owned.check.name, owner: owned.owner, verdict: result.verdict, advisory: owned.check.advisory, evidence: result.evidence, byAgent: false });
  }
  return results;
}

function reportWaitingChecks(job: NodeJob, checks: readonly OwnedCheck[]): void {
  const why: Record<string, string> = {
    probe: "a probe needs the system running: add `start \"command\"` to the system block",
    judge: "LLM judgment needs ANTHROPIC_API_KEY, which is not set",
    human: "passes only with `phoenix approve` for the current outputs",
  };
  const waits = (c: OwnedCheck) => (c.check.kind === "probe" && (!job.ir.system.start || c.owner === "system")) || c.check.kind === "human" || (c.check.kind === "judge" && !job.judge);
  const why2 = (c: OwnedCheck) => (c.check.kind === "probe" && c.owner === "system" && job.ir.system.start ? "the system's probes run in `phoenix verify` and `phoenix observe`, once every component is built" : why[c.check.kind]!);
  const waiting = checks.filter(waits).map((c) => ({ check: c.check.name, kind: c.check.kind, why: why2(c) }));
  if (waiting.length > 0) job.emit({ type: "checks-waiting", node: job.component.name, checks: waiting });
}

/** Applies a green workspace: the owned files that differ from the real tree, and the lock entry. */
async function applyGreen(job: NodeJob, workspace: Workspace, rules: GuardRules, results: readonly CheckOutcome[]): Promise<number> {
  const mine = (path: string) => rules.owned(path) && !rules.protectedPath(path);
  const [outputs, current, interfaceHashNow] = await Promise.all([
    hashMatching(workspace.dir, mine, rules.ownedRoots),
    hashMatching(job.rootDir, mine, rules.ownedRoots),
    job.component.interface ? interfaceHash(workspace.dir, job.component.interface, { cacheDir: join(job.projectDir, ".phoenix") }) : null,
  ]);
  const writes = [...outputs].filter(([path, hash]) => current.get(path) !== hash).map(([path]) => path);
  const deletes = [...current.keys()].filter((path) => !outputs.has(path));
  const at = new Date().toISOString();
  const built = recordBuild(job.component, job.inputs, job.inputHash, {
    outputs: Object.fromEntries(outputs),
    interfaceHash: interfaceHashNow,
    checks: verdicts(results, at),
    probes: observedProbes(results),
    at,
  });
  // an approval is of the outputs: a rebuild that produces the very same files keeps it
  const state: ComponentState = { ...built, approvals: (job.previousState?.approvals ?? []).filter((a) => a.outputHash === built.outputHash) };
  const summary = `${writes.length} file${writes.length === 1 ? "" : "s"} written, ${deletes.length} deleted; reasons: ${job.reasons.join(", ")}`;
  await job.apply({
    node: job.component.name, writes, deletes, state, keepPrevious: { state: job.previousState ?? null },
    ...(job.commits && {
      commit: {
        message: commitMessage({ node: job.component.name, inputHash: job.inputHash, checks: results.map((r) => `${checkKey(r)}=${r.verdict}`), summary }),
      },
    }),
  }, workspace.dir);
  return writes.length + deletes.length;
}

/** What the probes saw, by check: recorded in phoenix.lock as current state. */
function observedProbes(results: readonly (CheckOutcome & { observed?: Observed })[]): Record<string, Record<string, number>> {
  return Object.fromEntries(results.filter((r) => r.observed).map((r) => [r.check, { ...r.observed! }]));
}

/** Check verdicts by lock key: a component's checks by name, the system's as `system.NAME`. */
function verdicts(results: readonly CheckOutcome[], at: string): Record<string, Verdict> {
  return Object.fromEntries(results.map((r) => [checkKey(r), { verdict: r.verdict, evidence: r.evidence, at, durationMs: r.durationMs, ...(r.coverage !== undefined && { coverage: r.coverage }) }]));
}

export function checkKey(outcome: Pick<CheckOutcome, "owner" | "check">): string {
  return outcome.owner === "system" ? `system.${outcome.check}` : outcome.check;
}

function entry(job: NodeJob, attempt: number, outcome: AttemptOutcome, final: boolean, durationMs: number, step: Step): JournalEntry {
  return {
    v: 1, build: job.buildId, at: new Date().toISOString(), node: job.component.name, attempt, maxAttempts: job.maxAttempts,
    reasons: job.reasons, agent: job.agent.label, inputHash: job.inputHash, durationMs: Math.round(durationMs), outcome, final,
    checks: step.checks.map((c) => ({ check: c.check, owner: c.owner, verdict: c.verdict, durationMs: c.durationMs })),
    refused: step.refused, detail: step.detail, ...(step.tokens && { tokens: step.tokens }),
  };
}
