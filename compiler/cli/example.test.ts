import { describe, expect, it } from "vitest";
import { cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { treeHashes } from "../../fixtures/build-project.js";
import { repoRoot, runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";

/** The committed example, copied with its code and phoenix.lock; its tools and its recorded agent output linked. */
async function exampleCopy(): Promise<string> {
  const dir = await tempDir("phoenix-example-");
  for (const path of ["specs", "system-under-construction", "phoenix.lock"]) await cp(join(repoRoot, path), join(dir, path), { recursive: true });
  await symlink(join(repoRoot, "node_modules"), join(dir, "node_modules"));
  await mkdir(join(dir, "fixtures"));
  await symlink(join(repoRoot, "fixtures", "demo"), join(dir, "fixtures", "demo"));
  return dir;
}

describe("the committed example", () => {
  it("passes phoenix verify: the repository practises what it preaches", async () => {
    const run = await runPhoenix(["verify"], { cwd: repoRoot });
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain("10 checks: 8 passed, 0 failed, 0 could not run, 2 not run here");
    expect(run.stdout).toContain("verify passed");
  });

  it("passes the Phoenix test: a component burnt down is rebuilt from its spec, green, and the tree is as it was", async () => {
    const dir = await exampleCopy();
    const root = join(dir, "system-under-construction");
    const before = await treeHashes(root);
    const one = await runPhoenix(["burn", "store"], { cwd: dir });
    expect(one.exitCode, one.stdout).toBe(0);
    expect(one.stdout).toContain("burnt store: 1 file deleted; it is rebuilt from its spec (`phoenix reject store` brings them back)");
    expect(one.stdout).toMatch(/✓ store green: checks passed on attempt 2 of 3; 1 file applied/);
    expect(one.stdout).toMatch(/build green: 1 green/);
    expect(await treeHashes(root)).toEqual(before);
    const all = await runPhoenix(["burn", "--all"], { cwd: dir });
    expect(all.exitCode, all.stdout).toBe(0);
    expect(all.stdout.match(/^burnt (\w+)/gm)).toEqual(["burnt store", "burnt sessions", "burnt web", "burnt api"]);
    expect(all.stdout).toMatch(/build green: 4 green/);
    expect(await treeHashes(root)).toEqual(before);
    expect((await runPhoenix(["verify", "--fast"], { cwd: dir })).exitCode).toBe(0);
  }, 180_000);

  it("says what to do when a burnt component cannot be rebuilt: the burnt files come back with reject", async () => {
    const dir = await exampleCopy();
    await writeFile(join(dir, "broken.json"), JSON.stringify({ nodes: { sessions: [{ attempts: [[{ fail: "cannot write sessions today" }]] }] } }));
    const original = await readFile(join(dir, "system-under-construction", "src", "sessions", "index.js"), "utf8");
    const run = await runPhoenix(["burn", "sessions", "--agent", "scripted:broken.json", "--max-attempts", "1"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("✗ sessions failed");
    const back = await runPhoenix(["reject", "sessions", "--reason", "the rebuild failed"], { cwd: dir });
    expect(back.exitCode, back.stderr).toBe(0);
    expect(await readFile(join(dir, "system-under-construction", "src", "sessions", "index.js"), "utf8")).toBe(original);
  });

  it("fails usage errors of burn clearly", async () => {
    const dir = await exampleCopy();
    expect((await runPhoenix(["burn"], { cwd: dir })).stderr).toBe("phoenix: name the components to burn, or pass --all (not both)");
    expect((await runPhoenix(["burn", "stor"], { cwd: dir })).stderr).toBe("phoenix: no component 'stor' in the desired state (did you mean 'store'?)");
  });
});
