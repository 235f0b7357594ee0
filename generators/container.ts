/**
 * The container hash: the project-container definition (Containerfile, devcontainer.json, and
 * whatever else sits beside them) is where every component is built and checked, so it is part
 * of every component's input hash and changing it makes everything stale.
 */
import { readdir, readFile, stat } from "node:fs/promises";
import { basename, join, resolve } from "node:path";
import { canonicalJson, sha256, type Hash } from "../compiler/hash.js";
import { absentAs } from "../compiler/absent.js";

/**
 * The hash of every file under `container` (relative to `rootDir`): their sorted relative paths
 * and each file's sha256. Null when there is no such directory.
 */
export async function containerHash(rootDir: string, container: string): Promise<Hash | null> {
  const dir = resolve(rootDir, container);
  const kind = await stat(dir).catch(absentAs(undefined));
  if (!kind) return null;
  // a definition given as a single file is that file
  const files = kind.isDirectory() ? await listFiles(dir) : [basename(dir)];
  const base = kind.isDirectory() ? dir : resolve(dir, "..");
  const hashed = await Promise.all(files.map(async (path) => ({ path, hash: await fileHash(join(base, path)) })));
  return sha256(canonicalJson(hashed.filter((f) => f.hash !== undefined)));
}

/**
 * Every file under `root`: relative, `/`-separated, sorted by code unit (the same order on every
 * machine and locale). Symlinks are listed, and count as their target's content if that is a file;
 * symlinked directories are not entered (no loops, no file under two names).
 */
async function listFiles(root: string): Promise<string[]> {
  const out: string[] = [];
  const visit = async (dir: string, prefix: string): Promise<void> => {
    const entries = await readdir(dir, { withFileTypes: true }).catch(absentAs([]));
    await Promise.all(entries.map(async (e) => {
      if (e.isDirectory()) await visit(join(dir, e.name), `${prefix}${e.name}/`);
      else if (e.isFile() || e.isSymbolicLink()) out.push(`${prefix}${e.name}`);
    }));
  };
  await visit(root, "");
  return out.sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** Undefined for anything that is not (or no longer) a readable regular file. */
async function fileHash(path: string): Promise<Hash | undefined> {
  const stats = await stat(path).catch(absentAs(undefined));
  if (!stats?.isFile()) return undefined;
  const bytes = await readFile(path).catch(absentAs(undefined));
  return bytes && sha256(bytes);
}

