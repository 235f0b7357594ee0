import { describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { repoRoot, runPhoenix } from "../../fixtures/run-phoenix.js";

describe("phoenix demo", () => {
  it("walks through the example offline, shows every mistake with its place, and ends green", async () => {
    const demo = await runPhoenix(["demo"], { env: { ANTHROPIC_API_KEY: "" } });
    expect(demo.stderr).toBe("");
    expect(demo.exitCode).toBe(0);
    expect(demo.stdout).toMatch(/It has 4 components \(api, sessions, store, web\)/);
    expect(demo.stdout).toMatch(/specs\/audit\.phx:3:3: error unknown-keyword: unknown keyword 'ownz' in component audit \(did you mean 'owns'\?\)/);
    expect(demo.stdout).toMatch(/specs\/audit\.phx:5:\d+: error reason-required: requirement AUD-2 is SHOULD/);
    expect(demo.stdout).toMatch(/error missing-brace: missing '\}' to close check unit/);
    expect(demo.stdout).toMatch(/specs\/audit\.phx:1:17: error missing-brace: missing '\}' to close component audit/);
    // the file as fmt left it: canonical layout, the comment kept
    expect(demo.stdout).toContain([
      '      owns "src/audit/**"  // the agent may write only here',
      "",
      '      requirement AUD-1 MUST "Every sign-in attempt is recorded with its time and outcome."',
      '      requirement AUD-2 SHOULD "Records are kept for 30 days."',
      '        because "support looks back a month"',
      "      check unit {",
    ].join("\n"));
    expect(demo.stdout).toMatch(/== 5\. phoenix check, again\nGreen again\.\n0 errors, 0 warnings in 8 files\n\(exit 0\)\n/);
    expect(demo.stdout).toMatch(/^ {2}n_store --> n_sessions$/m);
    expect(demo.stdout).toMatch(/^2 pending deltas: 2 ok$/m);
    expect(demo.stdout).toMatch(/^web +stale +never +never-built$/m);
    expect(demo.stdout).toMatch(/\(exit 0\)\n\nThat is phoenix's language and compiler/);
  });

  it("leaves the repository's example untouched", async () => {
    await runPhoenix(["demo"]);
    expect(existsSync(join(repoRoot, "specs", "audit.phx"))).toBe(false);
  });
});
