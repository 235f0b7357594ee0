/**
 * `phoenix verify`: CI's question, answered without regenerating anything. Green only when the
 * specs compile, nothing is stale, drifted or waiting for an answer, every blocking check passes
 * now, every supervised component (and human check) is approved for its current outputs, and,
 * against a base ref, no check was weakened without a person's sign-off. Every problem is data:
 * what, where, and what to do about it.
 */
import { join } from "node:path";
import { checksOf, runCheck, type OwnedCheck } from "../build/checks.js";
import { judgeSetup, runJudge } from "../build/judge.js";
import { runProbe, startSystem } from "../build/probes.js";
import { openSandbox, type Sandbox } from "../build/sandbox.js";
import type { CheckOutcome, SandboxMode } from "../build/types.js";
import { createWorkspace, hashMatching } from "../build/workspace.js";
import { guardRules } from "../build/guard.js";
import type { Component, Ir } from "../ir.js";
import type { Lock } from "../lock/index.js";
import { observeProject } from "../observe.js";
import type { ComponentPlan } from "../plan.js";
import { outputHash } from "../record.js";
import { findWeakenings, type Finding } from "../ratchet/rules.js";
import { readBase, readNow } from "../ratchet/sides.js";
import { readFile } from "node:fs/promises";

export type ProblemKind = "spec" | "not-built" | "stale" | "drift" | "removed" | "question" | "check" | "approval" | "weakening";

export interface Problem {
  kind: ProblemKind;
  component?: string;
  check?: string;
  rule?: string;
  file?: string;
  line?: number;
  column?: number;
  message: string;
  /** What to do about it. */
  fix: string;
}

/** A check verify ran (or could not), for reports that list every check (JUnit). */
export interface CheckRun {
  component: string;
  check: string;
  kind: string;
  verdict: "pass" | "fail" | "error" | "skipped";
  evidence: string;
  durationMs: number;
  file: string;
  line: number;
}

export interface VerifyReport {
  ok: boolean;
  fast: boolean;
  system: string;
  base?: { ref: string; commit: string };
  problems: Problem[];
  checks: CheckRun[];
  /** Weakening findings no person signed off (also among the problems). */
  findings: Finding[];
  /** Weakening findings a person signed off (shown, not counted). */
  allowed: Finding[];
}

export interface VerifyOptions {
  projectDir: string;
  cwd: string;
  fast: boolean;
  base?: string;
  sandbox: SandboxMode;
  env: Readonly<Record<string, string | undefined>>;
  onWarning(message: string): void;
}

export async function verifyProject(options: VerifyOptions): Promise<VerifyReport> {
  const seen = await observeProject(options.projectDir, options.cwd);
  if (!seen.ok) {
    const problems = seen.diagnostics.filter((d) => d.severity === "error").map((d): Problem => ({
      kind: "spec", file: d.span.file, line: d.span.line, column: d.span.column, rule: d.code, message: d.message, fix: "fix the spec (`phoenix check` shows every error)",
    }));
    return { ok: false, fast: options.fast, system: seen.project.base?.system.name ?? "", problems, checks: [], findings: [], allowed: [] };
  }
  const ir = seen.project.desired;
  const root = ir.system.root === "." ? "" : `${ir.system.root}/`;
  const problems: Problem[] = [...seen.plan.components.flatMap((c) => stateProblems(c, root)), ...questionProblems(seen.lock)];
  const checks: CheckRun[] = [];
  if (!options.fast) {
    const measured = await runAllChecks(options, ir, seen.lock, seen.plan.components, checks);
    problems.push(...checks.filter((c) => c.verdict === "fail" || c.verdict === "error").filter((c) => blocking(ir, c)).map(checkProblem));
    problems.push(...approvalProblems(ir, seen.lock, seen.plan.components));
    if (options.base) return withWeakenings(options, ir, seen.lock, problems, checks, measured);
  } else if (options.base) {
    return withWeakenings(options, ir, seen.lock, problems, checks, new Map());
  }
  return { ok: problems.length === 0, fast: options.fast, system: ir.system.name, problems, checks, findings: [], allowed: [] };
}

