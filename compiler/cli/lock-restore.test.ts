import { describe, expect, it } from "vitest";
import { spawn } from "node:child_process";
import { mkdir, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot, runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";
import { sha256 } from "../hash.js";
import { emptyLock, readLock, serializeLock, withWriterLock, writeLock, type ComponentState, type Lock } from "../lock/index.js";

const AT = "2026-11-20T10:00:00.000Z";

function built(name: string): ComponentState {
  const outputs = { [`src/${name}/index.ts`]: sha256(name) };
  return {
    specHash: sha256(`${name} spec`),
    inputHash: sha256(`${name} inputs`),
    spec: { name, owns: [`src/${name}/**`], dependsOn: [], requirements: [], checks: [], decisions: [] },
    agent: { provider: "scripted" },
    promptVersion: "prompts-1",
    dependencyInterfaces: {},
    containerHash: null,
    outputs,
    outputHash: sha256(JSON.stringify(outputs)),
    interfaceHash: null,
    checks: { unit: { verdict: "pass", evidence: "3 passed", at: AT } },
    approvals: [],
    probes: {},
    builtAt: AT,
  };
}

const quiet = { onWarning: (m: string) => { throw new Error(m); } };

/** A project whose phoenix.lock went through serials 1 (store) and 2 (store, api). */
async function projectWithHistory(): Promise<{ dir: string; one: Buffer; two: Buffer }> {
  const dir = await tempDir("phoenix-restore-");
  await mkdir(join(dir, "specs"));
  await withWriterLock(dir, async () => {
    const { lock } = await writeLock(dir, { ...emptyLock(), components: { store: built("store") } });
    await writeLock(dir, { ...lock, components: { ...lock.components, api: built("api") } });
  }, quiet);
  return { dir, one: await readFile(join(dir, "phoenix.lock.bak")), two: await readFile(join(dir, "phoenix.lock")) };
}

function noStack(text: string): void {
  expect(text).not.toMatch(/\n\s+at |internal error/);
}

describe("phoenix lock restore", () => {
  it("swaps phoenix.lock and phoenix.lock.bak, prints the serials, and undoes itself when run again", async () => {
    const { dir, one, two } = await projectWithHistory();
    const run = await runPhoenix(["lock", "restore"], { cwd: join(dir, "specs") });
    expect(run).toEqual({
      exitCode: 0,
      stdout: "restored phoenix.lock from phoenix.lock.bak: serial 2 -> 1; the replaced version is now phoenix.lock.bak (run `phoenix lock restore` again to undo)",
      stderr: "",
    });
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(one);
    expect(await readFile(join(dir, "phoenix.lock.bak"))).toEqual(two);
    const again = await runPhoenix(["lock", "restore"], { cwd: dir });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toContain("serial 1 -> 2");
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(two);
    expect(await readFile(join(dir, "phoenix.lock.bak"))).toEqual(one);
    expect((await readdir(dir)).sort()).toEqual([".phoenix", "phoenix.lock", "phoenix.lock.bak", "specs"]);
    // no temp file; only what phoenix remembers of the lock text it last wrote (lock/written.ts)
    expect(await readdir(join(dir, ".phoenix"))).toEqual(["lock-written"]);
  });

  it("restores over a corrupt phoenix.lock, which it keeps as the .bak", async () => {
    const { dir, one } = await projectWithHistory();
    await writeFile(join(dir, "phoenix.lock"), '{"version": 1, "comp');
    const run = await runPhoenix(["lock", "restore"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("restored phoenix.lock from phoenix.lock.bak: a corrupt file -> serial 1;");
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(one);
    expect(await readFile(join(dir, "phoenix.lock.bak"), "utf8")).toBe('{"version": 1, "comp');
  });

  it("exits 1 with a message and no stack when there is no phoenix.lock.bak", async () => {
    const dir = await tempDir("phoenix-restore-");
    await mkdir(join(dir, "specs"));
    await withWriterLock(dir, () => writeLock(dir, emptyLock()), quiet);
    const before = await readFile(join(dir, "phoenix.lock"));
    const run = await runPhoenix(["lock", "restore"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("phoenix: nothing to restore: there is no phoenix.lock.bak (phoenix keeps the previous version there each time phoenix.lock changes)");
    noStack(run.stderr);
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(before);
  });

  it("refuses a corrupt phoenix.lock.bak, placing the problem, and leaves phoenix.lock as it is", async () => {
    const { dir, two } = await projectWithHistory();
    await writeFile(join(dir, "phoenix.lock.bak"), '{\n  "components": {},\n  "version": 7\n}\n');
    const run = await runPhoenix(["lock", "restore"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(
      "phoenix.lock.bak:3:14: error lock-version: format version 7 is not supported: this phoenix reads version 1 (a newer phoenix wrote it); " +
      "upgrade phoenix; or it cannot be restored; phoenix.lock was left as it is",
    );
    noStack(run.stderr);
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(two);
  });

  it("refuses a .bak of another lineage", async () => {
    const { dir, two } = await projectWithHistory();
    const stranger: Lock = { ...emptyLock(), serial: 9, components: { web: built("web") } };
    await writeFile(join(dir, "phoenix.lock.bak"), serializeLock(stranger));
    const run = await runPhoenix(["lock", "restore"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^phoenix: phoenix\.lock\.bak is not a previous version of phoenix\.lock: its lineage is [0-9a-f-]{36}, phoenix\.lock's is [0-9a-f-]{36}; nothing was changed \(delete phoenix\.lock first to restore it anyway\)$/);
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(two);
  });

  it("copies the .bak back when phoenix.lock is missing", async () => {
    const { dir, one } = await projectWithHistory();
    await rm(join(dir, "phoenix.lock"));
    const run = await runPhoenix(["lock", "restore"], { cwd: dir });
    expect(run).toMatchObject({ exitCode: 0, stdout: "restored phoenix.lock from phoenix.lock.bak (serial 1); there was no phoenix.lock to keep" });
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(one);
    expect((await readLock(dir)).lock.serial).toBe(1);
  });

  it("fails fast naming the holder when another phoenix is writing", async () => {
    const { dir, two } = await projectWithHistory();
    const index = pathToFileURL(join(repoRoot, "dist/compiler/lock/index.js")).href;
    const child = spawn(process.execPath, ["--input-type=module", "-e", `
      const { withWriterLock } = await import(${JSON.stringify(index)});
      await withWriterLock(${JSON.stringify(dir)}, async () => {
        process.stdout.write("held\\n");
        await new Promise((done) => process.stdin.on("end", done).resume());
      }, { onWarning: () => {} });
    `]);
    await new Promise<void>((done) => child.stdout.on("data", (d: Buffer) => d.toString().includes("held") && done()));
    const run = await runPhoenix(["lock", "restore"], { cwd: dir });
    child.stdin.end();
    await new Promise((done) => child.on("close", done));
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(new RegExp(`^phoenix: phoenix\\.lock is being changed by another phoenix: pid ${child.pid} on this host \\(.+\\), since \\d{4}-\\d\\d-\\d\\dT`));
    noStack(run.stderr);
    expect(await readFile(join(dir, "phoenix.lock"))).toEqual(two);
  });

  it("is a usage error outside a project", async () => {
    const run = await runPhoenix(["lock", "restore"], { cwd: await tempDir() });
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("no specs/ folder");
  });
});
