/**
 * `phoenix verify`: CI's question, answered without regenerating anything. Green only when the
 * specs compile, nothing is stale, drifted or waiting for an answer, every blocking check passes
 * now, every supervised component (and human check) is approved for its current outputs, and,
 * against a base ref, no check was weakened without a person's sign-off. Every problem is data:
 * what, where, and what to do about it.
 */
import type { SandboxMode } from "../build/types.js";
import type { Component, Ir } from "../ir.js";
import type { Lock } from "../lock/index.js";
import { observeProject } from "../observe.js";
import type { ComponentPlan } from "../plan.js";
import type { Finding } from "../ratchet/rules.js";

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
    const { runAllChecks } = await import("./run-checks.js");
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
  // the ratchet reads git: loaded only when there is a base to compare with
  const [{ readBase, readNow }, { findWeakenings }] = await Promise.all([import("../ratchet/sides.js"), import("../ratchet/rules.js")]);
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
