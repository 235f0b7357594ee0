import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync } from "node:fs";
import { readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject, calcSpecs, goodPlan, setPlan, treeHashes, type AgentPlan } from "../../fixtures/build-project.js";
import { repoRoot, runPhoenix } from "../../fixtures/run-phoenix.js";
import { parseLock } from "../lock/index.js";
import { parseJournal, type JournalEntry } from "./journal.js";

const LOG = "agent-log";
const good = goodPlan;

async function build(dir: string, ...args: string[]) {
  return runPhoenix(["build", "--sandbox", "none", ...args], { cwd: dir });
}

async function lockOf(dir: string) {
  return parseLock(await readFile(join(dir, "phoenix.lock")));
}

async function journalOf(dir: string): Promise<JournalEntry[]> {
  return parseJournal(await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).entries;
}

const root = (dir: string, path = "") => join(dir, "system-under-construction", path);

describe("phoenix build", () => {
  it("builds every stale component in dependency order, green on the first attempt, and then nothing differs", async () => {
    const dir = await calcProject(good);
    const run = await build(dir);
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/building 3 components/);
    expect(run.stdout).toMatch(/✓ math green: checks passed on attempt 1 of 3; 1 file applied/);
    expect(run.stdout).toMatch(/build green: 3 green/);
    expect(await readFile(root(dir, "src/math/index.js"), "utf8")).toBe(calcCode.math["src/math/index.js"]);
    expect(await readFile(root(dir, "src/app/main.js"), "utf8")).toBe(calcCode.app["src/app/main.js"]);
    const lock = await lockOf(dir);
    expect(Object.keys(lock.components).sort()).toEqual(["app", "extra", "math"]);
    expect(lock.components["math"]!.checks["unit"]).toMatchObject({ verdict: "pass" });
    expect(lock.components["math"]!.interfaceHash).toMatch(/^sha256:/);
    expect(lock.components["app"]!.dependencyInterfaces).toEqual({ math: lock.components["math"]!.interfaceHash });
    // math before app: the agent log records the order agents started in
    const runs = (await readFile(join(dir, LOG, "runs.log"), "utf8")).split("\n");
    expect(runs.indexOf("math 1 end")).toBeLessThan(runs.indexOf("app 1 start"));
    const diff = await runPhoenix(["diff", "--exit-code"], { cwd: dir });
    expect(diff.stdout).toContain("No differences");
    expect(diff.exitCode).toBe(0);
    const again = await build(dir);
    expect(again.stdout).toContain("nothing to build: every component is up to date");
    expect(again.exitCode).toBe(0);
    const journal = await journalOf(dir);
    expect(journal.map((e) => [e.node, e.attempt, e.outcome, e.final]).sort()).toEqual([
      ["app", 1, "green", true], ["extra", 1, "green", true], ["math", 1, "green", true],
    ]);
  });

  it("feeds a failing check back to the agent, naming the failing test, and passes on attempt 2", async () => {
    const dir = await calcProject({ ...good, math: { 1: { write: calcCode.mathWrong }, 2: { write: calcCode.math } } });
    const run = await build(dir, "math");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/math attempt 1: check unit failed: exit 1/);
    expect(run.stdout).toMatch(/✓ math green: checks passed on attempt 2 of 3/);
    const feedback = await readFile(join(dir, LOG, "math-2.feedback.md"), "utf8");
    expect(feedback).toContain("# Feedback from attempt 1");
    expect(feedback).toContain("check of math `unit` failed");
    expect(feedback).toMatch(/- test\/math\.test\.mjs:4:\d+ add adds: Expected values to be strictly equal/);
    // the context pack of attempt 2 carries the same feedback
    expect(await readFile(join(dir, LOG, "math-2.context.md"), "utf8")).toContain("## What went wrong last time: fix this first");
    expect(existsSync(join(dir, LOG, "math-1.feedback.md"))).toBe(false);
    const journal = await journalOf(dir);
    expect(journal.map((e) => [e.attempt, e.outcome, e.final])).toEqual([[1, "failed", false], [2, "green", true]]);
    expect(journal[0]!.checks).toEqual([expect.objectContaining({ check: "unit", owner: "math", verdict: "fail" })]);
  });

  it("stops the line downstream only: a node that never passes blocks its dependents, independents are built, exit 1", async () => {
    const wrong = (body: string) => ({ write: { "src/math/index.js": `export function add(a, b) { return ${body}; }\n` } });
    const dir = await calcProject({ ...good, math: { 1: wrong("a - b"), 2: wrong("a * b"), 3: wrong("a / b") } });
    const run = await build(dir);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/✗ math failed: out of attempts \(3\): unit: exit 1/);
    expect(run.stdout).toMatch(/⊘ app blocked: blocked by math \(failed\)/);
    expect(run.stdout).toMatch(/✓ extra green/);
    expect(run.stdout).toMatch(/build NOT green: 1 green, 1 failed, 1 blocked/);
    expect(existsSync(root(dir, "src/math"))).toBe(false);
    expect(existsSync(root(dir, "src/app"))).toBe(false);
    expect(Object.keys((await lockOf(dir)).components)).toEqual(["extra"]);
    const status = await runPhoenix(["status"], { cwd: dir });
    expect(status.stdout).toMatch(/math\s+failed\s+never\s+attempt 3\/3: unit: exit 1/);
    expect(status.exitCode).toBe(1);
  });

  it("stops early when an attempt fails exactly as the one before with nothing changed (no progress)", async () => {
    const dir = await calcProject({ ...good, math: { "*": { write: calcCode.mathWrong } } });
    const run = await build(dir, "math", "--max-attempts", "5");
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/✗ math failed: no progress: attempt 2 failed as attempt 1 did, with no change in between/);
    expect((await journalOf(dir)).map((e) => e.outcome)).toEqual(["failed", "no-progress"]);
  });

  it("rebuilds a changed dependency without its dependents when its interface is the same (early cutoff), and with them when it changes", async () => {
    const dir = await calcProject(good);
    expect((await build(dir)).exitCode).toBe(0);
    const specs = join(dir, "specs", "calc.phx");
    await writeFile(specs, (await readFile(specs, "utf8")).replace('"add(a, b) returns a + b."', '"add(a, b) returns the sum of a and b."'));
    await setPlan(dir, { ...good, math: { "*": { write: { "src/math/index.js": "export function add(a, b) { return b + a; }\n" } } } });
    const cutoff = await build(dir);
    expect(cutoff.exitCode).toBe(0);
    expect(cutoff.stdout).toMatch(/math: building \(spec-changed\)/);
    expect(cutoff.stdout).not.toMatch(/app: building/);
    expect(cutoff.stdout).toMatch(/build green: 1 green, 2 unchanged/);

    await writeFile(specs, (await readFile(specs, "utf8")).replace('"add(a, b) returns the sum of a and b."', '"add(a, b) returns a + b; sub(a, b) returns a - b."'));
    await setPlan(dir, { ...good, math: { "*": { write: { "src/math/index.js": "export function add(a, b) { return a + b; }\nexport function sub(a, b) { return a - b; }\n" } } } });
    const changed = await build(dir);
    expect(changed.exitCode).toBe(0);
    expect(changed.stdout).toMatch(/app: building \(dependency-interface-changed\)/);
    expect(changed.stdout).toMatch(/build green: 2 green, 1 unchanged/);
    const lock = await lockOf(dir);
    expect(lock.components["app"]!.dependencyInterfaces["math"]).toBe(lock.components["math"]!.interfaceHash);
  });

  it("builds only a target and its dependencies", async () => {
    const dir = await calcProject(good);
    const run = await build(dir, "app");
    expect(run.exitCode).toBe(0);
    expect(Object.keys((await lockOf(dir)).components).sort()).toEqual(["app", "math"]);
    const unknown = await build(dir, "ap");
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toContain("no component 'ap' in the desired state (did you mean 'app'?)");
  });

  it("prints the plan with --dry-run and changes nothing", async () => {
    const dir = await calcProject(good);
    const before = await treeHashes(dir);
    const run = await build(dir, "--dry-run");
    expect(run.exitCode).toBe(0);
    // .phoenix/ holds caches and the writer lock, never state
    const withoutCaches = (tree: Record<string, string>) => Object.fromEntries(Object.entries(tree).filter(([path]) => !path.startsWith(".phoenix/")));
    expect(run.stdout).toContain("phoenix build would regenerate these, in this order:\n  + extra: never-built");
    expect(run.stdout).toMatch(/\+ math: never-built[^\n]*\n {2}\+ app: never-built/);
    expect(withoutCaches(await treeHashes(dir))).toEqual(before);
  });

  it("marks a node needs-human when its agent asks, blocks its dependents and does not rebuild it until answered", async () => {
    const dir = await calcProject({ ...good, math: { "*": { ask: "Should add round to integers?" } } });
    const run = await build(dir);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/\? math needs-human: asked math-Q1: Should add round to integers\? \(answer it with `phoenix answer math-Q1 "\.\.\."`\)/);
    expect(run.stdout).toMatch(/⊘ app blocked: blocked by math \(needs-human\)/);
    const lock = await lockOf(dir);
    expect(lock.questions).toEqual({ "math-Q1": expect.objectContaining({ component: "math", text: "Should add round to integers?" }) });
    const status = await runPhoenix(["status"], { cwd: dir });
    expect(status.stdout).toMatch(/math\s+needs-human/);
    const again = await build(dir, "math");
    expect(again.stdout).toMatch(/\? math needs-human: waits for an answer to math-Q1/);
    expect((await journalOf(dir)).filter((e) => e.node === "math")).toHaveLength(1);
  });

  it("runs independent nodes at once up to --jobs, and one at a time with --jobs 1", async () => {
    const rendezvous: AgentPlan = {
      ...good,
      math: { "*": { write: calcCode.math, waitFor: "extra-1.context.md" } },
      extra: { "*": { write: calcCode.extra, waitFor: "math-1.context.md" } },
    };
    const dir = await calcProject(rendezvous);
    expect((await build(dir, "math", "extra", "--jobs", "2")).exitCode).toBe(0);
    const runs = await readFile(join(dir, LOG, "runs.log"), "utf8");
    expect(runs).toContain("math 1 met extra-1.context.md");
    expect(runs).toContain("extra 1 met math-1.context.md");

    const serial = await calcProject(good);
    expect((await build(serial, "--jobs", "1")).exitCode).toBe(0);
    const order = (await readFile(join(serial, LOG, "runs.log"), "utf8")).trim().split("\n").map((l) => l.split(" ").slice(0, 3).join(" "));
    for (let i = 0; i < order.length; i += 2) expect([order[i]!.replace(" start", ""), order[i + 1]!.replace(" end", "")]).toEqual([order[i]!.replace(" start", ""), order[i]!.replace(" start", "")]);
  });

  it("starts the next node while a green one applies its files, and its dependents only once they are applied", async () => {
    const dir = await calcProject(good);
    const run = await build(dir, "--jobs", "1", "--json");
    expect(run.exitCode).toBe(0);
    const events = run.stdout.trim().split("\n").map((line) => JSON.parse(line) as { type: string; node?: string });
    const at = (type: string, node: string) => events.findIndex((e) => e.type === type && e.node === node);
    // extra (first by name) passed its checks: independent math takes its slot while extra's files are applied
    expect(at("node-start", "math")).toBeGreaterThan(at("check-done", "extra"));
    expect(at("node-start", "math")).toBeLessThan(at("node-done", "extra"));
    // app reads math's interface: it starts only once math is applied
    expect(at("node-start", "app")).toBeGreaterThan(at("node-done", "math"));
    // --jobs 1 still means one agent at a time
    const order = (await readFile(join(dir, LOG, "runs.log"), "utf8")).trim().split("\n");
    expect(order).toEqual(["extra 1 start", "extra 1 end", "math 1 start", "math 1 end", "app 1 start", "app 1 end"]);
    expect(await readFile(root(dir, "src/app/main.js"), "utf8")).toBe(calcCode.app["src/app/main.js"]);
  });

  it("removes a component the specs no longer have: its files and its lock entry", async () => {
    const dir = await calcProject(good);
    expect((await build(dir)).exitCode).toBe(0);
    const specs = join(dir, "specs", "calc.phx");
    const text = await readFile(specs, "utf8");
    await writeFile(specs, text.slice(0, text.indexOf("component extra")));
    const run = await build(dir);
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("- extra: removed (1 file deleted): it is no longer in the specs");
    expect(existsSync(root(dir, "src/extra/index.js"))).toBe(false);
    expect(Object.keys((await lockOf(dir)).components).sort()).toEqual(["app", "math"]);
    expect((await runPhoenix(["diff", "--exit-code"], { cwd: dir })).exitCode).toBe(0);
  });

  it("commits each autonomous node with trailers in a git repository, and leaves supervised ones uncommitted", async () => {
    const dir = await calcProject(good, { specs: calcSpecs({ autonomy: "autonomous" }), git: true });
    expect((await build(dir, "math")).exitCode).toBe(0);
    const log = await execa("git", ["log", "--format=%B%x00"], { cwd: dir });
    const [last] = String(log.stdout).split("\0");
    expect(last).toMatch(/^phoenix: build math\n\n1 file written, 0 deleted; reasons: never-built\n\nPhoenix-Node: math\nPhoenix-Input: sha256:[0-9a-f]{64}\nPhoenix-Checks: unit=pass/);
    const files = await execa("git", ["show", "--name-only", "--format=", "HEAD"], { cwd: dir });
    expect(String(files.stdout).split("\n").sort()).toEqual(["phoenix.lock", "system-under-construction/src/math/index.js"]);
    expect(String((await execa("git", ["status", "--porcelain"], { cwd: dir })).stdout)).toBe("");

    const supervised = await calcProject(good, { git: true });
    const run = await build(supervised, "math");
    expect(run.stdout).toContain("awaiting approval (supervised): math");
    expect(String((await execa("git", ["log", "--oneline"], { cwd: supervised })).stdout).split("\n")).toHaveLength(1);
  });

  it("streams its events as JSON lines with --json", async () => {
    const dir = await calcProject(good);
    const run = await build(dir, "extra", "--json");
    expect(run.exitCode).toBe(0);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; node?: string; result?: string });
    expect(events[0]).toMatchObject({ type: "plan", nodes: [{ node: "extra", reasons: ["never-built"] }] });
    expect(events.map((e) => e.type)).toEqual(expect.arrayContaining(["node-start", "attempt-start", "agent-done", "check-start", "check-done", "attempt-done", "node-done"]));
    expect(events.at(-1)).toMatchObject({ type: "done", exitCode: 0, counts: { green: 1 } });
  });

  it("says what is wrong, before any node starts, for a missing agent, a bad flag or a bad script", async () => {
    const dir = await calcProject(good, { specs: calcSpecs().replace(/ {2}agent command .*\n/, "") });
    const none = await build(dir);
    expect(none.exitCode).toBe(1);
    expect(none.stderr).toMatch(/^phoenix: component (app|extra|math) has no agent: set `agent PROVIDER` in the system block \(or the component\), or pass --agent$/);
    const jobs = await build(dir, "--jobs", "0");
    expect(jobs.exitCode).toBe(2);
    expect(jobs.stderr).toContain("--jobs must be a whole number of at least 1, not '0'");
    await writeFile(join(dir, "script.json"), '{ "nodes": { "math": [ { "attempts": [ [ { "wrte": "x" } ] ] } ] } }');
    const script = await build(dir, "--agent", "scripted:script.json");
    expect(script.exitCode).toBe(1);
    expect(script.stderr).toMatch(/^phoenix: scripted agent: .*script\.json: at nodes\.math\.0\.attempts\.0\.0: /);
    const provider = await build(dir, "--agent", "gpt");
    expect(provider.exitCode).toBe(2);
    expect(provider.stderr).toContain("--agent: unknown provider 'gpt'");
    expect(existsSync(join(dir, "phoenix.lock"))).toBe(false);
  });

  it("builds with the scripted agent, named as a replay wherever it shows", async () => {
    const dir = await calcProject(good);
    await writeFile(join(dir, "script.json"), JSON.stringify({
      nodes: {
        extra: [{ attempts: [[{ write: "src/extra/index.js", content: calcCode.extra["src/extra/index.js"] }]] }],
      },
    }));
    const run = await build(dir, "extra", "--agent", "scripted:script.json");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('agent: scripted "script.json" (a replay of recorded steps, not a model)');
    expect((await journalOf(dir))[0]!.agent).toBe('scripted "script.json" (a replay of recorded steps, not a model)');
    expect((await lockOf(dir)).components["extra"]!.agent).toEqual({ provider: "scripted", argument: "script.json" });
  });

  it("runs the system's checks for every node and feeds their failures back; an advisory check never blocks", async () => {
    const specs = calcSpecs().replace('protect "test/**"', 'protect "test/**"\n  check syntax { run "for f in $(find src -name \'*.js\'); do node --check $f || exit 1; done" }')
      .replace("check unit { run \"node --test test/extra.test.mjs\"", 'check style { run "grep -q hello src/extra/index.js && exit 1 || exit 0" advisory }\n  check unit { run "node --test test/extra.test.mjs"');
    const dir = await calcProject({ ...good, extra: { 1: { write: { "src/extra/index.js": "export function hello( {" } }, 2: { write: calcCode.extra } } }, { specs });
    const run = await build(dir, "extra");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/extra attempt 1: system check syntax failed: exit 1/);
    expect(run.stdout).toMatch(/extra attempt 2: check style failed \(advisory\)/);
    const feedback = await readFile(join(dir, LOG, "extra-2.feedback.md"), "utf8");
    expect(feedback).toContain("## system check `syntax` failed");
    expect(feedback).toContain("SyntaxError");
    const lock = await lockOf(dir);
    expect(lock.components["extra"]!.checks).toEqual({
      style: expect.objectContaining({ verdict: "fail" }), unit: expect.objectContaining({ verdict: "pass" }), "system.syntax": expect.objectContaining({ verdict: "pass" }),
    });
  });

  it("shows a live status line per running node on a terminal", async () => {
    const dir = await calcProject({ ...good, extra: { "*": { write: calcCode.extra, sleepMs: 300 } } });
    // `script` gives phoenix a real pseudo-terminal
    const run = await execa("script", ["-qec", `node ${JSON.stringify(join(repoRoot, "dist/compiler/cli/main.js"))} build extra --sandbox none`, "/dev/null"], { cwd: dir, reject: false, env: { NO_COLOR: "1" } });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("  [1/1] extra attempt 1/3: agent working");
    expect(run.stdout).toContain("  [1/1] extra attempt 1/3: running check unit");
    // the live block is erased before the next log line
    expect(run.stdout).toMatch(/\u001b\[1A\u001b\[0J✓ extra green/);
  });

  it("leaves no workspace behind", async () => {
    const dir = await calcProject({ ...good, math: { "*": { write: calcCode.mathWrong } } });
    await build(dir);
    expect(await readdir(join(dir, ".phoenix", "build")).catch(() => [])).toEqual([]);
    expect(existsSync(join(dir, ".phoenix", "apply")) ? await readdir(join(dir, ".phoenix", "apply")) : []).toEqual([]);
  });
});
