import { describe, expect, it } from "vitest";
import { mkdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { exampleSpecsProject } from "../../fixtures/example.js";
import { runPhoenix } from "../../fixtures/run-phoenix.js";
import { BUILT_AT, recordBaseBuild } from "../../fixtures/built-lock.js";
import { readLock, withWriterLock, writeLock } from "../lock/index.js";

/** A copy of the example project (specs with two pending deltas, the root without code) in a temp dir. */
const exampleProject = exampleSpecsProject;

/** `phoenix diff --json` when there is nothing to show but problems (docs/diff-json.md). */
const EMPTY_DIFF = {
  schema: "phoenix.diff/1", deltas: [], lockSerial: null, components: [],
  summary: { add: 0, rebuild: 0, remove: 0, none: 0, drifted: 0 }, diagnostics: [],
};

describe("phoenix diff", () => {
  it("shows every component as never built before the first build, and --exit-code says there is a delta", async () => {
    const dir = await exampleProject();
    const run = await runPhoenix(["diff"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^Desired: the specs \+ 2 deltas \(blue-button, faster\)\nCurrent: nothing built yet \(no phoenix\.lock\)\n/);
    expect(run.stdout.match(/^\+ \w+ {2}\(never-built\)$/gm)).toEqual(["+ store  (never-built)", "+ sessions  (never-built)", "+ web  (never-built)", "+ api  (never-built)"]);
    expect(run.stdout).toMatch(/Plan: 4 to build new, 0 to rebuild, 0 to remove, 0 unchanged; 0 drifted.$/);
    expect((await runPhoenix(["diff", "--exit-code"], { cwd: dir })).exitCode).toBe(1);
  });

  it("after a build of the base specs, shows exactly the two deltas at requirement and check level", async () => {
    const dir = await exampleProject();
    await recordBaseBuild(dir);
    const run = await runPhoenix(["diff"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.stdout).toBe([
      "Desired: the specs + 2 deltas (blue-button, faster)",
      "Current: phoenix.lock serial 1 and the files on disk",
      "",
      "~ web  (spec-changed)",
      "    why: spec-changed: delta blue-button changed what it must do",
      '    - WEB-2 MUST "The sign-in button is green (#15803d)."',
      '    + WEB-2 MUST "The sign-in button is blue (#1d4ed8)."',
      "",
      "~ api  (spec-changed)",
      "    why: spec-changed: delta faster changed what it must do",
      '    - check health probe "GET /health" expect p95 < 340ms expect status 200 samples 20 covers API-4',
      '    + check health probe "GET /health" expect p95 < 240ms expect status 200 samples 20 covers API-4',
      "",
      "Plan: 0 to build new, 2 to rebuild, 0 to remove, 2 unchanged; 0 drifted.",
    ].join("\n"));
  });

  it("shows drift with `!`, a file edited, added and deleted outside phoenix", async () => {
    const dir = await exampleProject();
    await recordBaseBuild(dir);
    const store = join(dir, "system-under-construction", "src", "store");
    await writeFile(join(store, "index.js"), "export const hacked = true;\n");
    await writeFile(join(store, "backdoor.js"), "export {};\n");
    const run = await runPhoenix(["diff", "store"], { cwd: dir });
    expect(run.stdout).toContain([
      "! store  (outputs-drifted)",
      "    why: outputs-drifted: 2 owned files changed outside phoenix",
      "    + file src/store/backdoor.js  (added outside phoenix)",
      "    ~ file src/store/index.js  (modified outside phoenix)",
    ].join("\n"));
    await writeFile(join(store, "index.js"), 'export const store = "built";\n');
    const { rm } = await import("node:fs/promises");
    await rm(join(dir, "system-under-construction", "src", "sessions", "index.js"));
    const deleted = await runPhoenix(["diff", "sessions"], { cwd: dir });
    expect(deleted.stdout).toContain("    - file src/sessions/index.js  (deleted outside phoenix)");
  });

  it("measures drift against the globs a component was built with, not those a delta gives it", async () => {
    const dir = await exampleProject();
    await recordBaseBuild(dir);
    await mkdir(join(dir, "system-under-construction", "src", "store-extra"), { recursive: true });
    await writeFile(join(dir, "system-under-construction", "src", "store-extra", "cache.ts"), "export {};\n");
    await writeFile(join(dir, "specs", "deltas", "wider.phx"), 'delta wider "The store MUST keep a cache" {\n  modify store {\n    owns "src/store/**", "src/store-extra/**"\n  }\n}\n');
    const run = await runPhoenix(["diff", "store"], { cwd: dir });
    expect(run.stdout).toContain([
      "~ store  (spec-changed)",
      "    why: spec-changed: delta wider changed what it must do",
      '    + owns "src/store-extra/**"',
      "",
    ].join("\n"));
    expect(run.stdout).not.toContain("outside phoenix");
  });

  it("--explain shows the hashes behind each reason; --json follows the documented schema", async () => {
    const dir = await exampleProject();
    await recordBaseBuild(dir);
    const explained = await runPhoenix(["diff", "--explain", "web"], { cwd: dir });
    expect(explained.stdout).toMatch(/why: spec-changed: .*\n {9}recorded sha256:[0-9a-f]{12}…\n {9}current  sha256:[0-9a-f]{12}…\n {4}input hash sha256:[0-9a-f]{64}/);
    const json = JSON.parse((await runPhoenix(["diff", "--json"], { cwd: dir })).stdout) as {
      schema: string; lockSerial: number; components: { name: string; symbol: string; reasons: { code: string }[] }[]; summary: Record<string, number>;
    };
    expect(json.schema).toBe("phoenix.diff/1");
    expect(json.lockSerial).toBe(1);
    expect(json.components.map((c) => [c.name, c.symbol, c.reasons.map((r) => r.code)])).toEqual([
      ["web", "~", ["spec-changed"]],
      ["api", "~", ["spec-changed"]],
    ]);
    expect(json.summary).toEqual({ add: 0, rebuild: 2, remove: 0, none: 2, drifted: 0 });
  });

  it("limits to TARGETs and their dependencies, and names an unknown target", async () => {
    const dir = await exampleProject();
    const run = await runPhoenix(["diff", "sessions"], { cwd: dir });
    expect(run.stdout.match(/^\+ \w+/gm)).toEqual(["+ store", "+ sessions"]);
    const unknown = await runPhoenix(["diff", "sesions"], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe("phoenix: no component 'sesions' in the desired state (did you mean 'sessions'?)");
  });

  it("never writes phoenix.lock", async () => {
    const dir = await exampleProject();
    await recordBaseBuild(dir);
    const lockPath = join(dir, "phoenix.lock");
    const [bytes, mtime] = [await readFile(lockPath), (await stat(lockPath)).mtimeMs];
    await runPhoenix(["diff"], { cwd: dir });
    await runPhoenix(["status"], { cwd: dir });
    expect(await readFile(lockPath)).toEqual(bytes);
    expect((await stat(lockPath)).mtimeMs).toBe(mtime);
  });

  it("refuses a corrupt phoenix.lock with its line and column and how to recover, without a stack trace", async () => {
    const dir = await exampleProject();
    await writeFile(join(dir, "phoenix.lock"), '{\n  "version": 1,\n  "components": {,\n}\n');
    const run = await runPhoenix(["diff"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/^phoenix: phoenix\.lock:3:18: /);
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });

  it("--json prints the documented shape for a corrupt phoenix.lock, the lock's problem as a diagnostic", async () => {
    const dir = await exampleProject();
    await writeFile(join(dir, "phoenix.lock"), '{\n  "version": 1,\n  "components": {,\n}\n');
    const run = await runPhoenix(["diff", "--json"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("");
    const json = JSON.parse(run.stdout) as Record<string, unknown> & { diagnostics: { code: string; message: string; span: Record<string, unknown> }[] };
    expect({ ...json, diagnostics: [] }).toEqual(EMPTY_DIFF);
    expect(json.diagnostics).toHaveLength(1);
    expect(json.diagnostics[0]).toMatchObject({ code: "lock-corrupt", severity: "error", span: { file: "phoenix.lock", line: 3, column: 18 } });
    expect(json.diagnostics[0]!.message).toMatch(/^invalid JSON: .*; to recover, delete phoenix\.lock/);
  });

  it("reports spec errors instead of a diff; --json in the documented shape, with nothing to do", async () => {
    const dir = await exampleProject();
    await writeFile(join(dir, "specs", "api.phx"), (await readFile(join(dir, "specs", "api.phx"), "utf8")).replace("depends_on store, sessions, web", "depends_on store, sessions, wbe"));
    const run = await runPhoenix(["diff"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^specs\/api\.phx:5:31: error unknown-component: component 'api' depends on 'wbe', which is not defined \(did you mean 'web'\?\)$/m);
    const json = await runPhoenix(["diff", "--json"], { cwd: dir });
    expect(json.exitCode).toBe(1);
    const report = JSON.parse(json.stdout) as Record<string, unknown> & { diagnostics: { code: string }[] };
    expect({ ...report, diagnostics: [] }).toEqual(EMPTY_DIFF);
    expect(report.diagnostics.map((d) => d.code)).toEqual(["unknown-component"]);
  });
});

describe("phoenix status", () => {
  it("shows the board: stale components, awaiting approval, drifted", async () => {
    const dir = await exampleProject();
    await recordBaseBuild(dir);
    await writeFile(join(dir, "system-under-construction", "src", "store", "index.js"), "edited\n");
    const run = await runPhoenix(["status"], { cwd: dir });
    expect(run.stdout).toBe([
      "signin: 4 components, phoenix.lock serial 1",
      "",
      "COMPONENT  STATE              LAST BUILD",
      "store      drifted            2026-11-20 10:00 UTC  1 file changed outside phoenix",
      "sessions   awaiting-approval  2026-11-20 10:00 UTC  phoenix approve sessions",
      "web        stale              2026-11-20 10:00 UTC  spec-changed",
      "api        stale              2026-11-20 10:00 UTC  spec-changed",
      "",
      "1 drifted, 1 awaiting-approval, 2 stale",
    ].join("\n"));
    expect(run.exitCode).toBe(1);
  });
});

describe("phoenix status, the andon", () => {
  it("shows a failed check and an open question first in their rows, and exits 1", async () => {
    const dir = await exampleProject();
    await recordBaseBuild(dir);
    await withWriterLock(dir, async () => {
      const { lock } = await readLock(dir);
      const next = structuredClone(lock);
      next.components.store!.checks.unit = { verdict: "fail", evidence: "STORE-2: 1 test failed", at: BUILT_AT };
      next.questions = { "sessions-Q1": { component: "sessions", text: "How long may a session live?", askedAt: BUILT_AT } };
      await writeLock(dir, next);
    }, { onWarning: () => undefined });
    const run = await runPhoenix(["status"], { cwd: dir });
    expect(run.stdout).toMatch(/^store +failed +2026-11-20 10:00 UTC +last run: unit failed$/m);
    expect(run.stdout).toMatch(/^sessions +needs-human +2026-11-20 10:00 UTC +phoenix answer sessions-Q1$/m);
    expect(run.stdout).toMatch(/^1 failed, 1 needs-human, 2 stale$/m);
    expect(run.exitCode).toBe(1);
  });
});

describe("phoenix graph", () => {
  it("prints the desired state's graph as dot, mermaid and json, dependencies first", async () => {
    const dot = await runPhoenix(["graph"]);
    expect(dot.stdout).toContain('  "store" -> "api";\n');
    expect(dot.stdout).toContain('  "web" [label="web\\n5 requirements, 3 checks", style=dashed];');
    const mermaid = await runPhoenix(["graph", "--format", "mermaid"]);
    expect(mermaid.stdout).toMatch(/^flowchart LR\n/);
    expect(mermaid.stdout).toMatch(/^  n_store --> n_sessions$/m);
    const json = JSON.parse((await runPhoenix(["graph", "--format", "json"])).stdout) as { order: string[]; edges: unknown[] };
    expect(json.order).toEqual(["store", "sessions", "web", "api"]);
    expect(json.edges).toHaveLength(4);
  });

  it("reports a cycle with its full path instead of a graph", async () => {
    const dir = await exampleProject();
    await writeFile(join(dir, "specs", "store.phx"), (await readFile(join(dir, "specs", "store.phx"), "utf8")).replace('owns "src/store/**"', 'owns "src/store/**"\n  depends_on api'));
    const run = await runPhoenix(["graph"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/error dependency-cycle: components depend on each other in a cycle: api -> store -> api/);
  });
});
