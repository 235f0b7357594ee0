/**
 * `phoenix check [PATH...]`: parse and validate spec files; exit 1 when any has an error.
 * Without PATH it compiles the whole project (deltas folded in, graph and root checked); with
 * PATHs it checks those files, and the tree checks too when they hold a system block.
 */
import type { CommandContext } from "./command.js";
import { UsageError } from "./command.js";
import { findProjectRoot, loadSpecs } from "../spec-files.js";
import { reportDiagnostics } from "./report.js";
import { compareDiagnostics, type Diagnostic, type SpecFile } from "../../spec-lang/index.js";
import { join } from "node:path";

export async function run(context: CommandContext): Promise<number> {
  const { files, diagnostics } = context.args.length > 0 ? await checkPaths(context.args, context.cwd) : await checkProject(context.cwd);
  const summary = reportDiagnostics(diagnostics, files.length, String(context.options["format"]), context.stdout);
  return summary.errors > 0 ? 1 : 0;
}

async function checkPaths(paths: readonly string[], cwd: string): Promise<{ files: SpecFile[]; diagnostics: Diagnostic[] }> {
  const loaded = await loadSpecs(paths, cwd, { namesOnlyWithoutSystem: true });
  if (!loaded.files.some((f) => f.blocks.some((b) => b.kind === "system"))) return loaded;
  // the compiler (zod, the graph) loads only for a whole tree: checking loose files skips ~100 ms
  const [{ compileTree }, { withoutSystemCovered }] = await Promise.all([import("../project.js"), import("../coverage.js")]);
  const tree = compileTree(loaded.files, paths.join(", "));
  return { files: loaded.files, diagnostics: [...withoutSystemCovered(loaded.diagnostics, tree), ...tree.diagnostics].sort(compareDiagnostics) };
}

async function checkProject(cwd: string): Promise<{ files: SpecFile[]; diagnostics: Diagnostic[] }> {
  const { loadProject } = await import("../project.js");
  return loadProject(projectDir(cwd), cwd);
}

/** The project around `cwd`: the nearest directory with a specs/ folder. */
export function projectDir(cwd: string): string {
  const root = findProjectRoot(cwd);
  if (!root) throw new UsageError("no specs/ folder here or in any parent directory: give a PATH, or run `phoenix init`");
  return root;
}

/** The specs/ folder of the project around `cwd`. */
export function defaultSpecsDir(cwd: string): string {
  return join(projectDir(cwd), "specs");
}
