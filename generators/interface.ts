/**
 * Interface hashes, the early cutoff of the build: a component's input hash includes the
 * interface hash of each dependency, so a dependency rebuilt with the same public surface does
 * not make its dependents stale (as ninja's restat).
 *
 * For TypeScript and JavaScript the surface is the exported declarations' signatures, with every
 * type written out by the checker (interface-extract.ts). That needs ts-morph, which takes about
 * half a second to load and more to type-check, so results are cached in
 * `<cacheDir>/interface-cache.json` by the content of every project file the compiler read; an
 * unchanged interface is answered without loading ts-morph at all.
 */
import { randomUUID } from "node:crypto";
import { readFileSync, statSync } from "node:fs";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, extname, join, relative, resolve, sep } from "node:path";
import { z } from "zod";
import { canonicalJson, sha256, type Hash } from "../compiler/hash.js";
import type { Extraction } from "./interface-extract.js";

export interface InterfaceHashOptions {
  /** Where `interface-cache.json` is kept: the project's `.phoenix/`. Without it nothing is cached. */
  cacheDir?: string;
}

export const INTERFACE_CACHE_FILE = "interface-cache.json";

/** Files whose exported declarations are their interface; anything else is hashed as text. */
const SCRIPT_EXTENSIONS = new Set([".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"]);

/** A component's public surface: its hash (early cutoff) and its declarations (what dependents' agents read). */
export interface InterfaceDescription {
  hash: Hash;
  /**
   * The exported declarations with their types and doc comments, as a declaration file (.d.ts)
   * would show them; for a file that is not TypeScript or JavaScript, its text.
   */
  declarations: string;
}

/**
 * The hash of the public surface of `interfacePath` (relative to `rootDir`), or null when there
 * is no such file.
 */
export async function interfaceHash(rootDir: string, interfacePath: string, options: InterfaceHashOptions = {}): Promise<Hash | null> {
  return (await describeInterface(rootDir, interfacePath, options))?.hash ?? null;
}

/** The hash and declarations of `interfacePath`'s public surface, or null when there is no such file. */
export async function describeInterface(rootDir: string, interfacePath: string, options: InterfaceHashOptions = {}): Promise<InterfaceDescription | null> {
  const root = resolve(rootDir);
  const file = resolve(root, interfacePath);
  const bytes = await readIfExists(file);
  if (bytes === null) return null;
  if (!SCRIPT_EXTENSIONS.has(extname(file))) return { hash: contentHash(bytes), declarations: decodeText(bytes) ?? "(a binary file)" };
  return describeScript(root, file, options.cacheDir);
}

async function describeScript(root: string, file: string, cacheDir: string | undefined): Promise<InterfaceDescription> {
  const key = relativePath(root, file);
  const cached = cacheDir ? await cachedDescription(root, heldCache(cacheDir).entries.get(key)) : undefined;
  if (cached) return cached;
  const extraction = await extract(root, file);
  const description = { hash: surfaceHash(extraction), declarations: extraction.declarations };
  // an unresolved relative import is a file whose later creation the cache could not notice
  if (cacheDir && extraction.complete) remember(cacheDir, key, { ...description, files: textHashes(extraction.files) });
  return description;
}

let extractions = 0;

/** How many times this process has run the TypeScript extraction: every call the cache did not answer. */
export function extractionCount(): number {
  return extractions;
}

async function extract(root: string, file: string): Promise<Extraction> {
  extractions++;
  // loaded here, not at the top: most runs are answered by the cache and never need ts-morph
  const { extractInterface } = await import("./interface-extract.js");
  return extractInterface(root, file);
}

// ---- the pure core ----

/** The surface as canonical JSON: declaration order, layout and comments are already gone. */
function surfaceHash(surface: Pick<Extraction, "exports" | "referenced">): Hash {
  return sha256(canonicalJson({ exports: surface.exports, referenced: surface.referenced }));
}

/** Text as people see it: line endings, trailing whitespace and a byte order mark do not count. */
export function normaliseText(text: string): string {
  return text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/).map((line) => line.trimEnd()).join("\n").trimEnd();
}

/** A text file by its normalised text; anything that is not UTF-8 text by its bytes. */
function contentHash(bytes: Uint8Array): Hash {
  const text = decodeText(bytes);
  return text === undefined ? sha256(bytes) : sha256(normaliseText(text));
}

