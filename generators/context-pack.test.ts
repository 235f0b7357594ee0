import { describe, expect, it } from "vitest";
import { cp, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, runPhoenix, tempDir } from "../fixtures/run-phoenix.js";
import { estimateTokens, fitBudget, type PackPart } from "./context-pack.js";
import { JUDGE_INSTRUCTIONS, PROMPT_VERSION, PROGRAM_AGENT_NOTE, promptVersionOf, INSTRUCTIONS, TOOL_DESCRIPTIONS } from "./prompts.js";

/** The example system as committed (its code, without phoenix.lock): api's dependencies have real interfaces. */
async function example(): Promise<string> {
  const dir = await tempDir();
  for (const folder of ["specs", "system-under-construction"]) await cp(join(repoRoot, folder), join(dir, folder), { recursive: true });
  return dir;
}

const golden = join(repoRoot, "fixtures", "context", "api.md");

describe("phoenix context", () => {
  it("prints the pack api's agent gets: every part labelled with its source and tokens, in a stable order (golden)", async () => {
    const dir = await example();
    const run = await runPhoenix(["context", "api"], { cwd: dir });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    const text = `${run.stdout.replace(PROMPT_VERSION, "PROMPT_VERSION")}\n`;
    if (process.env["UPDATE_GOLDEN"] === "1") await writeFile(golden, text);
    expect(text).toBe(await readFile(golden, "utf8"));
    // a dependency's interface is its declarations with their doc comments, not its code
    expect(run.stdout).toContain(" * Whether `password` hashes to `stored`, compared in constant time.");
    expect(run.stdout).toContain("export function passwordMatches(password: string, stored: string): boolean;");
    expect(run.stdout).not.toContain("timingSafeEqual(actual, expected)");
    // the same again: stable
    expect((await runPhoenix(["context", "api"], { cwd: dir })).stdout).toBe(run.stdout);
  });

  it("keeps within --budget, leaving out the own files and interfaces first and never the spec, rules or feedback", async () => {
    const dir = await example();
    await mkdir(join(dir, ".phoenix", "feedback"), { recursive: true });
    await writeFile(join(dir, ".phoenix", "feedback", "api.md"), "The last build of api failed.\n- test/api/api.test.js:3:1 API-1: expected 200");
    await writeFile(join(dir, "system-under-construction", "src", "api", "big.js"), `// ${"x".repeat(40_000)}\n`);
    const run = await runPhoenix(["context", "api", "--budget", "1200", "--json"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    const pack = JSON.parse(run.stdout) as { tokens: number; budget: number; parts: { kind: string; title: string }[]; leftOut: { title: string }[] };
    expect(pack.tokens).toBeLessThanOrEqual(1200);
    expect(pack.parts.map((p) => p.kind)).toEqual(expect.arrayContaining(["instructions", "spec", "rules", "feedback"]));
    // own files go first (largest first), then interfaces (largest first), then the README
    const kinds = pack.leftOut.map((l) => (l.title.startsWith("Your current file") ? "file" : l.title.startsWith("Dependency") ? "dependency" : l.title));
    expect(pack.leftOut[0]!.title).toBe("Your current file src/api/big.js");
    expect(kinds.slice(0, 4)).toEqual(["file", "file", "file", "dependency"]);
    expect(kinds.lastIndexOf("file")).toBeLessThan(kinds.indexOf("dependency"));
    const text = await runPhoenix(["context", "api", "--budget", "1200"], { cwd: dir });
    expect(text.stdout).toContain("## Left out to fit the budget\n- Your current file src/api/big.js (from system-under-construction/src/api/big.js, ~10004 tokens)");
    expect(text.stdout).toContain("## What went wrong last time: fix this first\n_(from phoenix build");
    // with more room, the big file is cut rather than left out
    const roomier = await runPhoenix(["context", "api", "--budget", "9000"], { cwd: dir });
    expect(roomier.stdout).toMatch(/## Your current file src\/api\/big\.js\n_\(from system-under-construction\/src\/api\/big\.js, ~\d+ tokens; cut by \d+ tokens to fit\)_/);
    expect(roomier.stdout).toContain("[... cut here to fit the budget]");
  });

  it("says which node it does not know, and what is wrong with --budget", async () => {
    const dir = await example();
    const unknown = await runPhoenix(["context", "wbe"], { cwd: dir });
    expect(unknown.exitCode).toBe(2);
    expect(unknown.stderr).toBe("phoenix: no component 'wbe' in the desired state (did you mean 'web'?)");
    const budget = await runPhoenix(["context", "web", "--budget", "lots"], { cwd: dir });
    expect(budget.exitCode).toBe(2);
    expect(budget.stderr).toBe("phoenix: --budget must be a whole number of tokens, at least 1, not 'lots'");
  });
});

describe("fitting the budget", () => {
  const part = (kind: PackPart["kind"], title: string, chars: number): PackPart => ({ kind, title, source: "s", text: "y".repeat(chars), tokens: estimateTokens("y".repeat(chars)) });

  it("cuts the largest droppable part first, and leaves a part out rather than keep a stub of it", () => {
    const parts = [part("spec", "spec", 4000), part("readme", "readme", 4000), part("file", "small", 400), part("file", "big", 8000), part("feedback", "feedback", 2000)];
    const { kept, leftOut } = fitBudget(parts, 3000);
    expect(kept.map((p) => [p.title, p.tokens])).toEqual([["spec", 1000], ["readme", 1000], ["small", 100], ["big", 400], ["feedback", 500]]);
    expect(kept.find((p) => p.title === "big")!.cutTokens).toBe(1600);
    const tight = fitBudget(parts, 1600);
    expect(tight.leftOut.map((l) => l.title)).toEqual(["big", "small", "readme"]);
    expect(tight.kept.map((p) => p.title)).toEqual(["spec", "feedback"]);
  });

  it("keeps the parts that are never dropped even when they alone are over budget", () => {
    const { kept } = fitBudget([part("spec", "spec", 40_000), part("feedback", "feedback", 4000)], 100);
    expect(kept.map((p) => p.title)).toEqual(["spec", "feedback"]);
  });
});

describe("the prompt version", () => {
  it("is a hash of the templates: any edit to them changes it, and so every node's input hash", () => {
    expect(PROMPT_VERSION).toMatch(/^phoenix-prompts-[0-9a-f]{12}$/);
    const templates = { instructions: INSTRUCTIONS, tools: TOOL_DESCRIPTIONS, programNote: PROGRAM_AGENT_NOTE, judge: JUDGE_INSTRUCTIONS };
    expect(promptVersionOf(templates)).toBe(PROMPT_VERSION);
    expect(promptVersionOf({ ...templates, instructions: `${INSTRUCTIONS} ` })).not.toBe(PROMPT_VERSION);
    expect(promptVersionOf({ ...templates, tools: { ...TOOL_DESCRIPTIONS, done: "Finish." } })).not.toBe(PROMPT_VERSION);
    expect(promptVersionOf({ ...templates, programNote: "" })).not.toBe(PROMPT_VERSION);
    expect(promptVersionOf({ ...templates, judge: "" })).not.toBe(PROMPT_VERSION);
  });
});
