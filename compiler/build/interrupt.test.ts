import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync, readFileSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcProject, calcSpecs, setPlan, type AgentPlan } from "../../fixtures/build-project.js";
import { processesIn } from "../../fixtures/processes.js";
import { seededRandom } from "../../fixtures/random.js";
import { phoenixBin, runPhoenix } from "../../fixtures/run-phoenix.js";
import { parseLock } from "../lock/index.js";

/** Two versions of the whole system: the specs say which one is wanted, the agent writes it. */
function version(v: 1 | 2): { specs: string; plan: AgentPlan; files: Record<string, string> } {
  const files = {
    "src/math/index.js": v === 1 ? "export function add(a, b) { return a + b; }\n" : "export function add(a, b) { return b + a; }\n",
    "src/app/main.js": `import { add } from "../math/index.js";\nconsole.log(add(${v === 1 ? "1, 2" : "2, 1"}));\n`,
    "src/extra/index.js": `export function hello() { return "hello"; } // v${v}\n`,
  };
  const pick = (prefix: string) => Object.fromEntries(Object.entries(files).filter(([p]) => p.startsWith(prefix)));
  return {
    // no interface files: keeps each build short, so the kills land in every stage of it
    specs: calcSpecs().replace(/\n {2}interface .*/, "").replace(/MUST "(.*?)\."/g, `MUST "$1 (v${v})."`),
    plan: { math: { "*": { write: pick("src/math/") } }, app: { "*": { write: pick("src/app/") } }, extra: { "*": { write: pick("src/extra/") } } },
    files,
  };
}


async function want(dir: string, v: 1 | 2): Promise<void> {
  const { specs, plan } = version(v);
  await writeFile(join(dir, "specs", "calc.phx"), specs);
  await setPlan(dir, plan);
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe("a build killed at any moment", () => {
  it("leaves a valid phoenix.lock and whole files after kill -9 at 20 random moments, and the next build converges to green", async () => {
    const seed = Date.now() % 100_000;
    const next = seededRandom(seed);
    const dir = await calcProject({});
    // how long one whole build takes here, so the kills spread over all of it
    await want(dir, 1);
    const started = performance.now();
    expect((await runPhoenix(["build", "--sandbox", "none"], { cwd: dir })).exitCode).toBe(0);
    const span = performance.now() - started;
    const whole = new Set([...Object.values(version(1).files), ...Object.values(version(2).files)]);
    for (let i = 0; i < 20; i++) {
      await want(dir, i % 2 === 0 ? 2 : 1);
      const child = execa("node", [phoenixBin, "build", "--sandbox", "none"], { cwd: dir, reject: false });
      await sleep(next() * span);
      child.kill("SIGKILL");
      await child;
      const context = `seed ${seed}, kill ${i + 1}`;
      if (existsSync(join(dir, "phoenix.lock"))) expect(() => parseLock(readFileSync(join(dir, "phoenix.lock"))), context).not.toThrow();
      for (const path of Object.keys(version(1).files)) {
        const file = join(dir, "system-under-construction", path);
        if (existsSync(file)) expect(whole.has(await readFile(file, "utf8")), `${context}: ${path} is one version or the other, whole`).toBe(true);
      }
    }
    await want(dir, 2);
    const last = await runPhoenix(["build", "--sandbox", "none"], { cwd: dir });
    expect(last.exitCode, `seed ${seed}: ${last.stdout}\n${last.stderr}`).toBe(0);
    const lock = parseLock(await readFile(join(dir, "phoenix.lock")));
    expect(Object.keys(lock.components).sort()).toEqual(["app", "extra", "math"]);
    for (const [path, text] of Object.entries(version(2).files)) expect(await readFile(join(dir, "system-under-construction", path), "utf8")).toBe(text);
    const diff = await runPhoenix(["diff", "--exit-code"], { cwd: dir });
    expect(diff.exitCode, diff.stdout).toBe(0);
    // no workspace is left behind (the folder itself goes when the last build had nothing to do)
    expect(await readdir(join(dir, ".phoenix", "build")).catch(() => [])).toEqual([]);
  }, 240_000);
});

describe("Ctrl-C", () => {
  it("stops starting nodes, cancels the running agent and its checks, discards workspaces and keeps phoenix.lock consistent", async () => {
    const dir = await calcProject({
      log: "agent-log",
      math: { "*": { write: version(1).plan["math"] as never, sleepMs: 30_000 } },
      extra: { "*": { write: { "src/extra/index.js": 'export function hello() { return "hello"; }\n' } } },
    });
    const child = execa("node", [phoenixBin, "build", "--sandbox", "none", "--jobs", "1", "math", "app"], { cwd: dir, reject: false, env: { NO_COLOR: "1" } });
    const log = join(dir, "agent-log", "runs.log");
    for (let waited = 0; !(existsSync(log) && (await readFile(log, "utf8")).includes("math 1 start")); waited += 50) {
      if (waited > 30_000) throw new Error("the agent never started");
      await sleep(50);
    }
    child.kill("SIGINT");
    const run = await child;
    expect(run.exitCode).toBe(130);
    expect(run.stdout).toContain("stopping: cancelling running agents and checks, discarding their workspaces (Ctrl-C again to quit at once)");
    expect(run.stdout).toMatch(/- math cancelled: cancelled while the agent ran/);
    expect(run.stdout).toMatch(/⊘ app blocked: blocked by math \(cancelled\)/);
    expect(existsSync(join(dir, "phoenix.lock"))).toBe(false);
    expect(await readdir(join(dir, ".phoenix", "build"))).toEqual([]);
    expect(existsSync(join(dir, "system-under-construction", "src", "math"))).toBe(false);
    expect(await processesIn(dir)).toEqual([]);
    // the writer lock was released: the next build runs
    expect((await runPhoenix(["build", "--sandbox", "none", "extra"], { cwd: dir })).exitCode).toBe(0);
  }, 60_000);
});

describe("kill -9 while a program runs", () => {
  it("leaves no program behind: the launcher that started the agent kills it when phoenix dies", async () => {
    const dir = await calcProject({
      log: "agent-log",
      math: { "*": { write: version(1).plan["math"] as never, sleepMs: 30_000 } },
    });
    const child = execa("node", [phoenixBin, "build", "--sandbox", "none", "math"], { cwd: dir, reject: false });
    const log = join(dir, "agent-log", "runs.log");
    for (let waited = 0; !(existsSync(log) && (await readFile(log, "utf8")).includes("math 1 start")); waited += 50) {
      if (waited > 30_000) throw new Error("the agent never started");
      await sleep(50);
    }
    expect(await processesIn(dir)).not.toEqual([]);
    child.kill("SIGKILL");
    await child;
    // the agent would sleep 30 s more; it goes within moments of phoenix
    let left = await processesIn(dir);
    for (let waited = 0; left.length > 0 && waited < 5_000; waited += 100) {
      await sleep(100);
      left = await processesIn(dir);
    }
    expect(left).toEqual([]);
  }, 60_000);
});