function decodeText(bytes: Uint8Array): string | undefined {
  try {
    const text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
    return text.includes("\0") ? undefined : text;
  } catch {
    return undefined;
  }
}

/** The same text hashes the same whether ts-morph read it or we did (a BOM aside). */
function textHash(text: string): Hash {
  return sha256(text.replace(/^\uFEFF/, ""));
}

function textHashes(files: Readonly<Record<string, string>>): Record<string, Hash> {
  return Object.fromEntries(Object.entries(files).map(([path, text]) => [path, textHash(text)]));
}

function relativePath(root: string, path: string): string {
  return relative(root, path).split(sep).join("/");
}

// ---- the cache ----

/** An interface's hash and declarations, and the text hash of each file they were computed from. */
interface CacheEntry extends InterfaceDescription {
  files: Record<string, Hash>;
}

const hashSchema = z.string().regex(/^sha256:[0-9a-f]{64}$/).transform((h) => h as Hash);
// entries are a list, not an object keyed by path, so a file named `__proto__` is just a file
const cacheSchema = z.object({
  extractor: z.string(),
  entries: z.array(z.object({
    interface: z.string(),
    hash: hashSchema,
    declarations: z.string(),
    files: z.array(z.object({ path: z.string(), hash: hashSchema })),
  })),
});

/**
 * Cached results are only as good as the code that made them: a new extraction (bump the
 * number) or another ts-morph, whose checker may write types differently, starts afresh.
 */
const TS_MORPH_VERSION = (createRequire(import.meta.url)("ts-morph/package.json") as { version: string }).version;
const EXTRACTOR = `phoenix-interface-3 ts-morph@${TS_MORPH_VERSION}`;

/**
 * The cache as this process holds it. It is read once, and again only when another process has
 * replaced the file since (a write renames a new file into place, so its inode tells), and new
 * entries are written behind, the whole cache at a time, at most every WRITE_INTERVAL_MS (or four
 * times as long as the last write took) and before the process exits. Reading it for every
 * interface and writing it for every new one made a build of n TypeScript components read and
 * write it n times: quadratic in n.
 */
interface HeldCache {
  /** Interface path -> entry; empty when the file is missing, corrupt or from another extractor. */
  entries: Map<string, CacheEntry>;
  /** Entries not yet written: kept on top when another process's file is read in. */
  unsaved: Map<string, CacheEntry>;
  /** The file as this process last read or wrote it. */
  stamp: string;
  writing?: Promise<void>;
  timer?: NodeJS.Timeout;
  /** When the last write ended (performance.now()), and how long it took. */
  lastWriteAt: number;
  lastWriteMs: number;
}

const WRITE_INTERVAL_MS = 200;
const held = new Map<string, HeldCache>();
let cacheWriteCount = 0;

/** How many times this process has written an interface cache file: a write carries every entry made meanwhile. */
export function cacheWrites(): number {
  return cacheWriteCount;
}

function heldCache(cacheDir: string): HeldCache {
  const file = join(cacheDir, INTERFACE_CACHE_FILE);
  const stamp = stampOf(file);
  let cache = held.get(cacheDir);
  if (!cache) {
    cache = { entries: new Map(), unsaved: new Map(), stamp: "", lastWriteAt: Number.NEGATIVE_INFINITY, lastWriteMs: 0 };
    held.set(cacheDir, cache);
  }
  if (cache.stamp !== stamp) {
    const text = unreadable(() => readFileSync(file, "utf8"));
    cache.entries = text === undefined ? new Map() : parseCache(text, EXTRACTOR);
    for (const [key, entry] of cache.unsaved) cache.entries.set(key, entry);
    cache.stamp = stamp;
  }
  return cache;
}

/** What `read` returns, or undefined when it cannot: a cache that cannot be read is an empty one. */
function unreadable<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch {
    return undefined;
  }
}

/** Which file is there now: a write replaces it with a new inode, whatever its size and time. */
function stampOf(file: string): string {
  const stats = unreadable(() => statSync(file));
  return stats ? `${stats.ino}:${stats.size}:${stats.mtimeMs}` : "absent";
}

