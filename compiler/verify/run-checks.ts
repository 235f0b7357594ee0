/**
 * verify in full: every check run now, in one private copy of the root. Loaded only when verify
 * runs checks, so `phoenix verify --fast` does not pay for the build's modules.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { checksOf, runCheck, type OwnedCheck } from "../build/checks.js";
import { guardRules } from "../build/guard.js";
import { judgeSetup, runJudge } from "../build/judge.js";
import { runProbe, startSystem } from "../build/probes.js";
import { openSandbox, type Sandbox } from "../build/sandbox.js";
import type { CheckOutcome } from "../build/types.js";
import { hashMatching } from "../build/workspace/tree.js";
import { createWorkspace, type Workspace } from "../build/workspace/workspace.js";
import { componentNamed, type Component, type Ir } from "../ir.js";
import type { Lock } from "../lock/index.js";
import type { ComponentPlan } from "../plan.js";
import { outputHash } from "../record.js";
import type { CheckRun, VerifyOptions } from "./verify.js";

/** Runs every component's checks and the system's once, in one private copy of the root. Returns coverage measured. */
export async function runAllChecks(options: VerifyOptions, ir: Ir, lock: Lock, plan: readonly ComponentPlan[], out: CheckRun[]): Promise<Map<string, number>> {
  const sandbox = await openSandbox(options.sandbox, { scratchDir: join(options.projectDir, ".phoenix"), onWarning: options.onWarning });
  const workspace = await createWorkspace(join(options.projectDir, ir.system.root), join(options.projectDir, ".phoenix", "verify"), "verify", sandbox.kind === "container" ? { choice: "copy" } : {});
  const confined = workspace.confine(sandbox);
  const measured = new Map<string, number>();
  try {
    const run = async (owned: OwnedCheck, component: string) => {
      const outcome = await runOne(options, ir, lock, owned, component, workspace, confined);
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
    await probeAll(options, ir, built, workspace.runDir, confined, out);
  } finally {
    await workspace.discard();
  }
  return measured;
}

/** `sandbox` is already confined to `workspace` (it shows programs the workspace at its runDir). */
async function runOne(options: VerifyOptions, ir: Ir, lock: Lock, owned: OwnedCheck, component: string, workspace: Workspace, sandbox: Sandbox): Promise<CheckOutcome | "skipped"> {
  const { check } = owned;
  if (check.kind === "run") return runCheck(owned, { workspace: workspace.runDir, sandbox, readable: [options.projectDir], env: options.env });
  if (check.kind === "judge") return judgeNow(options, ir, lock, owned, component, workspace.dir);
  // probes run together against one started system (probeAll); human checks are approvals, counted below
  return "skipped";
}

/** A judge's verdict on the files as they are: the model's (cached by outputs), or without a key the lock's for these same outputs. */
async function judgeNow(options: VerifyOptions, ir: Ir, lock: Lock, owned: OwnedCheck, name: string, workspace: string): Promise<CheckOutcome | "skipped"> {
  const component = componentNamed(ir, name)!;
  const rules = guardRules(component, ir, options.projectDir);
  const hashes = await hashMatching(workspace, rules.owned, rules.ownedRoots);
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
