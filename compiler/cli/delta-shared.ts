/** What the `phoenix delta` commands share: the project they work on and all-or-nothing writes. */
import { mkdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { fsyncDirectory, writeTemp } from "../atomic-write.js";
import { formatDiagnostic, type DeltaBlock, type SpecFile } from "../../spec-lang/index.js";
import { isSound, loadProject, type Project } from "../project.js";
import { describeIoError, displayPath } from "../spec-files.js";
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { projectDir } from "./check.js";
import { plural } from "./report.js";

/** Names of deltas, components and systems: `[A-Za-z_][A-Za-z0-9_-]*`. */
export const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_-]*$/;

/** The project around the working directory, with specs/ as its files spell it. */
export async function openProject(context: CommandContext): Promise<{ project: Project; specsDir: string }> {
  const dir = projectDir(context.cwd);
  const project = await loadProject(dir, context.cwd);
  return { project, specsDir: displayPath(join(dir, "specs"), context.cwd) };
}

/** The project, refused with its errors printed when it has any: `doing` says what was refused. */
export function requireSound(project: Project, context: CommandContext, doing: string): asserts project is Project & Required<Pick<Project, "base" | "desired">> {
  if (isSound(project)) return;
  const errors = project.diagnostics.filter((d) => d.severity === "error");
  for (const d of errors) context.stdout.write(`${formatDiagnostic(d)}\n`);
  throw new UserError(`cannot ${doing}: the specs have ${plural(errors.length, "error")} (above); fix them first (phoenix check)`);
}

/** The pending deltas (those under specs/ but not in specs/deltas/applied/), in file order. */
export function pendingDeltas(files: readonly SpecFile[]): DeltaBlock[] {
  return files.flatMap((f) => f.blocks.filter((b): b is DeltaBlock => b.kind === "delta"));
}

/** A file to write (`text`) or delete, by absolute path. */
export interface FileWrite {
  path: string;
  text?: string;
}

/**
 * Writes every file or none, as far as a file system allows: each text goes to a temporary file
 * beside its target first; only when all are written are they renamed over their targets (each
 * rename is atomic), and then the deletions are made. A failure before the renames removes the
 * temporary files and leaves every target as it was.
 */
export async function writeAllOrNothing(writes: readonly FileWrite[], cwd: string): Promise<void> {
  const temps: { temp: string; target: string }[] = [];
  let current = ".";
  try {
    for (const w of writes) {
      if (w.text === undefined) continue;
      current = w.path;
      await mkdir(dirname(w.path), { recursive: true });
      temps.push({ temp: await writeTemp(w.path, w.text), target: w.path });
    }
  } catch (error) {
    await Promise.all(temps.map((t) => rm(t.temp, { force: true })));
    throw new UserError(`nothing was written: cannot write ${displayPath(current, cwd)}: ${describeIoError(error)}`);
  }
  for (const [i, t] of temps.entries()) {
    try {
      await rename(t.temp, t.target);
    } catch (error) {
      await Promise.all(temps.slice(i).map((r) => rm(r.temp, { force: true })));
      const done = temps.slice(0, i).map((r) => displayPath(r.target, cwd));
      throw new UserError(`cannot replace ${displayPath(t.target, cwd)}: ${describeIoError(error)}; already written: ${done.join(", ") || "nothing"}`);
    }
  }
  for (const w of writes) if (w.text === undefined) await rm(w.path, { force: true });
  for (const dir of new Set(writes.map((w) => dirname(w.path)))) await fsyncDirectory(dir);
}

/** True when `path` holds exactly `text`. */
export async function holds(path: string, text: string): Promise<boolean> {
  try {
    return (await readFile(path, "utf8")) === text;
  } catch {
    return false;
  }
}

/** An absolute path for a path as the project's files spell it. */
export function absolute(path: string, cwd: string): string {
  return resolve(cwd, path);
}
