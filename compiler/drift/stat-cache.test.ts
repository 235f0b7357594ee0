import { mkdir, mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { sha256 } from "../hash.js";
import {
  beginStatCache, cachedHash, commitStatCache, parseStatCache, readStatCache, serialiseStatCache,
  STAT_CACHE_PATH, type CacheEntry, type StatCache,
} from "./stat-cache.js";

const HASH = sha256("content");
const STAT = { size: 7n, mtimeNs: 1_000n, ino: 42n, ctimeNs: 1_000n };

function cache(writtenAtNs: bigint, entry: CacheEntry = { ...STAT, hash: HASH }): StatCache {
  return { root: "sys", writtenAtNs, entries: new Map([["a.ts", entry]]) };
}

describe("cachedHash", () => {
  it("trusts an entry whose size, mtime, inode and ctime all match and whose mtime is before the cache", () => {
    expect(cachedHash(cache(1_001n), "a.ts", STAT)).toBe(HASH);
  });

  it("distrusts an entry when any one of size, mtime, inode or ctime differs", () => {
    for (const key of ["size", "mtimeNs", "ino", "ctimeNs"] as const) {
      expect(cachedHash(cache(5_000n), "a.ts", { ...STAT, [key]: STAT[key] + 1n })).toBeUndefined();
    }
  });

  it("racy-clean: distrusts a file modified at or after the cache's time", () => {
    expect(cachedHash(cache(1_000n), "a.ts", STAT)).toBeUndefined();
    expect(cachedHash(cache(999n), "a.ts", STAT)).toBeUndefined();
  });

  it("knows nothing of other paths or without a cache", () => {
    expect(cachedHash(cache(5_000n), "b.ts", STAT)).toBeUndefined();
    expect(cachedHash(undefined, "a.ts", STAT)).toBeUndefined();
  });
});

describe("the cache file", () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });

  it("round-trips bigints beyond 2^53 exactly, and paths named like prototype members", () => {
    const big = { size: 2n ** 60n + 1n, mtimeNs: 1_700_000_000_123_456_789n, ino: 2n ** 63n - 1n, ctimeNs: 1n, hash: HASH };
    const entries = new Map([["__proto__", big], ["constructor", { ...STAT, hash: HASH }]]);
    const text = serialiseStatCache("sys", 1_800_000_000_000_000_001n, entries);
    expect(parseStatCache(text, "sys")).toEqual({ root: "sys", writtenAtNs: 1_800_000_000_000_000_001n, entries });
  });

  it("is written atomically under the time the write began, leaving no temp file", async () => {
    const dir = await mkdtemp(join(tmpdir(), "phoenix-cache-"));
    dirs.push(dir);
    const pending = (await beginStatCache(dir))!;
    expect(pending.writtenAtNs).toBeGreaterThan(0n);
    expect(await readStatCache(dir, "sys")).toBeUndefined(); // nothing visible until commit
    await commitStatCache(dir, pending, "sys", new Map([["a.ts", { ...STAT, hash: HASH }]]));
    expect(await readdir(join(dir, ".phoenix"))).toEqual(["stat-cache.json"]);
    expect((await readStatCache(dir, "sys"))?.writtenAtNs).toBe(pending.writtenAtNs);
    expect(await readStatCache(dir, "other-root")).toBeUndefined();
  });

  it("is ignored when it is not a cache this phoenix wrote", async () => {
    const dir = await mkdtemp(join(tmpdir(), "phoenix-cache-"));
    dirs.push(dir);
    const good = JSON.parse(serialiseStatCache("sys", 5n, new Map([["a.ts", { ...STAT, hash: HASH }]])));
    const bad = ["", "{", "[]", JSON.stringify({ ...good, version: 2 }), JSON.stringify({ ...good, writtenAtNs: 5 }),
      JSON.stringify({ ...good, entries: [{ ...good.entries[0], size: "-1" }] }), JSON.stringify({ ...good, entries: [null] }),
      JSON.stringify({ ...good, entries: [{ ...good.entries[0], hash: "sha256:short" }] }), JSON.stringify({ ...good, root: 5 }),
      JSON.stringify({ ...good, entries: [{ ...good.entries[0], path: undefined }] })];
    await readStatCache(dir, "sys").then((c) => expect(c).toBeUndefined()); // none at all
    await mkdir(join(dir, ".phoenix"));
    for (const text of bad) {
      await writeFile(join(dir, STAT_CACHE_PATH), text);
      expect(await readStatCache(dir, "sys")).toBeUndefined();
    }
  });
});