async function withWeakenings(options: VerifyOptions, ir: Ir, lock: Lock, problems: Problem[], checks: CheckRun[], measured: ReadonlyMap<string, number>): Promise<VerifyReport> {
  const { findings, allowed, base } = await weakenings(options.projectDir, options.base!, ir, lock, measured);
  const all = [...problems, ...findings.map((f): Problem => ({
    kind: "weakening", component: f.component, check: f.subject, rule: f.rule, file: f.file, line: f.line, column: f.column, message: f.message,
    fix: `if a person means it: \`phoenix allow-weakening --base ${options.base} --reason "..."\``,
  }))];
  return { ok: all.length === 0, fast: options.fast, system: ir.system.name, base: { ref: base.ref, commit: base.commit }, problems: all, checks, findings, allowed };
}

/** Findings against `ref`, split into those a person signed off and the rest. */
export async function weakenings(projectDir: string, ref: string, ir: Ir, lock: Lock, measured: ReadonlyMap<string, number> = new Map()) {
  const base = await readBase(projectDir, ref, ir.system.protect);
  const now = await readNow(projectDir, ir, lock, base.ir.system.protect, measured);
  const signedOff = new Set((lock.allowances ?? []).flatMap((a) => a.findings.map((f) => f.fingerprint)));
  const all = findWeakenings(base, now, ref);
  return { base, findings: all.filter((f) => !signedOff.has(f.fingerprint)), allowed: all.filter((f) => signedOff.has(f.fingerprint)) };
}

/** `root`: the root's path with a slash, so drifted files are named from the project, as spec files are. */
function stateProblems(c: ComponentPlan, root: string): Problem[] {
  if (c.action === "none") return [];
  if (c.action === "add") return [{ kind: "not-built", component: c.name, message: `${c.name} is not built (${c.reasons.map((r) => r.code).join(", ")})`, fix: `phoenix build ${c.name}` }];
  if (c.action === "remove") return [{ kind: "removed", component: c.name, message: `${c.name} is no longer in the specs but its files and lock entry remain`, fix: "phoenix build (it removes them)" }];
  const drift = c.drift.map((d): Problem => ({
    kind: "drift", component: c.name, file: `${root}${d.path}`, line: 1, column: 1, message: `${root}${d.path} was ${d.change} outside phoenix`,
    fix: `rebuild it (\`phoenix build ${c.name}\`) or keep the hand edit on record (\`phoenix adopt ${c.name} --reason "..."\`)`,
  }));
  const stale = c.reasons.filter((r) => r.code !== "outputs-drifted").map((r): Problem => ({
    kind: "stale", component: c.name, rule: r.code, message: `${c.name} is stale: ${r.code}: ${r.detail}`, fix: `phoenix build ${c.name}`,
  }));
  return [...stale, ...drift];
}

function questionProblems(lock: Lock): Problem[] {
  return Object.entries(lock.questions ?? {}).map(([id, q]) => ({
    kind: "question", component: q.component, message: `${q.component} waits for an answer to ${id}: ${q.text}`, fix: `phoenix answer ${id} "..."`,
  }));
}

// ---- checks ----

