import { mkdir, mkdtemp, readdir, readFile, rename, rm, stat, symlink, utimes, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { hasErrors, parseSpec, formatDiagnostic } from "../../spec-lang/index.js";
import { sha256 } from "../hash.js";
import type { Ir } from "../ir.js";
import type { Lock } from "../lock/schema.js";
import { compileTree } from "../project.js";
import picomatch from "picomatch";
import { normaliseGlob } from "../globs.js";
import { findDrift, matchOwners, scanOwnedFiles, STAT_CACHE_PATH } from "./index.js";

const SYSTEM = `system shop {\n  root "sys"\n}\n`;
const STORE = `component store {\n  owns "src/store/**"\n}\n`;
const WEB = `component web {\n  owns "src/web/**"\n  owns "public/"\n}\n`;

/** The IR of these spec files; errors from the graph (overlapping owners) are what some tests want. */
function irOf(...texts: string[]): Ir {
  const parsed = texts.map((text, i) => parseSpec(text, `specs/f${i}.phx`));
  const problems = parsed.flatMap((p) => p.diagnostics);
  if (hasErrors(problems)) throw new Error(problems.map(formatDiagnostic).join("\n"));
  return compileTree(parsed.map((p) => p.ast), "specs").desired!;
}

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** Long before any scan, so no file is racy unless a test makes it so. */
const PAST = new Date("2020-01-01T00:00:00Z");

/** A project whose root `sys/` holds these files, all with mtimes in the past. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "phoenix-drift-"));
  dirs.push(dir);
  await mkdir(join(dir, "sys"));
  for (const [path, content] of Object.entries(files)) await put(dir, path, content);
  return dir;
}

async function put(dir: string, path: string, content: string, mtime = PAST): Promise<void> {
  const full = join(dir, "sys", path);
  await mkdir(dirname(full), { recursive: true });
  await writeFile(full, content);
  await utimes(full, mtime, mtime);
}

const h = sha256;
const FILES = {
  "src/store/index.ts": "export const store = 1;\n",
  "src/store/deep/x.ts": "x\n",
  "src/web/page.tsx": "<p/>\n",
  "public/.well-known/a.txt": "dot\n",
  "README.md": "# shop\n",
};

/** A lock recording what a scan found, as a build would. */
function lockFrom(files: Map<string, Map<string, string>>): Lock {
  const components = Object.fromEntries([...files].map(([name, outputs]) => [name, {
    specHash: h("s"), inputHash: h("i"),
    spec: { name, owns: [], dependsOn: [], requirements: [], checks: [], decisions: [] },
    agent: null, promptVersion: "p1", dependencyInterfaces: {}, containerHash: null,
    outputs: Object.fromEntries(outputs), outputHash: h("o"), interfaceHash: null, checks: {}, approvals: [], probes: {},
    builtAt: "2026-01-01T00:00:00.000Z",
  }]));
  return { version: 1, lineage: "6f1c2a7e-3b4d-4c5e-8f90-0a1b2c3d4e5f", serial: 1, components };
}

describe("scanOwnedFiles", () => {
  it("hashes each component's owned files, dotfiles included, and nothing else", async () => {
    const dir = await project(FILES);
    const scan = await scanOwnedFiles(dir, irOf(SYSTEM, STORE, WEB));
    expect(scan.files).toEqual(new Map([
      ["store", new Map([["src/store/deep/x.ts", h("x\n")], ["src/store/index.ts", h(FILES["src/store/index.ts"])]])],
      ["web", new Map([["public/.well-known/a.txt", h("dot\n")], ["src/web/page.tsx", h("<p/>\n")]])],
    ]));
    expect([...scan.files.get("store")!.keys()]).toEqual(["src/store/deep/x.ts", "src/store/index.ts"]);
    expect(scan.diagnostics).toEqual([]);
    expect(scan.hashed).toBe(4);
  });

  it("finds exactly the modified, added and deleted files", async () => {
    const dir = await project(FILES);
    const ir = irOf(SYSTEM, STORE, WEB);
    const lock = lockFrom((await scanOwnedFiles(dir, ir)).files);
    await put(dir, "src/store/index.ts", "export const store = 2;\n");
    await put(dir, "src/web/new.ts", "new\n");
    await rm(join(dir, "sys/public/.well-known/a.txt"));
    await put(dir, "README.md", "# changed, but owned by no one\n");
    const report = await findDrift(dir, ir, lock);
    expect(report.drift).toEqual(new Map([
      ["store", [{ path: "src/store/index.ts", change: "modified", expected: h(FILES["src/store/index.ts"]), actual: h("export const store = 2;\n") }]],
      ["web", [
        { path: "public/.well-known/a.txt", change: "deleted", expected: h("dot\n") },
        { path: "src/web/new.ts", change: "added", actual: h("new\n") },
      ]],
    ]));
    expect(report.hashed).toBe(2);
  });

  it("hashes nothing the second time when the tree is unchanged", async () => {
    const dir = await project(FILES);
    const ir = irOf(SYSTEM, STORE, WEB);
    const first = await scanOwnedFiles(dir, ir);
    const second = await scanOwnedFiles(dir, ir);
    expect(second.hashed).toBe(0);
    expect(second.files).toEqual(first.files);
  });

  it("re-hashes a same-size edit whose mtime was put back (the ctime moved)", async () => {
    const dir = await project(FILES);
    const ir = irOf(SYSTEM, STORE, WEB);
    await scanOwnedFiles(dir, ir);
    await put(dir, "src/store/deep/x.ts", "y\n"); // same size, mtime restored to PAST
    const scan = await scanOwnedFiles(dir, ir);
    expect(scan.hashed).toBe(1);
    expect(scan.files.get("store")!.get("src/store/deep/x.ts")).toBe(h("y\n"));
  });

  it("re-hashes a file replaced by rename with the same size and mtime (the inode changed)", async () => {
    const dir = await project(FILES);
    const ir = irOf(SYSTEM, STORE, WEB);
    await scanOwnedFiles(dir, ir);
    const target = join(dir, "sys/src/store/deep/x.ts");
    const before = await stat(target, { bigint: true });
    await put(dir, "elsewhere.tmp", "z\n");
    await rename(join(dir, "sys/elsewhere.tmp"), target);
    const after = await stat(target, { bigint: true });
    expect([after.size, after.mtimeNs]).toEqual([before.size, before.mtimeNs]);
    expect(after.ino).not.toBe(before.ino);
    const scan = await scanOwnedFiles(dir, ir);
    expect(scan.hashed).toBe(1);
    expect(scan.files.get("store")!.get("src/store/deep/x.ts")).toBe(h("z\n"));
  });

  it("racy-clean: re-hashes a file whose mtime is not before the cache's time, though its stat is unchanged", async () => {
    const dir = await project(FILES);
    await put(dir, "src/store/index.ts", FILES["src/store/index.ts"], new Date(Date.now() + 3_600_000));
    const ir = irOf(SYSTEM, STORE, WEB);
    await scanOwnedFiles(dir, ir);
    const again = await scanOwnedFiles(dir, ir);
    expect(again.hashed).toBe(1);
    expect((await scanOwnedFiles(dir, ir)).hashed).toBe(1); // still in the future: still racy
  });

  it("discards a corrupt cache, a cache of another version and one of another root, and rewrites it", async () => {
    const dir = await project(FILES);
    const ir = irOf(SYSTEM, STORE, WEB);
    await scanOwnedFiles(dir, ir);
    const good = JSON.parse(await readFile(join(dir, STAT_CACHE_PATH), "utf8"));
    const bad = ["{ not json", "null", JSON.stringify({ ...good, version: 99 }), JSON.stringify({ ...good, root: "other" }),
      JSON.stringify({ ...good, entries: [{ ...good.entries[0], hash: "md5:1" }] })];
    for (const text of bad) {
      await writeFile(join(dir, STAT_CACHE_PATH), text);
      expect((await scanOwnedFiles(dir, ir)).hashed).toBe(4);
      expect((await scanOwnedFiles(dir, ir)).hashed).toBe(0);
    }
  });

  it("with cache: false reads no cache and writes none", async () => {
    const dir = await project(FILES);
    const ir = irOf(SYSTEM, STORE, WEB);
    expect((await scanOwnedFiles(dir, ir, { cache: false })).hashed).toBe(4);
    await expect(stat(join(dir, ".phoenix"))).rejects.toThrow();
    await scanOwnedFiles(dir, ir);
    expect((await scanOwnedFiles(dir, ir, { cache: false })).hashed).toBe(4);
  });

  it("leaves only the cache file behind, and scans on when the cache cannot be written", async () => {
    const dir = await project(FILES);
    const ir = irOf(SYSTEM, STORE, WEB);
    await scanOwnedFiles(dir, ir);
    expect(await readdir(join(dir, ".phoenix"))).toEqual(["stat-cache.json"]);
    await rm(join(dir, ".phoenix"), { recursive: true });
    await writeFile(join(dir, ".phoenix"), "a file where the cache directory should be");
    expect((await scanOwnedFiles(dir, ir)).hashed).toBe(4);
  });

  it("reports a file two components own, with both names and globs, at the second one's glob", async () => {
    const dir = await project(FILES);
    const api = `component api {\n  owns "src/api/**"\n  owns "src/**/index.ts"\n}\n`;
    const scan = await scanOwnedFiles(dir, irOf(SYSTEM, api, STORE, WEB));
    expect(scan.diagnostics.map((d) => [d.code, d.message, d.span.file, d.span.line])).toEqual([[
      "shared-file",
      "file 'src/store/index.ts' is owned by component 'store' ('src/store/**') and by component 'api' ('src/**/index.ts'): every file has exactly one owner",
      "specs/f2.phx", 2,
    ]]);
    expect(scan.files.get("api")!.has("src/store/index.ts")).toBe(true);
    expect(scan.files.get("store")!.has("src/store/index.ts")).toBe(true);
  });

  it("ignores .git, node_modules and .phoenix at any depth", async () => {
    const dir = await project({
      ".git/config": "c", "src/store/node_modules/pkg/index.js": "p", "src/store/.git": "gitdir: x",
      "src/store/.phoenix/stat-cache.json": "{}", "src/store/ok.ts": "ok",
    });
    const all = `component all {\n  owns "**"\n}\n`;
    const scan = await scanOwnedFiles(dir, irOf(SYSTEM, all));
    expect([...scan.files.get("all")!.keys()]).toEqual(["src/store/ok.ts"]);
  });

  it("hashes a symlinked file as its target, skips a dangling one and does not follow symlinked directories", async () => {
    const dir = await project({ "src/store/real.ts": "real", "outside.txt": "outside" });
    await symlink("real.ts", join(dir, "sys/src/store/alias.ts"));
    await symlink("../../outside.txt", join(dir, "sys/src/store/out.txt"));
    await symlink("missing.ts", join(dir, "sys/src/store/dangling.ts"));
    await symlink("..", join(dir, "sys/src/store/loop")); // followed, it would never end
    const scan = await scanOwnedFiles(dir, irOf(SYSTEM, STORE));
    expect(scan.files.get("store")).toEqual(new Map([
      ["src/store/alias.ts", h("real")], ["src/store/out.txt", h("outside")], ["src/store/real.ts", h("real")],
    ]));
  });

  it("finds no files when the root does not exist", async () => {
    const dir = await project({});
    await rm(join(dir, "sys"), { recursive: true });
    const scan = await scanOwnedFiles(dir, irOf(SYSTEM, STORE));
    expect(scan.files).toEqual(new Map([["store", new Map()]]));
  });
});

describe("matchOwners", () => {
  it("finds the same owners as trying every glob on every path, for globs of every shape", () => {
    const globs = ["src/store/**", "src/*.ts", "**/*.md", "docs/guide.md", "{lib,bin}/**", "./tools/", "src/st*/x.ts", "a/b/c/**", "a/**/z.txt", ".config/*",
      "with space/**", "a+b/**", "v1.2/**", "x/./y/**", ".hidden/**"];
    const ir = irOf(SYSTEM, ...globs.map((g, i) => `component c${i} {\n  owns "${g}"\n}\n`));
    const paths = ["src/store/a.ts", "src/index.ts", "README.md", "docs/guide.md", "docs/other.md", "lib/x.js", "bin/run", "tools/t.sh", "src/store/x.ts",
      "a/b/c/d/e.txt", "a/q/z.txt", "a/z.txt", ".config/rc", "other/file", "src/stuff/x.ts", "src", "src/store",
      "with space/f", "with spaces/f", "a+b/c", "ab/c", "v1.2/x", "v1x2/x", "x/y/z", ".hidden/.rc", "a/b/c"];
    const expected = new Map<string, string[]>();
    for (const path of paths) {
      const owners = globs.flatMap((g, i) => (picomatch(normaliseGlob(g), { dot: true })(path) ? [`c${i}`] : []));
      if (owners.length > 0) expected.set(path, owners);
    }
    expect(matchOwners(paths, ir).owners).toEqual(expected);
    // the shapes above do share files: each extra owner is reported
    expect(expected.get("docs/guide.md")).toEqual(["c2", "c3"]);
  });
});
