/** `phoenix graph [--format dot|mermaid|json]`: the build graph of the desired state. */
import type { CommandContext } from "./command.js";
import { projectDir } from "./check.js";
import { reportDiagnostics } from "./report.js";
import { formatGraph, type GraphFormat } from "../graph-format.js";
import { isSound, loadProject } from "../project.js";

export async function run(context: CommandContext): Promise<number> {
  const project = await loadProject(projectDir(context.cwd), context.cwd);
  if (!isSound(project)) {
    // a graph of specs with errors would be a guess; say what to fix instead
    reportDiagnostics(project.diagnostics, project.files.length, "text", context.stdout);
    return 1;
  }
  context.stdout.write(formatGraph(project.desired, context.options["format"] as GraphFormat, project.changedBy));
  return 0;
}