/** Runs every component's checks and the system's once, in one private copy of the root. Returns coverage measured. */
async function runAllChecks(options: VerifyOptions, ir: Ir, lock: Lock, plan: readonly ComponentPlan[], out: CheckRun[]): Promise<Map<string, number>> {
  const sandbox = await openSandbox(options.sandbox, { scratchDir: join(options.projectDir, ".phoenix"), onWarning: options.onWarning });
  const workspace = await createWorkspace(join(options.projectDir, ir.system.root), join(options.projectDir, ".phoenix", "verify"), "verify");
  const measured = new Map<string, number>();
  try {
    const run = async (owned: OwnedCheck, component: string) => {
      const outcome = await runOne(options, ir, lock, owned, component, workspace.dir, sandbox);
      out.push(toRun(owned, component, outcome));
      if (outcome !== "skipped" && outcome.coverage !== undefined) measured.set(owned.owner === "system" ? `system.${owned.check.name}` : `${component}.${owned.check.name}`, outcome.coverage);
    };
    const built = ir.components.filter((c) => plan.find((p) => p.name === c.name)?.action !== "add");
    for (const component of built) {
      for (const owned of checksOf(component, { checks: [] })) await run(owned, component.name);
      // a system judge grades each component's files, as in build
      for (const owned of checksOf({ name: "system", checks: [] }, ir.system).filter((o) => o.check.kind === "judge")) await run(owned, component.name);
    }
    for (const owned of checksOf({ name: "system", checks: [] }, ir.system).filter((o) => o.check.kind !== "judge")) await run(owned, "system");
    await probeAll(options, ir, built, workspace.dir, sandbox, out);
  } finally {
    await workspace.discard();
  }
  return measured;
}

async function runOne(options: VerifyOptions, ir: Ir, lock: Lock, owned: OwnedCheck, component: string, workspace: string, sandbox: Sandbox): Promise<CheckOutcome | "skipped"> {
  const { check } = owned;
  if (check.kind === "run") return runCheck(owned, { workspace, sandbox, readable: [options.projectDir], env: options.env });
  if (check.kind === "judge") return judgeNow(options, ir, lock, owned, component, workspace);
  // probes run together against one started system (probeAll); human checks are approvals, counted below
  return "skipped";
}

/** A judge's verdict on the files as they are: the model's (cached by outputs), or without a key the lock's for these same outputs. */
async function judgeNow(options: VerifyOptions, ir: Ir, lock: Lock, owned: OwnedCheck, name: string, workspace: string): Promise<CheckOutcome | "skipped"> {
  const component = ir.components.find((c) => c.name === name)!;
  const rules = guardRules(component, ir, options.projectDir);
  const hashes = await hashMatching(workspace, rules.owned);
  const setup = judgeSetup(options.env);
  if (setup) {
    const files = new Map(await Promise.all([...hashes.keys()].map(async (path) => [path, await readFile(join(workspace, path), "utf8")] as const)));
    return runJudge({ check: owned.check, component, files, outputHash: outputHash(Object.fromEntries(hashes)), setup, cacheDir: join(options.projectDir, ".phoenix") });
  }
  const recorded = lock.components[name];
  const key = owned.owner === "system" ? `system.${owned.check.name}` : owned.check.name;
  const verdict = recorded && recorded.outputHash === outputHash(Object.fromEntries(hashes)) ? recorded.checks[key] : undefined;
  if (!verdict && owned.check.advisory) return "skipped";
  if (!verdict) return { check: owned.check.name, owner: name, verdict: "error", exitCode: null, timedOut: false, durationMs: 0, stdoutTail: "", stderrTail: "", failures: [], evidence: "not judged: ANTHROPIC_API_KEY is not set and phoenix.lock has no verdict for these files" };
  return { check: owned.check.name, owner: name, verdict: verdict.verdict, exitCode: null, timedOut: false, durationMs: 0, stdoutTail: "", stderrTail: "", failures: [], evidence: `${verdict.evidence}\n(the verdict phoenix.lock records for these same files)` };
}

