import { describe, expect, it } from "vitest";
import { cp, mkdir, readFile, symlink, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { treeHashes } from "../../fixtures/build-project.js";
import { processesIn } from "../../fixtures/processes.js";
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
    // api's probe started the system in its workspace: nothing of it is left running
    expect(await processesIn(dir)).toEqual([]);
  }, 180_000);

  it("observes a system that is already running (--url) and records what the probe saw", async () => {
    const dir = await exampleCopy();
    const port = 30_000 + Math.floor(Math.random() * 20_000);
    const server = execa("node", ["src/server.js"], { cwd: join(dir, "system-under-construction"), env: { PORT: String(port) }, reject: false });
    try {
      for (let i = 0; i < 100 && !(await fetch(`http://127.0.0.1:${port}/health`).then((r) => r.ok, () => false)); i++) await new Promise((r) => setTimeout(r, 50));
      const run = await runPhoenix(["observe", "--url", `http://127.0.0.1:${port}`], { cwd: dir });
      expect(run.exitCode, run.stdout).toBe(0);
      expect(run.stdout).toMatch(new RegExp(`^observed http://127\\.0\\.0\\.1:${port}\n✓ api\\.health: 20 × GET /health: status 200, p50 [\\d.]+ms, p95 [\\d.]+ms\nevery expectation is met; recorded in phoenix\\.lock$`));
      const lock = JSON.parse(await readFile(join(dir, "phoenix.lock"), "utf8")) as { components: { api: { probes: { health: { status: number; p95: number } } } } };
      expect(lock.components.api.probes.health).toMatchObject({ status: 200 });
      expect(lock.components.api.probes.health.p95).toBeLessThan(240);
    } finally {
      server.kill();
    }
    const bad = await runPhoenix(["observe", "--url", "localhost:3000"], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("phoenix: --url must be an http(s) address such as http://localhost:3000, not 'localhost:3000'");
  });

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
