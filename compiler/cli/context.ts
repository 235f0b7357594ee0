/**
 * `phoenix context NODE [--budget TOKENS] [--json]`: the context pack the node's agent would get
 * now, each part with its source and token estimate, and what the budget left out.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { CommandContext } from "./command.js";
import { UsageError } from "./command.js";
import { projectDir } from "./check.js";
import { reportDiagnostics } from "./report.js";
import { checkTargets } from "./targets.js";
import { buildContextPack, DEFAULT_BUDGET_TOKENS, renderPack } from "../../generators/context-pack.js";
import { lastFeedbackFile } from "../build/node-build.js";
import { isSound, loadProject } from "../project.js";

export async function run(context: CommandContext): Promise<number> {
  const [node] = context.args;
  const budget = context.options["budget"] === undefined ? DEFAULT_BUDGET_TOKENS : Number(context.options["budget"]);
  if (!Number.isInteger(budget) || budget < 1) throw new UsageError(`--budget must be a whole number of tokens, at least 1, not '${String(context.options["budget"])}'`);
  const dir = projectDir(context.cwd);
  const project = await loadProject(dir, context.cwd);
  if (!isSound(project)) {
    reportDiagnostics(project.diagnostics, project.files.length, "text", context.stdout);
    return 1;
  }
  checkTargets([node!], project.desired);
  const component = project.desired.components.find((c) => c.name === node)!;
  const feedback = await readFile(lastFeedbackFile(dir, node!), "utf8").catch(() => undefined);
  const pack = await buildContextPack({
    projectDir: dir, ir: project.desired, component, attempt: 1, budget, cacheDir: join(dir, ".phoenix"),
    deltas: project.changedBy.get(component.name) ?? [], ...(feedback && { feedback }),
  });
  context.stdout.write(context.options["json"] === true ? `${JSON.stringify(pack, null, 2)}\n` : renderPack(pack));
  return 0;
}
