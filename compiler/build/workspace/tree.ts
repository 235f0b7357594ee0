/**
 * Walking a file tree the way every workspace does: version control and phoenix's own folder left
 * out, installed packages never entered, symlinks reported, not followed.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, type BigIntStats } from "node:fs";
import { chmod, readdir, rm } from "node:fs/promises";
import { join } from "node:path";
import { absentAs, unlessAbsent } from "../../absent.js";
import { comparePaths } from "../../drift/drift.js";
import { sha256, type Hash } from "../../hash.js";

/** Folders that are never part of a workspace's changes: version control and phoenix's own. */
export const LEFT_OUT = new Set([".git", ".phoenix"]);
/** Installed packages: not the system, never walked. */
export const PACKAGES = "node_modules";
export const IO_CONCURRENCY = 16;

/** What a path was at some moment: enough to see a change by stat alone. */
export interface Stamp {
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  /** Set for a symlink: where it points. */
  target?: string;
}

export function stampOf(stats: BigIntStats): Stamp {
  return { size: stats.size, mtimeNs: stats.mtimeNs, ino: stats.ino };
}

export interface TreeEntry {
  kind: "file" | "symlink" | "other";
  stamp: Stamp;
  target?: string;
}

/** Whether a walk skips `name`, a folder's entry. */
export function skippedInTree(name: string, isSymlink: boolean, isDirectory: boolean): boolean {
  return LEFT_OUT.has(name) || (name === PACKAGES && (isSymlink || isDirectory));
}

/**
 * Every file and symlink under `dir` (or only under `roots`, folders or files relative to it),
 * by relative path. Walked synchronously: a stat through the thread pool cost phoenix's main
 * thread five times what the stat costs, and a build walks a node's folders several times.
 */
export async function listTree(dir: string, roots: readonly string[] = [""]): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const record = (path: string): void => {
    const stats = unlessAbsent(() => lstatSync(join(dir, path), { bigint: true }));
    if (!stats) return;
    if (stats.isDirectory()) return visit(path);
    if (stats.isSymbolicLink()) out.set(path, { kind: "symlink", stamp: stampOf(stats), target: readlinkSync(join(dir, path)) });
    else if (stats.isFile()) out.set(path, { kind: "file", stamp: stampOf(stats) });
    else out.set(path, { kind: "other", stamp: stampOf(stats) });
  };
  const visit = (relative: string): void => {
    const entries = unlessAbsent(() => readdirSync(join(dir, relative), { withFileTypes: true })) ?? [];
    for (const e of entries) {
      if (!skippedInTree(e.name, e.isSymbolicLink(), e.isDirectory())) record(relative === "" ? e.name : `${relative}/${e.name}`);
    }
  };
  for (const root of rootsOnce(roots)) {
    if (root === "") visit("");
    else record(root);
  }
  return out;
}

/** The roots with any that lies inside another dropped: each file is walked once. */
function rootsOnce(roots: readonly string[]): string[] {
  if (roots.includes("")) return [""];
  const sorted = [...new Set(roots)].sort();
  return sorted.filter((root, i) => !sorted.slice(0, i).some((outer) => root.startsWith(`${outer}/`)));
}

/**
 * The sha256 of every regular file under `dir` that `matches`, by relative path, sorted. `roots`
 * (the owned globs' literal folders) keep the walk to where matching files can be.
 */
export async function hashMatching(dir: string, matches: (path: string) => boolean, roots: readonly string[] = [""]): Promise<Map<string, Hash>> {
  const tree = await listTree(dir, roots);
  const paths = [...tree].filter(([path, entry]) => entry.kind === "file" && matches(path)).map(([path]) => path).sort(comparePaths);
  // read in turn, synchronously: a small file's read through the thread pool cost phoenix's main
  // thread six times what the read costs (and a build reads a few on every node)
  const hashes = new Map<string, Hash>();
  for (const path of paths) {
    const bytes = unlessAbsent(() => readFileSync(join(dir, path)));
    if (bytes) hashes.set(path, sha256(bytes));
  }
  return hashes;
}

/**
 * Removes `dir` and everything in it, also folders a program left unreadable (an overlay's work
 * folder is made mode 000), which a plain recursive remove cannot enter.
 */
export async function removeTree(dir: string): Promise<void> {
  try {
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== "EACCES") throw error;
    await makeWalkable(dir);
    await rm(dir, { recursive: true, force: true, maxRetries: 3 });
  }
}

async function makeWalkable(dir: string): Promise<void> {
  await chmod(dir, 0o700).catch(absentAs(undefined));
  const entries = await readdir(dir, { withFileTypes: true }).catch(absentAs([]));
  await Promise.all(entries.filter((e) => e.isDirectory()).map((e) => makeWalkable(join(dir, e.name))));
}
