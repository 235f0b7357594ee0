/** `phoenix check [PATH...]`: parse and validate spec files; exit 1 when any has an error. */
import type { CommandContext } from "./command.js";
import { UsageError } from "./command.js";
import { findProjectRoot, loadSpecs } from "../spec-files.js";
import { reportDiagnostics } from "./report.js";
import { join } from "node:path";

export async function run(context: CommandContext): Promise<number> {
  const paths = context.args.length > 0 ? context.args : [defaultSpecsDir(context.cwd)];
  const loaded = await loadSpecs(paths, context.cwd);
  const summary = reportDiagnostics(loaded.diagnostics, loaded.files.length, String(context.options["format"]), context.stdout);
  return summary.errors > 0 ? 1 : 0;
}

/** The specs/ folder of the project around `cwd`. */
export function defaultSpecsDir(cwd: string): string {
  const root = findProjectRoot(cwd);
  if (!root) throw new UsageError("no specs/ folder here or in any parent directory: give a PATH, or run `phoenix init`");
  return join(root, "specs");
}
