/**
 * The stat cache, `.phoenix/stat-cache.json` (gitignored): for each owned file, the stat it had
 * when it was last hashed, so an unchanged tree is checked with stats alone, as git's index does.
 * It is only a cache: missing, corrupt, of another version or of another root, it is silently
 * discarded and rebuilt; when it cannot be written (a read-only checkout) the scan still works.
 */
import { randomBytes } from "node:crypto";
import type { BigIntStats } from "node:fs";
import { mkdir, readFile, rename, rm, stat, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import type { Hash } from "../hash.js";

export const STAT_CACHE_VERSION = 1;
/** Relative to the project directory. */
export const STAT_CACHE_PATH = join(".phoenix", "stat-cache.json");

/** What identifies one version of a file's content without reading it. */
export interface FileStat {
  size: bigint;
  mtimeNs: bigint;
  ino: bigint;
  ctimeNs: bigint;
}

export interface CacheEntry extends FileStat {
  hash: Hash;
}

export interface StatCache {
  /** The root the paths are relative to (as the system block gives it). */
  root: string;
  /** When the cache was written, on the file system's clock (see beginStatCache). */
  writtenAtNs: bigint;
  /** Path relative to the root -> what it was when hashed. */
  entries: Map<string, CacheEntry>;
}

/**
 * The file's shape. Bigints are written as decimal strings: JSON numbers lose nanoseconds and
 * large inodes. Entries are a list, not an object keyed by path, so a file named `__proto__` is
 * just a file. Checked by hand (isCacheFile): a schema library took 0.1 s on 20,000 entries, for
 * a file whose only failure mode is being thrown away.
 */
interface CacheFile {
  version: typeof STAT_CACHE_VERSION;
  root: string;
  writtenAtNs: string;
  entries: { path: string; size: string; mtimeNs: string; ino: string; ctimeNs: string; hash: string }[];
}

const DECIMAL = /^\d+$/;
const HASH = /^sha256:[0-9a-f]{64}$/;

function isCacheFile(json: unknown): json is CacheFile {
  const file = json as Partial<CacheFile> | null;
  return typeof file === "object" && file !== null && file.version === STAT_CACHE_VERSION && typeof file.root === "string"
    && isDecimal(file.writtenAtNs) && Array.isArray(file.entries) && file.entries.every(isEntry);
}

function isEntry(entry: unknown): boolean {
  const e = entry as Partial<CacheFile["entries"][number]> | null;
  return typeof e === "object" && e !== null && typeof e.path === "string" && isDecimal(e.size) && isDecimal(e.mtimeNs)
    && isDecimal(e.ino) && isDecimal(e.ctimeNs) && typeof e.hash === "string" && HASH.test(e.hash);
}

function isDecimal(value: unknown): value is string {
  return typeof value === "string" && DECIMAL.test(value);
}

export function fileStat(stats: BigIntStats): FileStat {
  return { size: stats.size, mtimeNs: stats.mtimeNs, ino: stats.ino, ctimeNs: stats.ctimeNs };
}

/** The cache for `root`, or undefined when there is none that can be trusted. */
export async function readStatCache(projectDir: string, root: string): Promise<StatCache | undefined> {
  let text: string;
  try {
    text = await readFile(join(projectDir, STAT_CACHE_PATH), "utf8");
  } catch {
    return undefined;
  }
  return parseStatCache(text, root);
}

export function parseStatCache(text: string, root: string): StatCache | undefined {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!isCacheFile(json) || json.root !== root) return undefined;
  const entries = json.entries.map((e): [string, CacheEntry] => [e.path, {
    size: BigInt(e.size), mtimeNs: BigInt(e.mtimeNs), ino: BigInt(e.ino), ctimeNs: BigInt(e.ctimeNs), hash: e.hash as Hash,
  }]);
  return { root, writtenAtNs: BigInt(json.writtenAtNs), entries: new Map(entries) };
}

/**
 * The hash the cache holds for `path` if the file is provably unchanged: same size, mtime,
 * inode and ctime (an edit that restores the mtime still moves the ctime; a replace by rename
 * changes the inode). Racy-clean, as in git: a file whose mtime is at or after the cache's
 * time could have been changed again within the same clock tick without changing its stat,
 * so it is re-hashed.
 */
export function cachedHash(cache: StatCache | undefined, path: string, now: FileStat): Hash | undefined {
  const entry = cache?.entries.get(path);
  if (!cache || !entry || !sameStat(entry, now)) return undefined;
  return now.mtimeNs < cache.writtenAtNs ? entry.hash : undefined;
}

function sameStat(a: FileStat, b: FileStat): boolean {
  return a.size === b.size && a.mtimeNs === b.mtimeNs && a.ino === b.ino && a.ctimeNs === b.ctimeNs;
}

/** A cache write under way: its temp file exists, and its mtime is the cache's time. */
export interface PendingStatCache {
  tempPath: string;
  writtenAtNs: bigint;
}

/**
 * Starts writing the cache, before the scan stats anything. The cache's time is the temp file's
 * mtime: the file system's own clock and granularity, the ones file mtimes are stamped with
 * (the process clock can be finer or, on a network file system, another machine's). Taking it
 * when the scan begins rather than when it ends also catches a file hashed early in the scan
 * and then rewritten within the same tick. Undefined when the cache cannot be written.
 */
export async function beginStatCache(projectDir: string): Promise<PendingStatCache | undefined> {
  const target = join(projectDir, STAT_CACHE_PATH);
  const tempPath = `${target}.${process.pid}.${randomBytes(6).toString("hex")}.tmp`;
  try {
    await mkdir(dirname(target), { recursive: true });
    await writeFile(tempPath, "");
    return { tempPath, writtenAtNs: (await stat(tempPath, { bigint: true })).mtimeNs };
  } catch {
    await abandonStatCache({ tempPath, writtenAtNs: 0n });
    return undefined;
  }
}

/** Writes the entries and renames the temp file into place, so readers see old or new, never half. */
export async function commitStatCache(projectDir: string, pending: PendingStatCache, root: string, entries: ReadonlyMap<string, CacheEntry>): Promise<void> {
  try {
    await writeFile(pending.tempPath, serialiseStatCache(root, pending.writtenAtNs, entries));
    await rename(pending.tempPath, join(projectDir, STAT_CACHE_PATH));
  } catch {
    await abandonStatCache(pending); // a cache that cannot be written is only a slower next scan
  }
}

export async function abandonStatCache(pending: PendingStatCache): Promise<void> {
  await rm(pending.tempPath, { force: true }).catch(() => undefined);
}

export function serialiseStatCache(root: string, writtenAtNs: bigint, entries: ReadonlyMap<string, CacheEntry>): string {
  const list = [...entries].map(([path, e]) => ({
    path, size: String(e.size), mtimeNs: String(e.mtimeNs), ino: String(e.ino), ctimeNs: String(e.ctimeNs), hash: e.hash,
  }));
  return `${JSON.stringify({ version: STAT_CACHE_VERSION, root, writtenAtNs: String(writtenAtNs), entries: list })}\n`;
}
