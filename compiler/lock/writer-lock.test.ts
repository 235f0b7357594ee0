import { describe, expect, it } from "vitest";
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { hostname } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { repoRoot, tempDir } from "../../fixtures/run-phoenix.js";
import { WRITER_LOCK_FILE, WriterLockError, holdsWriterLock, withWriterLock } from "./index.js";

const distIndex = pathToFileURL(join(repoRoot, "dist/compiler/lock/index.js")).href;

function noWarning(message: string): void {
  throw new Error(`unexpected warning: ${message}`);
}

async function project(): Promise<string> {
  const dir = await tempDir("phoenix-writer-");
  await mkdir(join(dir, "specs"));
  return dir;
}

/** Runs an ES module script with `node -e` that imports the built lock module as `lock`. */
function node(script: string): ChildProcess {
  const code = `const lock = await import(${JSON.stringify(distIndex)});\n${script}`;
  return spawn(process.execPath, ["--input-type=module", "-e", code], { stdio: ["pipe", "pipe", "pipe"] });
}

/** Everything a child printed and how it exited. */
function finished(child: ChildProcess): Promise<{ code: number | null; stdout: string; stderr: string }> {
  let stdout = "";
  let stderr = "";
  child.stdout!.on("data", (d: Buffer) => (stdout += d.toString()));
  child.stderr!.on("data", (d: Buffer) => (stderr += d.toString()));
  return new Promise((done) => child.on("close", (code) => done({ code, stdout, stderr })));
}

/** Resolves when the child has printed `text`. */
function printed(child: ChildProcess, text: string): Promise<void> {
  return new Promise((done, fail) => {
    let out = "";
    child.stdout!.on("data", (d: Buffer) => {
      out += d.toString();
      if (out.includes(text)) done();
    });
    child.on("exit", (code) => fail(new Error(`child exited (${code}) before printing ${text}: ${out}`)));
  });
}

/** A child that takes the writer lock, says `held`, and keeps it until its stdin closes. */
function holder(dir: string): ChildProcess {
  return node(`
    await lock.withWriterLock(${JSON.stringify(dir)}, async () => {
      process.stdout.write("held\\n");
      await new Promise((done) => process.stdin.on("end", done).resume());
    }, { onWarning: (m) => console.error("warning: " + m) });
  `);
}

/** The pid of a process that has exited: a dead pid on this host. */
async function deadPid(): Promise<number> {
  const child = spawn(process.execPath, ["-e", ""]);
  await new Promise((done) => child.on("exit", done));
  return child.pid!;
}

