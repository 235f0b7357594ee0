import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { lstat, mkdir, readdir, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../../../fixtures/run-phoenix.js";
import { runProcess } from "../process/index.js";
import { openSandbox, type Sandbox } from "../sandbox.js";
import { createCopyWorkspace } from "./copy.js";
import { opaqueInArchive } from "./opaque.js";
import { createOverlayWorkspace, OverlayPool } from "./overlay.js";
import { layersInMemory } from "./overlay-mount.js";
import { createWorkspace, type Workspace } from "./workspace.js";

async function root(): Promise<string> {
  const dir = await tempDir();
  const files: Record<string, string> = {
    "src/a.js": "a", "src/b.js": "b", "test/a.test.js": "t", "lib/x.js": "x", "lib/deep/y.js": "y",
    "node_modules/lib/index.js": "lib", ".git/HEAD": "ref", "README.md": "r",
  };
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, "root", path, ".."), { recursive: true });
    await writeFile(join(dir, "root", path), text);
  }
  // written long ago: the stat alone tells a change
  const old = new Date("2026-01-01T00:00:00Z");
  for (const path of ["src/a.js", "src/b.js", "test/a.test.js", "README.md"]) await utimes(join(dir, "root", path), old, old);
  return dir;
}

const kinds = [
  ["copy", createCopyWorkspace],
  ["overlay", createOverlayWorkspace],
] as const;

const none: Sandbox = { kind: "none", wrap: (argv) => [...argv] };

/** Runs a shell script as a check would: through the workspace's confinement, in its runDir. */
async function sh(ws: Workspace, script: string, sandbox: Sandbox = none) {
  const argv = ws.confine(sandbox).wrap(["sh", "-c", script], { workspace: ws.runDir, readable: [join(ws.rootDir, "..")], network: false });
  return runProcess({ argv, cwd: ws.runDir, env: process.env });
}

