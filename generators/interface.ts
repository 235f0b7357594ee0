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
import { readFileSync } from "node:fs";
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
  const cached = cacheDir ? await cachedDescription(root, (await readCache(cacheDir)).get(key)) : undefined;
  if (cached) return cached;
  const extraction = await extract(root, file);
  const description = { hash: surfaceHash(extraction), declarations: extraction.declarations };
  // an unresolved relative import is a file whose later creation the cache could not notice
  if (cacheDir && extraction.complete) await remember(cacheDir, key, { ...description, files: textHashes(extraction.files) });
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

/** Interface path -> entry; empty when the cache is missing, corrupt or from another extractor. */
async function readCache(cacheDir: string): Promise<Map<string, CacheEntry>> {
  const text = await readFile(join(cacheDir, INTERFACE_CACHE_FILE), "utf8").catch(() => undefined);
  return text === undefined ? new Map() : parseCache(text, EXTRACTOR);
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

// one write at a time in this process, each re-reading the file, so parallel calls keep each other's entries
let writes: Promise<void> = Promise.resolve();

function remember(cacheDir: string, key: string, entry: CacheEntry): Promise<void> {
  writes = writes.then(async () => {
    const entries = await readCache(cacheDir);
    entries.set(key, entry);
    await writeAtomically(join(cacheDir, INTERFACE_CACHE_FILE), serialiseCache(entries, EXTRACTOR));
  }).catch(() => undefined); // a cache that cannot be written is only a slower next run
  return writes;
}

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
