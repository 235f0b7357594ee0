/**
 * `phoenix diff [TARGET...] [--json] [--explain] [--exit-code]`: desired state minus current
 * state, and drift, like `terraform plan`. Reads only: phoenix.lock is never written.
 */
import type { CommandContext } from "./command.js";
import { projectDir } from "./check.js";
import { reportDiagnostics } from "./report.js";
import { targetClosure } from "./targets.js";
import { diffJson, formatDiff, type DiffContext } from "../diff-format.js";
import type { Observation } from "../observe.js";
import type { Diagnostic } from "../../spec-lang/index.js";
import { planOf, type Plan } from "../plan.js";
import { planKeeper, replan } from "../memo/plan-memo.js";

export async function run(context: CommandContext): Promise<number> {
  const dir = projectDir(context.cwd);
  // after small edits, the last full look with what they touched redone (memo/plan-memo.ts)
  const replanned = context.stampsSeen && context.args.length === 0 ? replan(dir, context.cwd, context.stampsSeen) : undefined;
  if (replanned) {
    context.reportInputs?.({ trees: [], files: [], witness: replanned.witness, keep: replanned.keep });
    return show(context, replanned.plan, { deltas: [], lockSerial: replanned.lockSerial, explain: context.options["explain"] === true }, replanned.diagnostics);
  }
  return lookInFull(context, dir);
}

/** Specs, phoenix.lock and owned files read whole; loaded only when the plan memo cannot answer (the schema library alone took 0.1 s). */
async function lookInFull(context: CommandContext, dir: string): Promise<number> {
  const json = context.options["json"] === true;
  const { LockError, lockDiagnostic } = await import("../lock/index.js");
  const { observedInputs, observeProject } = await import("../observe.js");
  let seen: Observation;
  try {
    seen = await observeProject(dir, context.cwd);
  } catch (error) {
    // a program reading --json gets the documented shape whatever went wrong with the lock
    if (!json || !(error instanceof LockError)) throw error;
    writeJson(context, noDiff([lockDiagnostic(error)]));
    return 1;
  }
  context.reportInputs?.({ ...observedInputs(dir, seen.project), keep: planKeeper(dir, context.cwd, seen) });
  if (!seen.ok) {
    if (json) writeJson(context, noDiff(seen.diagnostics));
    else reportDiagnostics(seen.diagnostics, seen.project.files.length, "text", context.stdout);
    return 1;
  }
  const plan = limitTo(seen.plan, targetClosure(context.args, seen.project.desired));
  const deltas = [...new Set(seen.project.desired.components.flatMap((c) => seen.project.changedBy.get(c.name) ?? []))].sort();
  const diff: DiffContext = { deltas, lockSerial: seen.lockExists ? seen.lock.serial : undefined, explain: context.options["explain"] === true };
  return show(context, plan, diff, seen.diagnostics);
}

function show(context: CommandContext, plan: Plan, diff: DiffContext, diagnostics: readonly Diagnostic[]): number {
  if (context.options["json"] === true) writeJson(context, { ...diffJson(plan, diff), diagnostics });
  else context.stdout.write(formatDiff(plan, diff));
  const differs = plan.components.some((c) => c.action !== "none");
  return context.options["exitCode"] === true && differs ? 1 : 0;
}

/** The documented --json shape with nothing to show but problems: no deltas, no lock serial, zero counts. */
function noDiff(diagnostics: readonly Diagnostic[]) {
  return { ...diffJson(planOf([]), { deltas: [], explain: false }), diagnostics };
}

function writeJson(context: CommandContext, value: unknown): void {
  context.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

function limitTo(plan: Plan, names: Set<string> | undefined): Plan {
  return names ? planOf(plan.components.filter((c) => names.has(c.name))) : plan;
}
