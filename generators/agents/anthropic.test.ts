import { afterEach, describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject } from "../../fixtures/build-project.js";
import { error, lastToolResults, message, startMessagesServer, text, toolUse, type MessagesServer, type Responder } from "../../fixtures/messages-server.js";
import { runPhoenix } from "../../fixtures/run-phoenix.js";
import { parseLock } from "../../compiler/lock/index.js";
import { parseJournal } from "../../compiler/build/journal.js";
import { INSTRUCTIONS } from "../prompts.js";

let server: MessagesServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

const right = calcCode.extra["src/extra/index.js"];
const wrong = 'export function hello() { return "helo"; }\n';

async function buildWith(responders: Responder[], env: Record<string, string> = {}, args: string[] = []) {
  server = await startMessagesServer(responders);
  const dir = await calcProject({});
  const run = await runPhoenix(["build", "extra", "--agent", "anthropic:claude-test", "--sandbox", "none", ...args], {
    cwd: dir, env: { ANTHROPIC_API_KEY: "test-key", ANTHROPIC_BASE_URL: server.url, ...env },
  });
  return { dir, run, requests: server.requests };
}

describe("the anthropic agent, against a local Messages API server", () => {
  it("builds a node through tools: writes, runs the checks, sees the failure, fixes it and says done", async () => {
    const { dir, run, requests } = await buildWith([
      (r) => {
        expect(r.body.system).toBe(INSTRUCTIONS);
        expect(r.body.messages[0]!.content).toMatch(/^# phoenix context pack: component extra, attempt 1\n/);
        expect(r.body.tools!.map((t) => t.name)).toEqual(["list_files", "read_file", "write_file", "delete_file", "run_checks", "ask_human", "done"]);
        return message([text("I will write the module."), toolUse("write_file", { path: "src/extra/index.js", content: wrong })]);
      },
      (r) => {
        expect(lastToolResults(r)).toBe("wrote src/extra/index.js");
        return message([toolUse("run_checks")]);
      },
      (r) => {
        expect(lastToolResults(r)).toMatch(/^check unit: FAILED \(exit 1 in [\d.]+s\)\n {2}- test\/extra\.test\.mjs:4:\d+ hello says hello: Expected values to be strictly equal/);
        return message([toolUse("read_file", { path: "test/extra.test.mjs" }), toolUse("write_file", { path: "src/extra/index.js", content: right })]);
      },
      (r) => {
        expect(lastToolResults(r)).toContain('assert.strictEqual(hello(), "hello")');
        return message([toolUse("run_checks")]);
      },
      (r) => {
        expect(lastToolResults(r)).toMatch(/^check unit: passed/);
        return message([toolUse("done", { summary: "hello() returns hello" })], { input_tokens: 300, output_tokens: 10 });
      },
    ]);
    expect(run.stderr).toBe("");
    expect(run.exitCode, run.stdout).toBe(0);
    expect(run.stdout).toContain('agent: anthropic "claude-test"');
    expect(requests).toHaveLength(5);
    // the SDK sends the key as a bearer token
    expect(new Set(requests.map((r) => `${r.path} ${r.headers["authorization"] ?? r.headers["x-api-key"]} ${r.body.model}`))).toEqual(new Set(["/v1/messages Bearer test-key claude-test"]));
    expect(await readFile(join(dir, "system-under-construction", "src", "extra", "index.js"), "utf8")).toBe(right);
    const [entry] = parseJournal(await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).entries;
    expect(entry).toMatchObject({ outcome: "green", tokens: { input: 700, output: 90 } });
    expect(parseLock(await readFile(join(dir, "phoenix.lock"))).components["extra"]!.agent).toEqual({ provider: "anthropic", argument: "claude-test" });
  });

  it("retries an overloaded API (529) with backoff, then goes on", async () => {
    const { run, requests } = await buildWith([
      () => error(529, "overloaded_error", "Overloaded", { "retry-after-ms": "20" }),
      () => error(429, "rate_limit_error", "Too many requests", { "retry-after-ms": "20" }),
      () => message([toolUse("write_file", { path: "src/extra/index.js", content: right })]),
      () => message([toolUse("done")]),
    ]);
    expect(run.exitCode).toBe(0);
    expect(requests).toHaveLength(4);
    expect(requests[1]!.body).toEqual(requests[0]!.body);
    expect(requests[2]!.body).toEqual(requests[0]!.body);
  });

  it("fails an attempt on a reply it cannot read, and tells the next attempt", async () => {
    const { run, requests } = await buildWith([
      () => ({ body: { type: "message", role: "assistant", content: "not a list of blocks" } }),
      (r) => {
        expect(r.body.messages[0]!.content).toContain("The agent did not finish: the Messages API sent a reply phoenix cannot read");
        return message([toolUse("write_file", { path: "src/extra/index.js", content: right }), toolUse("done")]);
      },
    ]);
    expect(run.stdout).toMatch(/extra attempt 1: the agent failed: the Messages API sent a reply phoenix cannot read/);
    expect(run.exitCode).toBe(0);
    expect(requests).toHaveLength(2);
  });

  it("refuses a write outside the component's files as the tool is called, and the attempt fails", async () => {
    const { dir, run, requests } = await buildWith([
      () => message([toolUse("write_file", { path: "test/extra.test.mjs", content: "// gone" })]),
      (r) => {
        expect(lastToolResults(r)).toBe("[error] refused (protected): test/extra.test.mjs is protected (test/**): no agent may change it; make the code pass it instead");
        return message([toolUse("write_file", { path: "src/extra/index.js", content: right }), toolUse("done")]);
      },
      (r) => {
        expect(r.body.messages[0]!.content).toContain("- test/extra.test.mjs: protected: test/extra.test.mjs is protected");
        return message([toolUse("write_file", { path: "src/extra/index.js", content: right }), toolUse("done")]);
      },
    ]);
    expect(run.stdout).toMatch(/extra attempt 1: refused test\/extra\.test\.mjs/);
    expect(run.exitCode).toBe(0);
    expect(requests).toHaveLength(3);
    expect(await readFile(join(dir, "system-under-construction", "test", "extra.test.mjs"), "utf8")).toContain("hello says hello");
  });

  it("asks a person instead of guessing: the node needs a human", async () => {
    const { dir, run } = await buildWith([
      () => message([toolUse("ask_human", { question: "Should hello() greet by name?", options: ["yes", "no"] })]),
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("? extra needs-human: asked extra-Q1: Should hello() greet by name?");
    expect(parseLock(await readFile(join(dir, "phoenix.lock"))).questions).toEqual({
      "extra-Q1": expect.objectContaining({ component: "extra", text: "Should hello() greet by name?", options: ["yes", "no"] }),
    });
  });

  it("stops an attempt at the turn limit", async () => {
    const listing = () => message([toolUse("list_files")]);
    const { run } = await buildWith([listing, listing, listing, listing], { PHOENIX_ANTHROPIC_MAX_TURNS: "2" }, ["--max-attempts", "2"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("the agent failed: the agent used all 2 turns without saying it was done");
  });

  it("says what is missing before any node starts: no API key", async () => {
    const dir = await calcProject({});
    const run = await runPhoenix(["build", "extra", "--agent", "anthropic"], { cwd: dir, env: { ANTHROPIC_API_KEY: "" } });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("phoenix: agent anthropic: ANTHROPIC_API_KEY is not set; export your API key (and ANTHROPIC_BASE_URL for a gateway), or choose another agent with --agent");
    expect(run.stdout).toBe("");
  });
});