describe("withWriterLock", () => {
  it("holds .phoenix/lock (pid, host, start time) while fn runs and removes it afterwards, also when fn throws", async () => {
    const dir = await project();
    const path = join(dir, WRITER_LOCK_FILE);
    const result = await withWriterLock(dir, async () => {
      const content = JSON.parse(await readFile(path, "utf8")) as Record<string, unknown>;
      expect(content).toMatchObject({ pid: process.pid, host: hostname() });
      expect(Date.now() - Date.parse(String(content["since"]))).toBeLessThan(60_000);
      expect(holdsWriterLock(dir)).toBe(true);
      return 42;
    }, { onWarning: noWarning });
    expect(result).toBe(42);
    expect(holdsWriterLock(dir)).toBe(false);
    expect(await readdir(join(dir, ".phoenix"))).toEqual([]);
    await expect(withWriterLock(dir, async () => { throw new Error("boom"); }, { onWarning: noWarning })).rejects.toThrow("boom");
    expect(await readdir(join(dir, ".phoenix"))).toEqual([]);
  });

  it("runs a nested call for the same project directly", async () => {
    const dir = await project();
    const inner = await withWriterLock(dir, () => withWriterLock(join(dir, "specs", ".."), async () => "inner", { onWarning: noWarning }), { onWarning: noWarning });
    expect(inner).toBe("inner");
    expect(await readdir(join(dir, ".phoenix"))).toEqual([]);
  });

  it("fails fast, naming the holder, when another process holds it", async () => {
    const dir = await project();
    const child = holder(dir);
    const done = finished(child);
    await printed(child, "held");
    const started = Date.now();
    let ran = false;
    const error = await withWriterLock(dir, async () => (ran = true), { onWarning: noWarning }).catch((e: unknown) => e);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(ran).toBe(false);
    expect(error).toBeInstanceOf(WriterLockError);
    const holderInfo = (error as WriterLockError).holder!;
    expect(holderInfo).toMatchObject({ pid: child.pid, host: hostname() });
    expect((error as Error).message).toBe(
      `phoenix.lock is being changed by another phoenix: pid ${child.pid} on this host (${hostname()}), since ${holderInfo.since}; ` +
      `wait for it to finish (if pid ${child.pid} is not phoenix, delete .phoenix/lock)`,
    );
    // the holder's lock is untouched, and free again once it is done
    expect(JSON.parse(await readFile(join(dir, WRITER_LOCK_FILE), "utf8"))).toMatchObject({ pid: child.pid });
    child.stdin!.end();
    expect((await done).code).toBe(0);
    expect(await withWriterLock(dir, async () => "mine", { onWarning: noWarning })).toBe("mine");
  });

  it("lets exactly one of several processes that start together take it", async () => {
    const dir = await project();
    // all start their attempt at the same moment, once every process is up
    const startAt = Date.now() + 1500;
    const racers = Array.from({ length: 6 }, () => node(`
      while (Date.now() < ${startAt}) await new Promise((done) => setImmediate(done));
      try {
        await lock.withWriterLock(${JSON.stringify(dir)}, async () => {
          process.stdout.write("won\\n");
          await new Promise((done) => setTimeout(done, 1500));
        }, { onWarning: (m) => console.error("warning: " + m) });
      } catch (error) {
        process.stdout.write(error instanceof lock.WriterLockError ? "lost: " + error.message : "error: " + error.stack);
      }
    `));
    const results = await Promise.all(racers.map(finished));
    expect(results.map((r) => r.code)).toEqual(racers.map(() => 0));
    expect(results.map((r) => r.stderr).join("")).toBe("");
    const winners = results.filter((r) => r.stdout === "won\n");
    expect(winners).toHaveLength(1);
    const winnerPid = racers[results.indexOf(winners[0]!)]!.pid;
    for (const r of results.filter((r) => r !== winners[0])) expect(r.stdout).toMatch(new RegExp(`^lost: .* pid ${winnerPid} on this host`));
  });

  it("takes over, with a warning, a lock left on this host by a process that is gone", async () => {
    const dir = await project();
    const pid = await deadPid();
    await mkdir(join(dir, ".phoenix"));
    await writeFile(join(dir, WRITER_LOCK_FILE), JSON.stringify({ pid, host: hostname(), since: "2026-11-20T10:00:00.000Z", token: "old" }));
    const warnings: string[] = [];
    const result = await withWriterLock(dir, async () => {
      expect(JSON.parse(await readFile(join(dir, WRITER_LOCK_FILE), "utf8"))).toMatchObject({ pid: process.pid });
      return "ran";
    }, { onWarning: (m) => warnings.push(m) });
    expect(result).toBe("ran");
    expect(warnings).toEqual([
      `took over the writer lock .phoenix/lock left by pid ${pid} on this host (${hostname()}) since 2026-11-20T10:00:00.000Z: that process is no longer running`,
    ]);
    expect(await readdir(join(dir, ".phoenix"))).toEqual([]);
  });

  it("does not take over a lock from another host, even if its pid is not running here", async () => {
    const dir = await project();
    const pid = await deadPid();
    await mkdir(join(dir, ".phoenix"));
    const content = JSON.stringify({ pid, host: "build-server-7", since: "2026-11-20T10:00:00.000Z", token: "theirs", command: "build api" });
    await writeFile(join(dir, WRITER_LOCK_FILE), content);
    await expect(withWriterLock(dir, async () => "ran", { onWarning: noWarning })).rejects.toThrow(
      `phoenix.lock is being changed by another phoenix: pid ${pid} on host build-server-7, since 2026-11-20T10:00:00.000Z, running \`phoenix build api\`; ` +
      "wait for it to finish; if that phoenix is no longer running, delete .phoenix/lock",
    );
    expect(await readFile(join(dir, WRITER_LOCK_FILE), "utf8")).toBe(content);
  });

  it("gives up on a lock file it cannot read, saying what to delete", async () => {
    const dir = await project();
    await mkdir(join(dir, ".phoenix"));
    await writeFile(join(dir, WRITER_LOCK_FILE), "");
    await expect(withWriterLock(dir, async () => "ran", { onWarning: noWarning })).rejects.toThrow(
      "the writer lock .phoenix/lock exists but cannot be read (it is empty); if no phoenix is running, delete .phoenix/lock",
    );
    expect(await readFile(join(dir, WRITER_LOCK_FILE), "utf8")).toBe("");
  });

  it("makes another process fail fast with exit 1 and the holder's name while this one holds it", async () => {
    const dir = await project();
    await withWriterLock(dir, async () => {
      const child = node(`
        try {
          await lock.withWriterLock(${JSON.stringify(dir)}, async () => process.stdout.write("took it\\n"), { onWarning: () => {} });
        } catch (error) {
          process.stderr.write(error.message + "\\n");
          process.exitCode = error instanceof lock.WriterLockError ? 1 : 2;
        }
      `);
      child.stdin!.end();
      const run = await finished(child);
      expect(run.code).toBe(1);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain(`pid ${process.pid} on this host (${hostname()}), since `);
    }, { onWarning: noWarning });
  });
});
