/**
 * The copy workspace: a private copy of the root, for machines where an overlay cannot be
 * mounted (and for a container runner, whose programs see only real folders).
 *
 * Files are copied (reflinked where the file system can: copy-on-write for free) with their
 * modification times kept, so a change is later found by stat alone; `node_modules` folders are
 * symlinked, not copied (installed packages are not the system, and copying them would cost more
 * than the rest). `.git` and `.phoenix` are left out. The cost grows with the root's size.
 */
import { constants } from "node:fs";
import { copyFile, lstat, mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { absentAs } from "../../absent.js";
import { comparePaths } from "../../drift/drift.js";
import { forEachLimited } from "../../limit.js";
import type { FileChange } from "../types.js";
import { IO_CONCURRENCY, LEFT_OUT, listTree, PACKAGES, removeTree, stampOf, type Stamp } from "./tree.js";
import type { Workspace } from "./workspace.js";

/**
 * A file whose time is this close to the workspace's creation could be changed again within the
 * same clock tick without its stat showing it (git's racy-clean rule): its content is compared.
 */
const RACY_WINDOW_NS = 2_000_000_000n;

/** Copies `rootDir` into a new folder under `parentDir` whose name starts with `label`. */
export async function createCopyWorkspace(rootDir: string, parentDir: string, label: string): Promise<Workspace> {
  await mkdir(parentDir, { recursive: true });
  const dir = await mkdtemp(join(parentDir, `${label.replace(/[^\w.-]/g, "_")}-`));
  const createdNs = BigInt(Date.now()) * 1_000_000n;
  const start = new Map<string, Stamp>();
  const discard = () => removeTree(dir);
  try {
    await copyTree(rootDir, dir, start);
  } catch (error) {
    await discard();
    throw error;
  }
  return {
    kind: "copy", dir, runDir: dir, rootDir,
    confine: (sandbox) => sandbox,
    changes: () => changes(dir, rootDir, start, createdNs),
    revert: (path) => revert(dir, rootDir, start, path),
    discard,
  };
}

async function copyTree(from: string, to: string, start: Map<string, Stamp>): Promise<void> {
  const files: string[] = [];
  const visit = async (relative: string): Promise<void> => {
    const entries = await readdir(join(from, relative), { withFileTypes: true }).catch(absentAs([]));
    await Promise.all(entries.filter((e) => !LEFT_OUT.has(e.name)).map(async (e) => {
      const path = relative === "" ? e.name : `${relative}/${e.name}`;
      if (e.isDirectory() && e.name === PACKAGES) await symlink(join(from, path), join(to, path));
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
  await forEachLimited(files, IO_CONCURRENCY, async (path) => {
    const source = await lstat(join(from, path), { bigint: true }).catch(absentAs(undefined));
    if (!source) return;
    await copyFile(join(from, path), join(to, path), constants.COPYFILE_FICLONE);
    // keep the source's times, so that any later write shows in the stat
    await utimes(join(to, path), source.atime, source.mtime);
    start.set(path, stampOf(await lstat(join(to, path), { bigint: true })));
  });
}

/**
 * Every file the copy gained, lost or changed since it was made, sorted by path. A file whose
 * stat is unchanged is not read; a racy one is compared by content with the root's.
 */
async function changes(dir: string, rootDir: string, start: Map<string, Stamp>, createdNs: bigint): Promise<FileChange[]> {
  const now = await listTree(dir);
  const out: FileChange[] = [];
  for (const [path, entry] of now) {
    const before = start.get(path);
    if (entry.kind === "symlink") {
      if (before?.target !== entry.target) out.push({ path, change: before ? "modified" : "added", kind: "symlink", target: entry.target! });
      continue;
    }
    if (entry.kind === "other") {
      out.push({ path, change: before ? "modified" : "added", kind: "other" });
    } else if (before === undefined) {
      out.push({ path, change: "added", kind: "file", size: Number(entry.stamp.size) });
    } else if (before.target !== undefined || !sameStamp(before, entry.stamp) || before.mtimeNs >= createdNs - RACY_WINDOW_NS) {
      if (before.target !== undefined || await contentDiffers(join(dir, path), join(rootDir, path))) {
        out.push({ path, change: "modified", kind: "file", size: Number(entry.stamp.size) });
      }
    }
  }
  for (const path of start.keys()) if (!now.has(path)) out.push({ path, change: "deleted", kind: "file" });
  return out.sort((a, b) => comparePaths(a.path, b.path));
}

function sameStamp(a: Stamp, b: Stamp): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino;
}

export async function contentDiffers(one: string, other: string): Promise<boolean> {
  const [mine, theirs] = await Promise.all([readFile(one).catch(absentAs(undefined)), readFile(other).catch(absentAs(undefined))]);
  return mine === undefined || theirs === undefined || !mine.equals(theirs);
}

/** Puts `path` back as the root has it (or removes it when the root has none): a refused change undone. */
async function revert(dir: string, rootDir: string, start: Map<string, Stamp>, path: string): Promise<void> {
  const target = join(dir, path);
  await rm(target, { recursive: true, force: true });
  const before = start.get(path);
  if (!before) return;
  await mkdir(dirname(target), { recursive: true });
  if (before.target !== undefined) {
    await symlink(before.target, target);
    return;
  }
  const source = join(rootDir, path);
  const stats = await lstat(source, { bigint: true }).catch(absentAs(undefined));
  if (!stats) return;
  await copyFile(source, target, constants.COPYFILE_FICLONE);
  await utimes(target, stats.atime, stats.mtime);
  start.set(path, stampOf(await lstat(target, { bigint: true })));
}
