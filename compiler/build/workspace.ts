/**
 * The workspace: a private copy of the system root in which one node's attempts work, so that
 * nothing touches the real tree until every blocking check has passed.
 *
 * Files are copied (reflinked where the file system can: copy-on-write for free) with their
 * modification times kept, so a change is later found by stat alone; `node_modules` folders are
 * symlinked, not copied (installed packages are not the system, and copying them would cost more
 * than the rest). `.git` and `.phoenix` are left out.
 */
import { constants, type BigIntStats } from "node:fs";
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { absentAs } from "../absent.js";
import { comparePaths } from "../drift/drift.js";
import { sha256, type Hash } from "../hash.js";
import { forEachLimited } from "../limit.js";
import type { FileChange } from "./types.js";

/** Never copied into a workspace. */
const LEFT_OUT = new Set([".git", ".phoenix"]);
/** Linked into a workspace, not copied. */
const LINKED = new Set(["node_modules"]);
const COPY_CONCURRENCY = 16;
/**
 * A file whose time is this close to the workspace's creation could be changed again within the
 * same clock tick without its stat showing it (git's racy-clean rule): its content is compared.
 */
const RACY_WINDOW_NS = 2_000_000_000n;

/** What a path was when the workspace was made. */
interface Stamp {
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  /** Set for a symlink: where it points. */
  target?: string;
}

export interface Workspace {
  /** Absolute path of the copy: the agent's and the checks' working directory. */
  dir: string;
  /** The real root it was copied from. */
  rootDir: string;
  /** Removes the copy. Safe to call twice. */
  discard(): Promise<void>;
}

interface WorkspaceState extends Workspace {
  start: Map<string, Stamp>;
  createdNs: bigint;
}

const states = new WeakMap<Workspace, WorkspaceState>();

/** Copies `rootDir` into a new folder under `parentDir` whose name starts with `label`. */
export async function createWorkspace(rootDir: string, parentDir: string, label: string): Promise<Workspace> {
  await mkdir(parentDir, { recursive: true });
  const dir = await mkdtemp(join(parentDir, `${label.replace(/[^\w.-]/g, "_")}-`));
  const createdNs = BigInt(Date.now()) * 1_000_000n;
  const start = new Map<string, Stamp>();
  const workspace: WorkspaceState = {
    dir, rootDir, start, createdNs,
    discard: () => rm(dir, { recursive: true, force: true, maxRetries: 3 }),
  };
  try {
    await copyTree(rootDir, dir, start);
  } catch (error) {
    await workspace.discard();
    throw error;
  }
  states.set(workspace, workspace);
  return workspace;
}

async function copyTree(from: string, to: string, start: Map<string, Stamp>): Promise<void> {
  const files: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(join(from, relative), { withFileTypes: true }).catch(absentAs([]));
    await Promise.all(entries.filter((e) => !LEFT_OUT.has(e.name)).map(async (e) => {
      const path = relative === "" ? e.name : `${relative}/${e.name}`;
      if (e.isDirectory() && LINKED.has(e.name)) await symlink(join(from, path), join(to, path));
      else if (e.isDirectory()) {
        await mkdir(join(to, path), { recursive: true });
        await visit(path);
      } else if (e.isSymbolicLink()) {
        const target = await readlink(join(from, path));
        await symlink(target, join(to, path));
        start.set(path, { ...stampOf(await lstat(join(to, path), { bigint: true })), target });
      } else if (e.isFile()) files.push(path);
    }));
  };
  await mkdir(to, { recursive: true });
  await visit("");
  await forEachLimited(files, COPY_CONCURRENCY, async (path) => {
    const source = await lstat(join(from, path), { bigint: true }).catch(absentAs(undefined));
    if (!source) return;
    await copyFile(join(from, path), join(to, path), constants.COPYFILE_FICLONE);
    // keep the source's times, so that any later write shows in the stat
    await utimes(join(to, path), source.atime, source.mtime);
    start.set(path, stampOf(await lstat(join(to, path), { bigint: true })));
  });
}

function stampOf(stats: BigIntStats): Stamp {
  return { size: stats.size, mtimeNs: stats.mtimeNs, ino: stats.ino };
}

/**
 * Every file the workspace gained, lost or changed since it was made, sorted by path. A file
 * whose stat is unchanged is not read; a racy one is compared by content with the root's copy.
 */
