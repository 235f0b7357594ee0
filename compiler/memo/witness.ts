/**
 * Witnesses: the stat of every file and folder a command's answer was made from, so that a later
 * run can prove, with stats alone, that none of them changed (as git's index and ninja's mtimes
 * do). A folder's stat moves when an entry is added, removed or renamed in it; a file's when it
 * is written (its ctime even when its mtime is put back); a replaced file has a new inode.
 * Synchronous on purpose: tens of thousands of stats in a row, with no promise per file.
 */
import { readdirSync, statSync, type Stats } from "node:fs";
import { join } from "node:path";

/** A path (relative to the project) and its stat as text, or "absent". */
export type Stamp = [path: string, stat: string];

export interface Witness {
  stamps: Stamp[];
}

/** Never inputs (phoenix's own state, version control, installed packages), and often huge. */
const SKIPPED = new Set([".git", "node_modules", ".phoenix"]);

/**
 * What identifies one version of a path without reading it; "absent" when there is nothing.
 * Times in milliseconds as doubles: a quarter of a microsecond apart at today's dates, which
 * keeps every distinct nanosecond stamp of a file system distinct enough to see a write (the
 * ctime moves on every change), and costs a fifth less than bigint stats at 40,000 paths.
 */
export function stampOf(path: string): string {
  const stats = statSync(path, { throwIfNoEntry: false });
  return stats ? describe(stats) : "absent";
}

function describe(stats: Stats): string {
  const kind = stats.isDirectory() ? "d" : stats.isFile() ? "f" : "o";
  return `${kind} ${stats.size} ${stats.mtimeMs} ${stats.ctimeMs} ${stats.ino}`;
}

/** The ctime in a stamp (undefined for an absent path): when the path last changed in any way. */
export function changedAtMs(stat: string): number | undefined {
  if (stat === "absent") return undefined;
  // `kind size mtime ctime ino`: found by position, for it runs over every witness
  const afterSize = stat.indexOf(" ", 2);
  const afterMtime = stat.indexOf(" ", afterSize + 1);
  return Number(stat.slice(afterMtime + 1, stat.indexOf(" ", afterMtime + 1)));
}

/**
 * A witnessed path (relative, `/`-separated) as the file system takes it. Joined, not
 * normalized: path.join cost a tenth of a no-op's time over 40,000 paths, and the kernel
 * resolves `.` and `..` just as well.
 */
export function inProject(projectDir: string, path: string): string {
  return `${projectDir}/${path}`;
}

/**
 * Stamps of `files` (present or not) and of every folder and file under `trees`, skipping .git,
 * node_modules and .phoenix at any depth. Symlinks are stamped as what they point to and never
 * entered, as phoenix's own walks do.
 */
export function witness(projectDir: string, trees: readonly string[], files: readonly string[]): Witness {
  const stamps: Stamp[] = files.map((path) => [path, stampOf(inProject(projectDir, path))]);
  const visit = (path: string) => {
    const stamp = stampOf(inProject(projectDir, path));
    stamps.push([path, stamp]);
    if (!stamp.startsWith("d ")) return;
    for (const entry of readdirSync(join(projectDir, path), { withFileTypes: true })) {
      if (SKIPPED.has(entry.name)) continue;
      const child = path === "." ? entry.name : `${path}/${entry.name}`;
      if (entry.isDirectory()) visit(child);
      else stamps.push([child, stampOf(inProject(projectDir, child))]);
    }
  };
  for (const tree of trees) visit(tree);
  return { stamps };
}