/** Starts the system once from the verify copy, runs every probe (the components' and the system's), and stops it. */
async function probeAll(options: VerifyOptions, ir: Ir, built: readonly Component[], workspace: string, sandbox: Sandbox, out: CheckRun[]): Promise<void> {
  const probes = [
    ...built.flatMap((c) => c.checks.filter((k) => k.kind === "probe").map((check) => ({ check, owner: c.name }))),
    ...ir.system.checks.filter((k) => k.kind === "probe").map((check) => ({ check, owner: "system" })),
  ];
  if (probes.length === 0) return;
  const place = (check: OwnedCheck["check"]) => ({ file: check.at.file, line: check.at.line });
  const replace = (run: CheckRun) => {
    const at = out.findIndex((r) => r.component === run.component && r.check === run.check);
    if (at >= 0) out.splice(at, 1, run);
    else out.push(run);
  };
  if (!ir.system.start) {
    for (const { check, owner } of probes) {
      replace({ component: owner, check: check.name, kind: "probe", verdict: check.advisory ? "skipped" : "error", evidence: "cannot probe: the system block has no `start` command", durationMs: 0, ...place(check) });
    }
    return;
  }
  let system;
  try {
    system = await startSystem({ dir: workspace, command: ir.system.start, ...(ir.system.ready && { ready: ir.system.ready }), sandbox, readable: [options.projectDir], env: options.env });
  } catch (error) {
    for (const { check, owner } of probes) replace({ component: owner, check: check.name, kind: "probe", verdict: "error", evidence: (error as Error).message, durationMs: 0, ...place(check) });
    return;
  }
  try {
    for (const { check, owner } of probes) {
      const outcome = await runProbe(check, owner, system.baseUrl);
      replace({ component: owner, check: check.name, kind: "probe", verdict: outcome.verdict, evidence: outcome.evidence, durationMs: outcome.durationMs, ...place(check) });
    }
  } finally {
    await system.stop();
  }
}

function toRun(owned: OwnedCheck, component: string, outcome: CheckOutcome | "skipped"): CheckRun {
  const place = { file: owned.check.at.file, line: owned.check.at.line };
  if (outcome === "skipped") {
    const why = owned.check.kind === "probe" ? "probes observe a running system: `phoenix observe`"
      : owned.check.kind === "judge" ? "an advisory judge, not judged: ANTHROPIC_API_KEY is not set"
      : "a human check passes with an approval (below)";
    return { component, check: owned.check.name, kind: owned.check.kind, verdict: "skipped", evidence: why, durationMs: 0, ...place };
  }
  return { component, check: owned.check.name, kind: owned.check.kind, verdict: outcome.verdict, evidence: outcome.evidence, durationMs: outcome.durationMs, ...place };
}


function blocking(ir: Ir, run: CheckRun): boolean {
  const own = run.component === "system" ? [] : ir.components.find((c) => c.name === run.component)?.checks ?? [];
  const check = own.find((c) => c.name === run.check) ?? ir.system.checks.find((c) => c.name === run.check);
  return !check?.advisory;
}

function checkProblem(run: CheckRun): Problem {
  return {
    kind: "check", component: run.component, check: run.check, file: run.file, line: run.line, column: 1,
    message: `check ${run.check} of ${run.component} ${run.verdict === "error" ? "could not run" : "fails"} now: ${run.evidence.split("\n").slice(0, 3).join(" | ")}`,
    fix: run.component === "system" ? "fix the code it checks (`phoenix build` regenerates what is stale)" : `phoenix build ${run.component} (its agent gets the failure), or fix the check if it is wrong`,
  };
}

// ---- approvals ----

function approvalProblems(ir: Ir, lock: Lock, plan: readonly ComponentPlan[]): Problem[] {
  const out: Problem[] = [];
  for (const component of ir.components) {
    const built = lock.components[component.name];
    if (!built || plan.find((p) => p.name === component.name)?.action !== "none") continue;
    const approved = (check?: string) => built.approvals.some((a) => a.outputHash === built.outputHash && a.check === check);
    if (component.autonomy === "supervised" && !approved()) {
      out.push({ kind: "approval", component: component.name, message: `${component.name} is supervised and its current outputs are not approved`, fix: `review them, then \`phoenix approve ${component.name}\`` });
    }
    for (const check of humanChecks(component)) {
      if (!approved(check.name)) {
        out.push({ kind: "approval", component: component.name, check: check.name, file: check.at.file, line: check.at.line, column: check.at.column,
          message: `human check ${check.name} of ${component.name} is not approved for the current outputs: ${check.subject}`, fix: `phoenix approve ${component.name} --check ${check.name}` });
      }
    }
  }
  return out;
}

function humanChecks(component: Component) {
  return component.checks.filter((c) => c.kind === "human" && !c.advisory);
}