describe.each(kinds)("a %s workspace", (kind, create) => {
  it("shows the root, and keeps every write from it", async () => {
    const dir = await root();
    const ws = await create(join(dir, "root"), join(dir, "scratch"), "node");
    expect(ws.kind).toBe(kind);
    expect(await readFile(join(ws.dir, "src", "a.js"), "utf8")).toBe("a");
    expect(await readFile(join(ws.dir, "node_modules", "lib", "index.js"), "utf8")).toBe("lib");
    await writeFile(join(ws.dir, "src", "a.js"), "changed");
    const run = await sh(ws, "cat src/a.js; echo program > src/p.js; pwd");
    expect(run.stdout).toBe(`changed${ws.runDir}\n`);
    expect(await readFile(join(ws.dir, "src", "p.js"), "utf8")).toBe("program\n");
    expect(await readFile(join(dir, "root", "src", "a.js"), "utf8")).toBe("a");
    await expect(lstat(join(dir, "root", "src", "p.js"))).rejects.toThrow(/ENOENT/);
    await ws.discard();
    await ws.discard();
    await expect(lstat(join(ws.dir, "src"))).rejects.toThrow(/ENOENT/);
    expect(await readdir(join(dir, "scratch"))).toEqual([]);
  });

  it("finds every added, modified and deleted file, and a symlink, and nothing else", async () => {
    const dir = await root();
    const ws = await create(join(dir, "root"), join(dir, "scratch"), "node");
    expect(await ws.changes()).toEqual([]);
    await writeFile(join(ws.dir, "src", "a.js"), "b"); // same size: the time or the bytes show it
    await writeFile(join(ws.dir, "src", "new.js"), "new");
    await rm(join(ws.dir, "test", "a.test.js"));
    await symlink("../README.md", join(ws.dir, "src", "link"));
    await writeFile(join(ws.dir, "src", "b.js"), "b"); // rewritten with the same content: no change
    await sh(ws, "mkdir -p node_modules/fresh && echo x > node_modules/fresh/i.js; mkdir -p .git && echo y > .git/ORIG_HEAD");
    expect(await ws.changes()).toEqual([
      { path: "src/a.js", change: "modified", kind: "file", size: 1 },
      { path: "src/link", change: "added", kind: "symlink", target: "../README.md" },
      { path: "src/new.js", change: "added", kind: "file", size: 3 },
      { path: "test/a.test.js", change: "deleted", kind: "file" },
    ]);
    await ws.discard();
  });

  it("sees a program remove a folder, and remove one and make it anew", async () => {
    const dir = await root();
    const ws = await create(join(dir, "root"), join(dir, "scratch"), "node");
    const run = await sh(ws, "rm -rf lib && rm -rf src && mkdir src && echo new > src/a.js");
    expect(run.exitCode).toBe(0);
    expect(await ws.changes()).toEqual([
      { path: "lib/deep/y.js", change: "deleted", kind: "file" },
      { path: "lib/x.js", change: "deleted", kind: "file" },
      { path: "src/a.js", change: "modified", kind: "file", size: 4 },
      { path: "src/b.js", change: "deleted", kind: "file" },
    ]);
    for (const change of await ws.changes()) await ws.revert(change.path);
    expect(await ws.changes()).toEqual([]);
    expect(await readFile(join(ws.dir, "lib", "deep", "y.js"), "utf8")).toBe("y");
    await ws.discard();
  });

  it("puts a refused change back as the root has it", async () => {
    const dir = await root();
    const ws = await create(join(dir, "root"), join(dir, "scratch"), "node");
    await writeFile(join(ws.dir, "test", "a.test.js"), "weakened");
    await writeFile(join(ws.dir, "src", "added.js"), "x");
    await rm(join(ws.dir, "README.md"));
    for (const path of ["test/a.test.js", "src/added.js", "README.md"]) await ws.revert(path);
    expect(await readFile(join(ws.dir, "test", "a.test.js"), "utf8")).toBe("t");
    expect(await readFile(join(ws.dir, "README.md"), "utf8")).toBe("r");
    await expect(lstat(join(ws.dir, "src", "added.js"))).rejects.toThrow(/ENOENT/);
    expect(await ws.changes()).toEqual([]);
    await ws.discard();
  });

  it("confines a program under bubblewrap to the workspace", async () => {
    const dir = await root();
    const ws = await create(join(dir, "root"), join(dir, "scratch"), "node");
    const bwrap = await openSandbox("bwrap", { scratchDir: join(dir, "probe"), onWarning: () => {} });
    await mkdir(join(dir, "outside"));
    const run = await sh(ws, `echo in > src/in.js; echo out > ${join(dir, "outside", "w")}`, bwrap);
    expect(run.exitCode).not.toBe(0);
    expect(run.stderr).toMatch(/Read-only file system/);
    expect(await readFile(join(ws.dir, "src", "in.js"), "utf8")).toBe("in\n");
    await expect(lstat(join(dir, "outside", "w"))).rejects.toThrow(/ENOENT/);
    expect(await ws.changes()).toEqual([{ path: "src/in.js", change: "added", kind: "file", size: 3 }]);
    await ws.discard();
  });
});

describe("the copy workspace", () => {
  it("links packages and leaves version control out", async () => {
    const dir = await root();
    const ws = await createCopyWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    expect(await readlink(join(ws.dir, "node_modules"))).toBe(join(dir, "root", "node_modules"));
    await expect(lstat(join(ws.dir, ".git"))).rejects.toThrow(/ENOENT/);
    await ws.discard();
  });

  it("notices a same-size change to a file written just before the copy (racy-clean)", async () => {
    const dir = await root();
    await writeFile(join(dir, "root", "src", "fresh.js"), "one");
    const ws = await createCopyWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    const stats = await lstat(join(ws.dir, "src", "fresh.js"));
    await writeFile(join(ws.dir, "src", "fresh.js"), "two");
    // the same time as before, as a coarse clock could leave it
    await utimes(join(ws.dir, "src", "fresh.js"), stats.atime, stats.mtime);
    expect(await ws.changes()).toEqual([{ path: "src/fresh.js", change: "modified", kind: "file", size: 3 }]);
    await ws.discard();
  });
});

