import { afterEach, describe, expect, it } from "vitest";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject, calcSpecs, type AgentPlan } from "../../fixtures/build-project.js";
import { message, startMessagesServer, toolUse, type MessagesServer, type Responder } from "../../fixtures/messages-server.js";
import { runPhoenix } from "../../fixtures/run-phoenix.js";
import { JUDGE_INSTRUCTIONS } from "../../generators/prompts.js";
import { parseLock } from "../lock/index.js";

let server: MessagesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const LOG = "agent-log";
const plan: AgentPlan = { log: LOG, extra: { "*": { write: calcCode.extra } } };
const judged = (extra = "") => calcSpecs().replace("check unit { run \"node --test test/extra.test.mjs\"", `check friendly { judge "The greeting is friendly." votes 3${extra} }\n  check unit { run "node --test test/extra.test.mjs"`);
const verdict = (pass: boolean, reasoning: string): Responder => (r) => {
  expect(r.body.system).toBe(JUDGE_INSTRUCTIONS);
  expect((r.body as unknown as { tool_choice: unknown }).tool_choice).toEqual({ type: "tool", name: "verdict" });
  expect(r.body.tools!.map((t) => t.name)).toEqual(["verdict"]);
  return message([toolUse("verdict", { pass, reasoning })]);
};

async function build(dir: string, env: Record<string, string> = {}) {
  return runPhoenix(["build", "extra", "--sandbox", "none"], { cwd: dir, env: { ANTHROPIC_API_KEY: "judge-key", ANTHROPIC_BASE_URL: server?.url ?? "", PHOENIX_JUDGE_MODEL: "claude-judge", ...env } });
}

describe("judge checks", () => {
  it("decides by majority (2 of 3 pass), keeps every vote's reasoning, and does not judge the same files twice", async () => {
    server = await startMessagesServer([
      (r) => {
        const prompt = r.body.messages[0]!.content as string;
        expect(prompt).toContain("## Rubric\nThe greeting is friendly.");
        expect(prompt).toContain("- EXTRA-1 MUST: hello() returns hello.");
        expect(prompt).toContain('### src/extra/index.js\n```\nexport function hello() { return "hello"; }');
        return verdict(true, "A plain, warm hello.")(r);
      },
      verdict(false, "Terse; no exclamation."),
      verdict(true, "Friendly enough."),
    ]);
    const dir = await calcProject(plan, { specs: judged() });
    const run = await build(dir);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(new Set(server.requests.map((r) => r.body.model))).toEqual(new Set(["claude-judge"]));
    const friendly = parseLock(await readFile(join(dir, "phoenix.lock"))).components["extra"]!.checks["friendly"]!;
    expect(friendly).toMatchObject({ verdict: "pass", evidence: "2 of 3 votes pass (claude-judge)\n- pass: A plain, warm hello.\n- fail: Terse; no exclamation.\n- pass: Friendly enough." });

    // rebuilt for a spec change that leaves the files as they were: the verdict comes from the cache
    const specs = join(dir, "specs", "calc.phx");
    await writeFile(specs, (await readFile(specs, "utf8")).replace('description "Says hello."', 'description "Says hello to people."'));
    const again = await build(dir);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(server.requests).toHaveLength(3);
    expect(parseLock(await readFile(join(dir, "phoenix.lock"))).components["extra"]!.checks["friendly"]!.evidence).toContain("(cached: the same files were judged before)");
  });

  it("fails a blocking judge by majority and feeds the reasons back to the agent", async () => {
    server = await startMessagesServer([
      verdict(false, "Says helo, not hello."), verdict(true, "Fine."), verdict(false, "Misspelt."),
      verdict(true, "Good."), verdict(true, "Good."), verdict(true, "Good."),
    ]);
    const dir = await calcProject({ log: LOG, extra: { 1: { write: calcCode.extra }, 2: { write: { "src/extra/index.js": 'export function hello() { return "hello"; } // friendly\n' } } } }, { specs: judged() });
    const run = await build(dir);
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toMatch(/extra attempt 1: check friendly failed: 1 of 3 votes pass \(claude-judge\)/);
    const feedback = await readFile(join(dir, LOG, "extra-2.feedback.md"), "utf8");
    expect(feedback).toContain("- friendly: Says helo, not hello.");
    expect(feedback).toContain("- friendly: Misspelt.");
    expect(server.requests).toHaveLength(6);
  });

  it("without an API key: a blocking judge stops the build before it starts; an advisory one waits and never blocks", async () => {
    const blocking = await calcProject(plan, { specs: judged() });
    const stopped = await runPhoenix(["build", "extra", "--sandbox", "none"], { cwd: blocking, env: { ANTHROPIC_API_KEY: "" } });
    expect(stopped.exitCode).toBe(1);
    expect(stopped.stderr).toBe("phoenix: check friendly of extra is a judge (LLM judgment) and blocks: set ANTHROPIC_API_KEY (and ANTHROPIC_BASE_URL for a gateway) so it can be judged, or make it advisory");
    const advisory = await calcProject(plan, { specs: judged(" advisory") });
    const run = await runPhoenix(["build", "extra", "--sandbox", "none"], { cwd: advisory, env: { ANTHROPIC_API_KEY: "" } });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain("extra: judge check friendly is not run by build (LLM judgment needs ANTHROPIC_API_KEY, which is not set)");
  });
});
