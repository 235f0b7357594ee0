/**
 * `phoenix diff [TARGET...] [--json] [--explain] [--exit-code]`: desired state minus current
 * state, and drift, like `terraform plan`. Reads only: phoenix.lock is never written.
 */
import type { CommandContext } from "./command.js";
import { projectDir } from "./check.js";
import { reportDiagnostics } from "./report.js";
import { targetClosure } from "./targets.js";
import { diffJson, formatDiff, type DiffContext } from "../diff-format.js";
import { observeProject } from "../observe.js";
import { planOf, type Plan } from "../plan.js";

export async function run(context: CommandContext): Promise<number> {
  const json = context.options["json"] === true;
  const seen = await observeProject(projectDir(context.cwd), context.cwd);
  if (!seen.ok) {
    if (json) context.stdout.write(`${JSON.stringify({ schema: "phoenix.diff/1", components: [], diagnostics: seen.diagnostics }, null, 2)}\n`);
    else reportDiagnostics(seen.diagnostics, seen.project.files.length, "text", context.stdout);
    return 1;
  }
  const plan = limitTo(seen.plan, targetClosure(context.args, seen.project.desired));
  const deltas = [...new Set(seen.project.desired.components.flatMap((c) => seen.project.changedBy.get(c.name) ?? []))].sort();
  const diff: DiffContext = { deltas, lockSerial: seen.lockExists ? seen.lock.serial : undefined, explain: context.options["explain"] === true };
  if (json) context.stdout.write(`${JSON.stringify({ ...diffJson(plan, diff), diagnostics: seen.diagnostics }, null, 2)}\n`);
  else context.stdout.write(formatDiff(plan, diff));
  const differs = plan.components.some((c) => c.action !== "none");
  return context.options["exitCode"] === true && differs ? 1 : 0;
}

function limitTo(plan: Plan, names: Set<string> | undefined): Plan {
  return names ? planOf(plan.components.filter((c) => names.has(c.name))) : plan;
}
