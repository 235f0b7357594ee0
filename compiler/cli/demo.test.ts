import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runPhoenix } from "../../fixtures/run-phoenix.js";

describe("phoenix demo (the README's main command)", () => {
  it("builds the example offline under real checks, takes two changes through the loop, observes the system and shows drift", async () => {
    const before = String((await execa("git", ["status", "--porcelain", "--", "specs", "system-under-construction", "phoenix.lock"], { cwd: repoRoot })).stdout);
    const demo = await runPhoenix(["demo"], { env: { ANTHROPIC_API_KEY: "" } });
    expect(demo.stderr).toBe("");
    expect(demo.exitCode, demo.stdout.slice(-3000)).toBe(0);
    const out = demo.stdout;
    expect(out).toMatch(/It has 4 components \(api, sessions, store, web\), 19 requirements and 10 checks\./);
    // the language catches mistakes before any agent runs
    expect(out).toMatch(/specs\/audit\.phx:3:3: error unknown-keyword: unknown keyword 'ownz' in component audit \(did you mean 'owns'\?\)/);
    // all new, then built: store fails attempt 1 with the failing tests named, and passes attempt 2
    expect(out).toContain("Plan: 4 to build new, 0 to rebuild, 0 to remove, 0 unchanged; 0 drifted.");
    expect(out).toContain('agent: scripted "fixtures/demo/script.json" (a replay of recorded steps, not a model)');
    expect(out).toMatch(/store attempt 1: check unit failed: exit 1 in [\d.]+s \| test\/store\/store\.test\.js:\d+:\d+ the user store > STORE-2: emails are unique, compared case-insensitively/);
    expect(out).toMatch(/✓ store green: checks passed on attempt 2 of 3/);
    expect(out).toMatch(/build green: 4 green\n/);
    // the blue button: only web is stale, with the requirement change; only web is rebuilt
    expect(out).toContain([
      "~ web  (spec-changed)",
      "    why: spec-changed: delta blue-button changed what it must do",
      '    - WEB-2 MUST "The sign-in button is green (#15803d)."',
      '    + WEB-2 MUST "The sign-in button is blue (#1d4ed8)."',
      "",
      "Plan: 0 to build new, 1 to rebuild, 0 to remove, 3 unchanged; 0 drifted.",
    ].join("\n"));
    expect(out).toMatch(/\[1\/1\] web: building \(spec-changed\)[\s\S]*?build green: 1 green, 3 unchanged/);
    // observed, then 100 ms faster: the gap between observed and desired, closed by a build
    expect(out).toMatch(/✓ api\.health: 20 × GET \/health: status 200, p50 2\d\dms, p95 2\d\dms/);
    expect(out).toMatch(/~ api {2}\(spec-changed, expectation-unmet\)\n.*\n {4}why: expectation-unmet: health: p95 observed 2\d\dms, desired < 240ms/);
    expect(out).toMatch(/\[1\/1\] api: building \(spec-changed, expectation-unmet\)\n✓ api green/);
    // a hand edit is drift
    expect(out).toContain("! web  (outputs-drifted)\n    why: outputs-drifted: 1 owned file changed outside phoenix\n    ~ file src/web/index.js  (modified outside phoenix)");
    expect(out).toContain("the same with a real agent: set ANTHROPIC_API_KEY");
    // the repository's example is as it was
    expect(existsSync(join(repoRoot, "specs", "audit.phx"))).toBe(false);
    expect(String((await execa("git", ["status", "--porcelain", "--", "specs", "system-under-construction", "phoenix.lock"], { cwd: repoRoot })).stdout)).toBe(before);
  }, 180_000);
});