/** The folder of an overlay workspace's layers, as its holder's namespace sees it (in memory, only it does). */
async function layersOf(ws: Workspace, scratch: string): Promise<string> {
  const [base] = await readdir(scratch);
  return `/proc/${ws.dir.split("/")[2]}/root${join(scratch, base!, "layers")}`;
}

describe.each([["in memory", undefined], ["on disk", "disk"]])("the overlay workspace, layers %s", (where, setting) => {
  const before = process.env["PHOENIX_OVERLAY_LAYERS"];
  beforeAll(() => {
    if (setting) process.env["PHOENIX_OVERLAY_LAYERS"] = setting;
  });
  afterAll(() => {
    if (before === undefined) delete process.env["PHOENIX_OVERLAY_LAYERS"];
    else process.env["PHOENIX_OVERLAY_LAYERS"] = before;
  });

  it("stores only what was written, whatever the size of the root", async () => {
    const dir = await root();
    await Promise.all(Array.from({ length: 500 }, (_, i) => writeFile(join(dir, "root", "lib", `f${i}.js`), `${i}`)));
    const ws = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    await writeFile(join(ws.dir, "src", "a.js"), "changed");
    const layers = await layersOf(ws, join(dir, "scratch"));
    const stored = execFileSync("find", [join(layers, "upper0"), "-type", "f"], { encoding: "utf8" }).trim().split("\n");
    expect(stored).toEqual([join(layers, "upper0", "src", "a.js")]);
    // in memory, nothing of the layers is on disk
    const [base] = await readdir(join(dir, "scratch"));
    expect((await readdir(join(dir, "scratch", base!, "layers"))).length > 0).toBe(where === "on disk");
    await ws.discard();
  });

  it("serves node after node from a pool: each time empty, over the root as it now is", async () => {
    const dir = await root();
    const pool = new OverlayPool(1);
    const first = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node", pool);
    await writeFile(join(first.dir, "src", "a.js"), "first node's");
    await sh(first, "rm -rf lib");
    await first.discard();
    await writeFile(join(dir, "root", "src", "applied.js"), "applied");
    const second = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node", pool);
    expect(second.dir).toBe(first.dir);
    expect(await second.changes()).toEqual([]);
    expect(await readFile(join(second.dir, "src", "a.js"), "utf8")).toBe("a");
    expect(await readFile(join(second.dir, "src", "applied.js"), "utf8")).toBe("applied");
    expect((await sh(second, "cat lib/x.js")).stdout).toBe("x");
    await second.discard();
    await pool.close();
    expect(await readdir(join(dir, "scratch"))).toEqual([]);
  });

  it("serves twenty nodes in turn from one mount, each time empty, keeping few layers", async () => {
    const dir = await root();
    const pool = new OverlayPool(1);
    let mountDir: string | undefined;
    for (let node = 0; node < 20; node++) {
      const ws = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node", pool);
      mountDir ??= ws.dir;
      expect(ws.dir).toBe(mountDir);
      expect(await ws.changes()).toEqual([]);
      // the overlays are stacked on the root's path: each must show the root, not the one below it
      expect(existsSync(join(ws.dir, "src", `node${node - 1}.js`))).toBe(false);
      expect(await readFile(join(ws.dir, "src", `applied${node - 1}.js`), "utf8").catch(() => "missing")).toBe(node === 0 ? "missing" : "applied");
      await writeFile(join(ws.dir, "src", `node${node}.js`), `${node}`);
      expect((await ws.changes()).map((c) => c.path)).toEqual([`src/node${node}.js`]);
      await ws.discard();
      await writeFile(join(dir, "root", "src", `applied${node}.js`), "applied");
    }
    // layers are made and removed in batches: never more than two batches of pairs are kept
    const next = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node", pool);
    const kept = (await readdir(await layersOf(next, join(dir, "scratch")))).filter((name) => /^(upper|work)\d+$/.test(name));
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThanOrEqual(32);
    await next.discard();
    await pool.close();
    expect(await readdir(join(dir, "scratch"))).toEqual([]);
  });

  it("starts another mount rather than make a node wait for the reset of the one given back, up to its size", async () => {
    const dir = await root();
    const pool = new OverlayPool(2);
    const take = () => createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node", pool);
    const first = await take();
    await writeFile(join(first.dir, "src", "a.js"), "first node's");
    await first.discard();
    const second = await take(); // the first is being reset: a second mount
    expect(second.dir).not.toBe(first.dir);
    expect(await second.changes()).toEqual([]);
    await second.discard();
    const dirs = new Set<string>();
    for (let node = 0; node < 6; node++) {
      const ws = await take(); // at the limit: one of the two, reset
      dirs.add(ws.dir);
      expect(await ws.changes()).toEqual([]);
      expect(await readFile(join(ws.dir, "src", "a.js"), "utf8")).toBe("a");
      await writeFile(join(ws.dir, "src", "a.js"), `node ${node}'s`);
      await ws.discard();
    }
    expect([...dirs].every((d) => d === first.dir || d === second.dir)).toBe(true);
    await pool.close();
    expect(await readdir(join(dir, "scratch"))).toEqual([]);
  });

  it("never gives one mount to two nodes that start together", async () => {
    const dir = await root();
    const pool = new OverlayPool();
    const first = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node", pool);
    await first.discard();
    const [one, two] = await Promise.all([0, 1].map(() => createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node", pool)));
    expect(one!.dir).not.toBe(two!.dir);
    await writeFile(join(one!.dir, "src", "one.js"), "1");
    expect(await two!.changes()).toEqual([]);
    await Promise.all([one!.discard(), two!.discard()]);
    await pool.close();
  });

  it("leaves nothing mounted and no process behind when phoenix is killed", async () => {
    const dir = await root();
    const module = new URL("./overlay.js", import.meta.url).pathname.replace("/compiler/", "/dist/compiler/");
    const script = `import { createOverlayWorkspace } from ${JSON.stringify(module)};
const ws = await createOverlayWorkspace(${JSON.stringify(join(dir, "root"))}, ${JSON.stringify(join(dir, "scratch"))}, "node");
console.log(ws.dir.split("/")[2]); setInterval(() => {}, 1000);`;
    const child = (await import("node:child_process")).spawn(process.execPath, ["--input-type=module", "-e", script], { stdio: ["ignore", "pipe", "inherit"] });
    const keeper = await new Promise<string>((resolve) => child.stdout.once("data", (chunk: Buffer) => resolve(chunk.toString().trim())));
    expect(await lstat(`/proc/${keeper}`).then(() => true)).toBe(true);
    child.kill("SIGKILL");
    await expect.poll(() => lstat(`/proc/${keeper}`).then(() => "alive", () => "gone"), { timeout: 5_000 }).toBe("gone");
  });

  it("is what createWorkspace takes, unless the root holds the scratch folder", async () => {
    const dir = await root();
    const overlay = await createWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    expect(overlay.kind).toBe("overlay");
    await overlay.discard();
    const copy = await createWorkspace(join(dir, "root"), join(dir, "root", ".phoenix", "build"), "node");
    expect(copy.kind).toBe("copy");
    await copy.discard();
    const chosen = await createWorkspace(join(dir, "root"), join(dir, "scratch"), "node", { choice: "copy" });
    expect(chosen.kind).toBe("copy");
    await chosen.discard();
  });

  it("reads opaque folders from a pax archive's headers", () => {
    const block = (fields: Record<number, string>, type: string, size = 0) => {
      const b = Buffer.alloc(512);
      for (const [offset, value] of Object.entries(fields)) b.write(value, Number(offset));
      b.write(size.toString(8).padStart(11, "0"), 124);
      b.write(type, 156);
      return b;
    };
    const record = "30 SCHILY.xattr.user.overlay.opaque=y\n".replace(/^30/, String("SCHILY.xattr.user.overlay.opaque=y\n".length + 3));
    const body = Buffer.alloc(512);
    body.write(record);
    const archive = Buffer.concat([
      block({ 0: "PaxHeaders/d" }, "x", Buffer.byteLength(record)), body, block({ 0: "d/" }, "5"),
      block({ 0: "e/" }, "5"), Buffer.alloc(1024),
    ]);
    expect(opaqueInArchive(archive)).toEqual(["d"]);
  });
});

describe("where an overlay's layers live", () => {
  it("in memory on Linux 6.6 and later (user extended attributes on tmpfs), on disk before or when asked", () => {
    expect(layersInMemory("6.18.44-fc-v782", undefined)).toBe(true);
    expect(layersInMemory("6.6.0", undefined)).toBe(true);
    expect(layersInMemory("7.0.1-arch1", undefined)).toBe(true);
    expect(layersInMemory("6.1.0-18-amd64", undefined)).toBe(false);
    expect(layersInMemory("5.15.0-91-generic", undefined)).toBe(false);
    expect(layersInMemory("6.18.44", "disk")).toBe(false);
  });
});

describe("an overlay workspace over a root that changes", () => {
  it("does not take a file another node applied to the root meanwhile for a change of its own", async () => {
    const dir = await root();
    await mkdir(join(dir, "root", "apps"));
    const ws = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    // a check looks for a folder that does not exist yet: the overlay remembers it missing
    expect((await sh(ws, "ls apps/web")).exitCode).not.toBe(0);
    await mkdir(join(dir, "root", "apps", "web"));
    await writeFile(join(dir, "root", "apps", "web", "index.js"), "another node's");
    await sh(ws, "echo mine > apps/mine.js");
    expect(await ws.changes()).toEqual([{ path: "apps/mine.js", change: "added", kind: "file", size: 5 }]);
    await ws.discard();
  });
});

describe("a program entering an overlay workspace", () => {
  it("runs a shell command as `sh -c` alone would: its name, no arguments, its lines, its exit code, its stdin", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "root"), { recursive: true });
    const ws = await createOverlayWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    const argv = ws.confine(none).wrap(["sh", "-c", 'echo "$0 $# $1"; read -r line; echo "got $line"\nno-such-program-here\nexit 3'], { workspace: ws.runDir, network: false });
    const run = await runProcess({ argv, cwd: dir, env: process.env, input: "context\n" });
    expect(run.stdout).toBe("sh 0 \ngot context\n");
    expect(run.stderr).toBe("sh: 2: no-such-program-here: not found\n");
    expect(run.exitCode).toBe(3);
    await ws.discard();
  });


  it("runs only where the overlay is mounted, also under a root whose path has spaces", async () => {
    const dir = await tempDir();
    const rootDir = join(dir, "my root");
    await mkdir(join(rootDir, "src"), { recursive: true });
    await writeFile(join(rootDir, "src", "a.js"), "a");
    const ws = await createOverlayWorkspace(rootDir, join(dir, "scratch"), "node");
    const run = await sh(ws, "echo b > src/a.js && pwd");
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe(`${rootDir}\n`);
    expect(await readFile(join(rootDir, "src", "a.js"), "utf8")).toBe("a");
    // the same entry, pointed at a folder with no overlay on it, refuses to run: a shell command
    // (entered and run by one shell) and any other program
    for (const program of [["sh", "-c", "echo c > src/a.js"], ["sh", "-c", "echo c > src/a.js", "sh", "x"], ["touch", "src/a.js"]]) {
      const argv = ws.confine(none).wrap(program, { workspace: ws.runDir, network: false });
      const stray = argv.map((a) => (a === rootDir || a === rootDir.replace(" ", "\\040") ? dir : a));
      const refused = await runProcess({ argv: stray, cwd: dir, env: process.env });
      expect(refused.exitCode).toBe(125);
      expect(refused.stderr).toMatch(/overlay is not mounted/);
    }
    expect(existsSync(join(dir, "src", "a.js"))).toBe(false);
    await ws.discard();
    expect(() => ws.confine(none).wrap(["true"], { workspace: ws.runDir, network: false })).toThrow(/the process holding its overlay exited/);
  });
});