function parseCache(text: string, extractor: string): Map<string, CacheEntry> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return new Map();
  }
  const parsed = cacheSchema.safeParse(json);
  if (!parsed.success || parsed.data.extractor !== extractor) return new Map();
  return new Map(parsed.data.entries.map((e) => [e.interface, {
    hash: e.hash, declarations: e.declarations, files: Object.fromEntries(e.files.map((f) => [f.path, f.hash])),
  }]));
}

function serialiseCache(entries: ReadonlyMap<string, CacheEntry>, extractor: string): string {
  const list = [...entries].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([path, entry]) => ({
    interface: path, hash: entry.hash, declarations: entry.declarations, files: Object.entries(entry.files).map(([file, hash]) => ({ path: file, hash })),
  }));
  return `${JSON.stringify({ extractor, entries: list })}\n`;
}

/** The entry's description if every file it was computed from still has the same text. */
async function cachedDescription(root: string, entry: CacheEntry | undefined): Promise<InterfaceDescription | undefined> {
  if (!entry) return undefined;
  const current = await Promise.all(Object.entries(entry.files).map(async ([path, hash]) => {
    const text = await readFile(resolve(root, path), "utf8").catch(() => undefined);
    return text !== undefined && textHash(text) === hash;
  }));
  return current.every(Boolean) ? { hash: entry.hash, declarations: entry.declarations } : undefined;
}

function remember(cacheDir: string, key: string, entry: CacheEntry): void {
  const cache = heldCache(cacheDir);
  cache.entries.set(key, entry);
  cache.unsaved.set(key, entry);
  writeSoon(cacheDir, cache);
}

/** Plans a write, unless one is under way or planned: it takes the new entries along (or plans the next). */
function writeSoon(cacheDir: string, cache: HeldCache): void {
  if (cache.writing || cache.timer) return;
  const wait = cache.lastWriteAt + Math.max(WRITE_INTERVAL_MS, 4 * cache.lastWriteMs) - performance.now();
  if (wait <= 0) {
    write(cacheDir, cache);
    return;
  }
  cache.timer = setTimeout(() => {
    cache.timer = undefined;
    write(cacheDir, cache);
  }, wait);
  // never what keeps a process running: beforeExit writes what is left
  cache.timer.unref();
}

function write(cacheDir: string, cache: HeldCache): void {
  const started = performance.now();
  cache.writing = (async () => {
    const file = join(cacheDir, INTERFACE_CACHE_FILE);
    try {
      // another process's entries, if it wrote meanwhile, with ours on top
      const text = serialiseCache(heldCache(cacheDir).entries, EXTRACTOR);
      cache.unsaved.clear();
      await writeAtomically(file, text);
      cacheWriteCount++;
      cache.stamp = stampOf(file);
    } catch {
      // a cache that cannot be written is only a slower next run
    } finally {
      cache.writing = undefined;
      cache.lastWriteAt = performance.now();
      cache.lastWriteMs = cache.lastWriteAt - started;
      if (cache.unsaved.size > 0) writeSoon(cacheDir, cache);
    }
  })();
}

/** Writes every entry not yet written, now: what a process does before it exits, and tests before they read the file. */
export async function interfaceCacheSaved(): Promise<void> {
  for (;;) {
    const waiting = [...held].filter(([, cache]) => cache.writing || cache.unsaved.size > 0);
    if (waiting.length === 0) return;
    for (const [cacheDir, cache] of waiting) {
      if (cache.writing) continue;
      clearTimeout(cache.timer);
      cache.timer = undefined;
      write(cacheDir, cache);
    }
    await Promise.all(waiting.map(([, cache]) => cache.writing));
  }
}

process.on("beforeExit", () => {
  if ([...held.values()].some((cache) => cache.unsaved.size > 0 && !cache.writing)) void interfaceCacheSaved();
});

/** Readers see the old cache or the new one, never half of one. */
async function writeAtomically(file: string, text: string): Promise<void> {
  const temp = `${file}.${process.pid}.${randomUUID().slice(0, 8)}.tmp`;
  try {
    await mkdir(dirname(file), { recursive: true });
    await writeFile(temp, text);
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
}

/** Synchronous: an interface file is small, and a build reads a few on every node. */
async function readIfExists(file: string): Promise<Uint8Array | null> {
  try {
    return readFileSync(file);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === "ENOENT" || code === "ENOTDIR") return null;
    throw error;
  }
}
