import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcProject, calcSpecs } from "../../fixtures/build-project.js";
import { runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";
import type { HumanEvent, JournalEntry } from "../build/journal.js";
import { computeReport } from "./metrics.js";

/**
 * A journal with figures worked out by hand (times UTC):
 *
 * a (supervised): 2026-11-20 B1 green on attempt 1 (10:00:00-10:00:10); B2 unit fails on attempt
 *   1 (11:00:00-11:00:10), green on attempt 2 (-11:00:30), 300 in / 30 out tokens; 2026-11-21 B3-B7
 *   green on attempt 1 (hh:00:00-hh:00:10 for hh = 10..14).
 *   builds 7, first-pass 6 (6/7), mean attempts 8/7, lead times 10,30,10,10,10,10,10 s.
 * b (autonomous): 2026-11-20 B1 unit fails (12:00:00-:10), a refused write (-:20), unit and system
 *   typecheck fail (-:30), out of attempts; 2026-11-21 B2 green on attempt 1 (09:00:00-09:00:10);
 *   rejected at 09:30; B3 asks a question (15:00:00-15:00:05).
 *   builds 3, first-pass 1 (1/3), mean attempts 5/3, one lead time of 21h 0m 10s (75610 s).
 */
function fixtureJournal(): { entries: JournalEntry[]; events: HumanEvent[] } {
  const entries: JournalEntry[] = [];
  const add = (build: string, node: string, attempt: number, outcome: JournalEntry["outcome"], final: boolean, end: string, seconds: number, extra: Partial<JournalEntry> = {}) =>
    entries.push({
      v: 1, build, at: end, node, attempt, maxAttempts: 3, reasons: ["spec-changed"], agent: "command", inputHash: "sha256:x",
      durationMs: seconds * 1000, outcome, final, checks: [], refused: [], ...extra,
    });
  const fail = (check: string, owner: string) => ({ check, owner, verdict: "fail", durationMs: 100 });
  add("B1", "a", 1, "green", true, "2026-11-20T10:00:10.000Z", 10);
  add("B2", "a", 1, "failed", false, "2026-11-20T11:00:10.000Z", 10, { checks: [fail("unit", "a")], tokens: { input: 100, output: 10 } });
  add("B2", "a", 2, "green", true, "2026-11-20T11:00:30.000Z", 20, { tokens: { input: 200, output: 20 } });
  for (const hour of [10, 11, 12, 13, 14]) add(`B${hour - 7}`, "a", 1, "green", true, `2026-11-21T${hour}:00:10.000Z`, 10);
  add("B1", "b", 1, "failed", false, "2026-11-20T12:00:10.000Z", 10, { checks: [fail("unit", "b")] });
  add("B1", "b", 2, "refused", false, "2026-11-20T12:00:20.000Z", 10, { refused: [{ path: "test/b.test.ts", reason: "protected", message: "protected" }] });
  add("B1", "b", 3, "failed", true, "2026-11-20T12:00:30.000Z", 10, { checks: [fail("unit", "b"), fail("typecheck", "system")] });
  add("B2", "b", 1, "green", true, "2026-11-21T09:00:10.000Z", 10);
  add("B3", "b", 1, "question", true, "2026-11-21T15:00:05.000Z", 5);
  // a build killed before its last attempt ended is not counted
  add("B9", "b", 1, "failed", false, "2026-11-21T16:00:00.000Z", 5);
  const events: HumanEvent[] = [{ v: 1, event: "reject", at: "2026-11-21T09:30:00.000Z", node: "b", by: "Lin", reason: "too clever" }];
  return { entries, events };
}

describe("the kaizen report's figures", () => {
  it("match the hand-computed values", () => {
    const { entries, events } = fixtureJournal();
    const report = computeReport(entries, events, { autonomy: { a: "supervised", b: "autonomous" }, prices: { input: 3, output: 15 } });
    const a = report.components["a"]!;
    expect([a.builds, a.green, a.firstPassGreen, a.firstPassYield, a.meanAttempts]).toEqual([7, 7, 6, 6 / 7, 8 / 7]);
    expect(a.leadTime).toEqual({ count: 7, meanMs: 90_000 / 7, medianMs: 10_000 });
    expect(a.failuresByCheck).toEqual({ "a.unit": 1 });
    expect(a.tokens).toEqual({ input: 300, output: 30 });
    expect(a.trust).toEqual({ autonomy: "supervised", recommendation: "promote", why: "5 first-pass-green builds in a row and no rejection: recommend `autonomy autonomous`" });
    const b = report.components["b"]!;
    expect([b.builds, b.green, b.firstPassGreen, b.firstPassYield, b.meanAttempts]).toEqual([3, 1, 1, 1 / 3, 5 / 3]);
    expect(b.leadTime).toEqual({ count: 1, meanMs: 75_610_000, medianMs: 75_610_000 });
    expect(b.failuresByCheck).toEqual({ "b.unit": 2, "system.typecheck": 1 });
    expect([b.refusals, b.questions, b.rejections, b.adoptions]).toEqual([1, 1, 1, 0]);
    expect(b.trust).toEqual({ autonomy: "autonomous", recommendation: "demote", why: "a rejection in its last 3 builds: recommend `autonomy supervised`" });
    const all = report.overall;
    expect([all.builds, all.firstPassGreen, all.firstPassYield, all.meanAttempts]).toEqual([10, 7, 0.7, 1.3]);
    expect(all.leadTime).toEqual({ count: 8, meanMs: 75_700_000 / 8, medianMs: 10_000 });
    expect(all.cost).toBeCloseTo(0.00135, 10);
    expect(report.trend).toEqual([
      { day: "2026-11-20", builds: 3, firstPassYield: 1 / 3, meanAttempts: 2 },
      { day: "2026-11-21", builds: 7, firstPassYield: 6 / 7, meanAttempts: 1 },
    ]);
  });

  it("counts only what happened since --since", () => {
    const { entries, events } = fixtureJournal();
    const report = computeReport(entries, events, { since: "2026-11-21" });
    expect(report.overall.builds).toBe(7);
    expect(report.components["b"]!.rejections).toBe(1);
    expect(Object.keys(report.components["a"]!.failuresByCheck)).toEqual([]);
  });
});

async function projectWithJournal(): Promise<string> {
  const dir = await calcProject({}, { specs: calcSpecs().replace(/component (\w+) \{/g, (_, name: string) => `component ${name === "math" ? "a" : name === "extra" ? "b" : name} {`).replace("depends_on math", "depends_on a")
    .replace('component b {', 'component b {\n  autonomy autonomous') });
  const { entries, events } = fixtureJournal();
  await mkdir(join(dir, ".phoenix"), { recursive: true });
  await writeFile(join(dir, ".phoenix", "journal.jsonl"), `${[...entries, ...events].map((e) => JSON.stringify(e)).join("\n")}\n{"torn`);
  return dir;
}

describe("phoenix report", () => {
  it("prints the table, the failing checks and the trust recommendations", async () => {
    const dir = await projectWithJournal();
    const run = await runPhoenix(["report", "--prices", "3,15"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout.split("\n").slice(0, 6).join("\n")).toBe([
      "phoenix report: calc, 10 builds",
      "",
      "         BUILDS  FIRST-PASS  ATTEMPTS  LEAD TIME  CHECK FAILS  REFUSALS  QUESTIONS  OVERRIDES  TOKENS   COST",
      "overall      10         70%       1.3       2.6h            4         1          1          1     330  $0.00",
      "a             7         86%       1.1      12.9s            1         0          0          0     330  $0.00",
      "b             3         33%       1.7      21.0h            3         1          1          1       -  $0.00",
    ].join("\n"));
    expect(run.stdout).toContain("Failing checks: b.unit 2, a.unit 1, system.typecheck 1");
    expect(run.stdout).toContain("  b (autonomous): demote: a rejection in its last 3 builds: recommend `autonomy supervised`");
    expect(run.stderr).toBe("phoenix: warning: 1 journal line was torn or not understood, and left out");
    const json = JSON.parse((await runPhoenix(["report", "--json", "--since", "2026-11-21"], { cwd: dir })).stdout) as { schema: string; overall: { builds: number } };
    expect(json).toMatchObject({ schema: "phoenix.report/1", overall: { builds: 7 } });
    const bad = await runPhoenix(["report", "--since", "last week"], { cwd: dir });
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toBe("phoenix: --since must be a date (YYYY-MM-DD) or a time (ISO 8601), not 'last week'");
  });

  it("writes an HTML report that headless Chromium renders: the graph coloured by state and the trend charts", async () => {
    const dir = await projectWithJournal();
    const run = await runPhoenix(["report", "--html", "report.html"], { cwd: dir });
    expect(run.stdout).toBe("wrote report.html");
    const profile = await tempDir("phoenix-chromium-");
    const chromium = await execa("chromium", [
      "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
      "--disable-component-update", "--disable-sync", `--user-data-dir=${profile}`, "--virtual-time-budget=2000", "--dump-dom", `file://${join(dir, "report.html")}`,
    ], { reject: false });
    const dom = String(chromium.stdout);
    expect(dom, String(chromium.stderr)).toContain('data-rendered="yes"');
    // every component is a node of the graph, coloured by its state (nothing built: stale)
    for (const node of ["a", "app", "b"]) expect(dom).toMatch(new RegExp(`<g class="node" data-node="${node}" data-state="stale"><title>${node}: stale</title><rect [^>]*fill="#ca8a04"`));
    expect(dom).toContain('data-edge="a-&gt;app"');
    expect(dom).toContain("<title>2026-11-20: 33% first-pass (3 builds)</title>");
    expect(dom).toContain("<title>2026-11-21: 86% first-pass (7 builds)</title>");
    expect(dom).toContain("<title>2026-11-20: 2.0 attempts (3 builds)</title>");
    expect(dom).toMatch(/<pre id="summary">[^<]*overall {6}10 {9}70%/);
    expect(await readFile(join(dir, "report.html"), "utf8")).not.toMatch(/<script src=|<link |https?:\/\/(?!www\.w3\.org\/2000\/svg")/);
  });
});
