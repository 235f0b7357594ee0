import { describe, expect, it } from "vitest";
import { lstat, mkdir, readFile, readlink, rm, symlink, utimes, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../../fixtures/run-phoenix.js";
import { createWorkspace, revertPath, workspaceChanges } from "./workspace.js";

async function root(): Promise<string> {
  const dir = await tempDir();
  const files: Record<string, string> = {
    "src/a.js": "a", "src/b.js": "b", "test/a.test.js": "t", "node_modules/lib/index.js": "lib", ".git/HEAD": "ref", "README.md": "r",
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

describe("a workspace", () => {
  it("is a private copy of the root: packages linked, version control left out", async () => {
    const dir = await root();
    const ws = await createWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    expect(await readFile(join(ws.dir, "src", "a.js"), "utf8")).toBe("a");
    expect((await lstat(join(ws.dir, "node_modules"))).isSymbolicLink()).toBe(true);
    expect(await readlink(join(ws.dir, "node_modules"))).toBe(join(dir, "root", "node_modules"));
    await expect(lstat(join(ws.dir, ".git"))).rejects.toThrow(/ENOENT/);
    await writeFile(join(ws.dir, "src", "a.js"), "changed");
    expect(await readFile(join(dir, "root", "src", "a.js"), "utf8")).toBe("a");
    await ws.discard();
    await ws.discard();
    await expect(lstat(ws.dir)).rejects.toThrow(/ENOENT/);
  });

  it("finds every added, modified and deleted file, and a symlink, and nothing else", async () => {
    const dir = await root();
    const ws = await createWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    expect(await workspaceChanges(ws)).toEqual([]);
    await writeFile(join(ws.dir, "src", "a.js"), "b"); // same size: the time shows it
    await writeFile(join(ws.dir, "src", "new.js"), "new");
    await rm(join(ws.dir, "test", "a.test.js"));
    await symlink("../README.md", join(ws.dir, "src", "link"));
    await writeFile(join(ws.dir, "src", "b.js"), "b"); // rewritten with the same content: no change
    expect(await workspaceChanges(ws)).toEqual([
      { path: "src/a.js", change: "modified", kind: "file", size: 1 },
      { path: "src/link", change: "added", kind: "symlink", target: "../README.md" },
      { path: "src/new.js", change: "added", kind: "file", size: 3 },
      { path: "test/a.test.js", change: "deleted", kind: "file" },
    ]);
  });

  it("notices a same-size change to a file written just before the copy (racy-clean)", async () => {
    const dir = await root();
    await writeFile(join(dir, "root", "src", "fresh.js"), "one");
    const ws = await createWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    const stats = await lstat(join(ws.dir, "src", "fresh.js"));
    await writeFile(join(ws.dir, "src", "fresh.js"), "two");
    // the same time as before, as a coarse clock could leave it
    await utimes(join(ws.dir, "src", "fresh.js"), stats.atime, stats.mtime);
    expect(await workspaceChanges(ws)).toEqual([{ path: "src/fresh.js", change: "modified", kind: "file", size: 3 }]);
  });

  it("puts a refused change back as the root has it", async () => {
    const dir = await root();
    const ws = await createWorkspace(join(dir, "root"), join(dir, "scratch"), "node");
    await writeFile(join(ws.dir, "test", "a.test.js"), "weakened");
    await writeFile(join(ws.dir, "src", "added.js"), "x");
    await rm(join(ws.dir, "README.md"));
    for (const path of ["test/a.test.js", "src/added.js", "README.md"]) await revertPath(ws, path);
    expect(await readFile(join(ws.dir, "test", "a.test.js"), "utf8")).toBe("t");
    expect(await readFile(join(ws.dir, "README.md"), "utf8")).toBe("r");
    await expect(lstat(join(ws.dir, "src", "added.js"))).rejects.toThrow(/ENOENT/);
    expect(await workspaceChanges(ws)).toEqual([]);
  });
});
