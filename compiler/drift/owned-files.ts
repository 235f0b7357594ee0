/**
 * The owned files as they are on disk: one walk of the root, each file matched against every
 * component's `owns` globs, each owned file hashed unless the stat cache vouches for it. Also
 * `shared-file`: graph.ts judges globs alone, this catches two owners of a file that exists.
 *
 * Symlinks: a symlinked directory is not followed (no loops, and no file seen under two paths);
 * a symlinked file counts as its target's content, which is what anything reading the path
 * gets; a dangling symlink counts as no file.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import { join, resolve } from "node:path";
import { diagnostic, type Diagnostic } from "../../spec-lang/index.js";
import { sha256, type Hash } from "../hash.js";
import type { Ir, Located } from "../ir.js";
import { comparePaths } from "./drift.js";
import {
  abandonStatCache, beginStatCache, cachedHash, commitStatCache, fileStat, readStatCache,
  type CacheEntry, type FileStat, type StatCache,
} from "./stat-cache.js";
import { unlessAbsent } from "../absent.js";
import { GlobIndex, globMatcher } from "../globs.js";

/** Never part of the system: version control, installed packages, phoenix's own state. */
const SKIPPED = new Set([".git", "node_modules", ".phoenix"]);

export interface ScanOptions {
  /** Use and update `.phoenix/stat-cache.json` (default true); false hashes every owned file. */
  cache?: boolean;
}

export interface OwnedFiles {
  /** Every component of the IR -> its owned files (path relative to the root -> sha256), sorted by path. */
  files: Map<string, Map<string, Hash>>;
  /** `shared-file` errors; a shared file is listed under each component that matches it. */
  diagnostics: Diagnostic[];
  /** How many files were read and hashed (the rest came from the stat cache). */
  hashed: number;
}

export async function scanOwnedFiles(projectDir: string, ir: Ir, options: ScanOptions = {}): Promise<OwnedFiles> {
  const useCache = options.cache ?? true;
  // begun before anything is statted: its time is what makes a later cache hit safe
  const pending = useCache ? await beginStatCache(projectDir) : undefined;
  try {
    const root = ir.system.root;
    const owned = matchOwners(listFiles(resolve(projectDir, root)), ir);
    const cache = useCache ? await readStatCache(projectDir, root) : undefined;
    const hashed = hashFiles(resolve(projectDir, root), [...owned.owners.keys()], cache);
    // every hash came from the cache and it lists no other file: it holds as it is (rewriting
    // 20,000 entries on every look cost 70 ms)
    const cacheHolds = cache !== undefined && hashed.count === 0 && hashed.entries.size === cache.entries.size;
    if (pending && cacheHolds) await abandonStatCache(pending);
    else if (pending) await commitStatCache(projectDir, pending, root, hashed.entries);
    return { files: filesByComponent(ir, owned.owners, hashed.entries), diagnostics: owned.diagnostics, hashed: hashed.count };
  } catch (error) {
    if (pending) await abandonStatCache(pending);
    throw error;
  }
}

/** One component's glob, compiled. */
interface Owner {
  component: string;
  glob: Located;
  matches: (path: string) => boolean;
}

/**
 * Pure: which components own each path (in IR order), and a `shared-file` error, at the later
 * component's glob, for each extra owner of a path. Paths no glob matches are left out.
 */
export function matchOwners(paths: readonly string[], ir: Ir): { owners: Map<string, string[]>; diagnostics: Diagnostic[] } {
  const globs = compileOwners(ir);
  const index = new GlobIndex();
  globs.forEach((g, id) => index.add(g.glob.value, id));
  const owners = new Map<string, string[]>();
  const diagnostics: Diagnostic[] = [];
  for (const path of paths) {
    const [first, ...others] = onePerComponent(index.mayMatch(path).map((id) => globs[id]!).filter((g) => g.matches(path)));
    if (!first) continue;
    owners.set(path, [first.component, ...others.map((o) => o.component)]);
    for (const o of others) {
      diagnostics.push(diagnostic("shared-file", o.glob.at, {
        path, component: o.component, glob: o.glob.value, other: first.component, otherGlob: first.glob.value,
      }));
    }
  }
  return { owners, diagnostics };
}

function compileOwners(ir: Ir): Owner[] {
  return ir.components.flatMap((c) => c.owns.map((glob) => ({
    component: c.name, glob, matches: globMatcher(glob.value),
  })));
}

/** The first matching glob of each component (a component matching a file twice is fine). */
function onePerComponent(matched: readonly Owner[]): Owner[] {
  return matched.filter((o, i) => matched.findIndex((p) => p.component === o.component) === i);
}

/*
 * The walk, the stats and the reads are synchronous on purpose: through the thread pool each
 * call cost ~45 us of waiting here against ~5 us made directly, and a root of 20,000 owned
 * files is 20,000 stats. The files are small and the process has nothing else to do meanwhile.
 */

/** Every file and symlink under `root` (paths relative to it, `/`-separated, sorted); none if it is missing. */
function listFiles(root: string): string[] {
  const out: string[] = [];
  const visit = (dir: string, prefix: string): void => {
    for (const e of entriesOf(dir)) {
      if (SKIPPED.has(e.name)) continue;
      if (e.isDirectory()) visit(join(dir, e.name), `${prefix}${e.name}/`);
      // symlinks are listed, not entered: whether one is a file is decided only if a glob matches it
      else if (e.isFile() || e.isSymbolicLink()) out.push(`${prefix}${e.name}`);
    }
  };
  visit(root, "");
  return out.sort(comparePaths);
}

/** A folder's entries; none when it vanished or is not a folder. */
function entriesOf(dir: string): Dirent[] {
  return unlessAbsent(() => readdirSync(dir, { withFileTypes: true })) ?? [];
}

/** Hashes of the regular files among `paths`, from the cache where it vouches for them. */
function hashFiles(root: string, paths: readonly string[], cache: StatCache | undefined): { entries: Map<string, CacheEntry>; count: number } {
  const entries = new Map<string, CacheEntry>();
  let count = 0;
  for (const path of paths) {
    // stat before reading: if the file changes in between, the next scan sees a newer stat
    const now = statFile(join(root, path));
    if (!now) continue;
    const cached = cachedHash(cache, path, now);
    const hash = cached ?? hashFile(join(root, path));
    if (hash === undefined) continue;
    if (cached === undefined) count++;
    entries.set(path, { ...now, hash });
  }
  return { entries, count };
}

/** The stat of a regular file (through a symlink); undefined for anything else or nothing. */
function statFile(path: string): FileStat | undefined {
  const stats = unlessAbsent(() => statSync(path, { bigint: true }));
  return stats?.isFile() ? fileStat(stats) : undefined;
}

function hashFile(path: string): Hash | undefined {
  const bytes = unlessAbsent(() => readFileSync(path));
  return bytes && sha256(bytes);
}

function filesByComponent(ir: Ir, owners: ReadonlyMap<string, string[]>, entries: ReadonlyMap<string, CacheEntry>): Map<string, Map<string, Hash>> {
  const files = new Map(ir.components.map((c) => [c.name, new Map<string, Hash>()]));
  // `owners` is in path order; `entries` in the order hashing finished
  for (const [path, components] of owners) {
    const entry = entries.get(path);
    if (entry) for (const c of components) files.get(c)?.set(path, entry.hash);
  }
  return files;
}