export async function workspaceChanges(workspace: Workspace): Promise<FileChange[]> {
  const state = stateOf(workspace);
  const now = await listTree(workspace.dir);
  const changes: FileChange[] = [];
  for (const [path, entry] of now) {
    const before = state.start.get(path);
    if (entry.kind === "symlink") {
      if (before?.target !== entry.target) changes.push({ path, change: before ? "modified" : "added", kind: "symlink", target: entry.target! });
      continue;
    }
    if (entry.kind === "other") {
      changes.push({ path, change: before ? "modified" : "added", kind: "other" });
    } else if (before === undefined) {
      changes.push({ path, change: "added", kind: "file", size: Number(entry.stamp.size) });
    } else if (before.target !== undefined || !sameStamp(before, entry.stamp) || before.mtimeNs >= state.createdNs - RACY_WINDOW_NS) {
      if (before.target !== undefined || await contentDiffers(workspace, path)) {
        changes.push({ path, change: "modified", kind: "file", size: Number(entry.stamp.size) });
      }
    }
  }
  for (const path of state.start.keys()) if (!now.has(path)) changes.push({ path, change: "deleted", kind: "file" });
  return changes.sort((a, b) => comparePaths(a.path, b.path));
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino;
}

async function contentDiffers(workspace: Workspace, path: string): Promise<boolean> {
  const [mine, theirs] = await Promise.all([
    readFile(join(workspace.dir, path)).catch(absentAs(undefined)),
    readFile(join(workspace.rootDir, path)).catch(absentAs(undefined)),
  ]);
  return mine === undefined || theirs === undefined || !mine.equals(theirs);
}

interface TreeEntry {
  kind: "file" | "symlink" | "other";
  stamp: Stamp;
  target?: string;
}

/** Every file and symlink under `dir` except linked and left-out folders, by relative path. */
export async function listTree(dir: string): Promise<Map<string, TreeEntry>> {
  const out = new Map<string, TreeEntry>();
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(join(dir, relative), { withFileTypes: true }).catch(absentAs([]));
    await Promise.all(entries.map(async (e) => {
      const path = relative === "" ? e.name : `${relative}/${e.name}`;
      if (LEFT_OUT.has(e.name) || (LINKED.has(e.name) && e.isSymbolicLink())) return;
      if (e.isDirectory()) return visit(path);
      const stats = await lstat(join(dir, path), { bigint: true }).catch(absentAs(undefined));
      if (!stats) return;
      if (stats.isSymbolicLink()) out.set(path, { kind: "symlink", stamp: stampOf(stats), target: await readlink(join(dir, path)) });
      else if (stats.isFile()) out.set(path, { kind: "file", stamp: stampOf(stats) });
      else out.set(path, { kind: "other", stamp: stampOf(stats) });
    }));
  };
  await visit("");
  return out;
}

/** Puts `path` back as it is in the real root (or removes it when the root has none): a refused change undone. */
export async function revertPath(workspace: Workspace, path: string): Promise<void> {
  const state = stateOf(workspace);
  const target = join(workspace.dir, path);
  await rm(target, { recursive: true, force: true });
  const before = state.start.get(path);
  if (!before) return;
  await mkdir(dirname(target), { recursive: true });
  if (before.target !== undefined) {
    await symlink(before.target, target);
    return;
  }
  const source = join(workspace.rootDir, path);
  const stats = await lstat(source, { bigint: true }).catch(absentAs(undefined));
  if (!stats) return;
  await copyFile(source, target, constants.COPYFILE_FICLONE);
  await utimes(target, stats.atime, stats.mtime);
  state.start.set(path, stampOf(await lstat(target, { bigint: true })));
}

/** The sha256 of every regular file under `dir` that `matches`, by relative path, sorted. */
export async function hashMatching(dir: string, matches: (path: string) => boolean): Promise<Map<string, Hash>> {
  const tree = await listTree(dir);
  const paths = [...tree].filter(([path, entry]) => entry.kind === "file" && matches(path)).map(([path]) => path).sort(comparePaths);
  const hashes = new Map<string, Hash>();
  await forEachLimited(paths, COPY_CONCURRENCY, async (path) => {
    const bytes = await readFile(join(dir, path)).catch(absentAs(undefined));
    if (bytes) hashes.set(path, sha256(bytes));
  });
  return new Map(paths.filter((p) => hashes.has(p)).map((p) => [p, hashes.get(p)!]));
}

function stateOf(workspace: Workspace): WorkspaceState {
  const state = states.get(workspace);
  if (!state) throw new Error("not a workspace made by createWorkspace");
  return state;
}
