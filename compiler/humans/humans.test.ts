import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject, calcSpecs, goodPlan, setPlan, type AgentPlan } from "../../fixtures/build-project.js";
import { runPhoenix } from "../../fixtures/run-phoenix.js";
import { parseJournal } from "../build/journal.js";
import { parseLock } from "../lock/index.js";

const LOG = "agent-log";
const good = goodPlan;
const phoenix = (dir: string, ...args: string[]) => runPhoenix(args, { cwd: dir });
const build = (dir: string, ...args: string[]) => phoenix(dir, "build", "--sandbox", "none", ...args);
const lockOf = async (dir: string) => parseLock(await readFile(join(dir, "phoenix.lock")));
const specs = (dir: string) => join(dir, "specs", "calc.phx");

describe("questions and answers", () => {
  it("question -> answer -> the rebuild uses the answer, written into the spec as a decision and nothing else changed", async () => {
    const dir = await calcProject(good);
    // the scripted agent writes the code once its context pack holds the answer, and asks until then
    await writeFile(join(dir, "script.json"), JSON.stringify({
      nodes: {
        extra: [
          { when: "extra-Q1: Which greeting? -> hello, in lower case", attempts: [[{ write: "src/extra/index.js", content: calcCode.extra["src/extra/index.js"] }]] },
          { attempts: [[{ ask: "Which greeting?", options: ["hello", "Hello"] }]] },
        ],
      },
    }));
    const asked = await build(dir, "extra", "--agent", "scripted:script.json");
    expect(asked.exitCode).toBe(1);
    const questions = await phoenix(dir, "questions");
    expect(questions.stdout).toMatch(/^extra-Q1 {2}\(extra, asked \d{4}-\d\d-\d\d \d\d:\d\d UTC on attempt 1 by scripted "script\.json" \(a replay of recorded steps, not a model\)\)\n {2}Which greeting\?\n {2}options: hello \| Hello\n\n1 open question: answer with `phoenix answer ID "your answer"`$/);

    const before = await readFile(specs(dir), "utf8");
    const answered = await phoenix(dir, "answer", "extra-Q1", "hello, in lower case");
    expect(answered.exitCode).toBe(0);
    expect(answered.stdout).toBe("specs/calc.phx: added decision extra-Q1 to component extra\nextra is stale now (spec-changed): `phoenix build extra` rebuilds it with the answer in its context");
    const after = await readFile(specs(dir), "utf8");
    const line = '  decision extra-Q1 "Which greeting?" answer "hello, in lower case"\n';
    const at = before.lastIndexOf("}");
    expect(after).toBe(`${before.slice(0, at)}${line}${before.slice(at)}`);
    expect((await lockOf(dir)).questions).toBeUndefined();
    expect((await phoenix(dir, "diff", "extra")).stdout).toMatch(/\+ extra {2}\(never-built\)[\s\S]*\+ decision extra-Q1 "Which greeting\?" answer "hello, in lower case"/);

    const rebuilt = await build(dir, "extra", "--agent", "scripted:script.json");
    expect(rebuilt.exitCode, rebuilt.stdout).toBe(0);
    expect((await lockOf(dir)).components["extra"]!.spec.decisions).toEqual([{ id: "extra-Q1", question: "Which greeting?", answer: "hello, in lower case" }]);

    const again = await phoenix(dir, "answer", "extra-Q1", "Hello");
    expect(again.exitCode).toBe(1);
    expect(again.stderr).toMatch(/^phoenix: extra-Q1 is already answered: decision extra-Q1 in specs\/calc\.phx:\d+:3/);
    const unknown = await phoenix(dir, "answer", "extra-Q9", "x");
    expect(unknown.stderr).toBe("phoenix: there is no open question extra-Q9; `phoenix questions` lists them");
    const events = parseJournal(await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).events;
    expect(events).toEqual([expect.objectContaining({ event: "answer", node: "extra", question: "extra-Q1", reason: "hello, in lower case" })]);
  });
});

describe("approvals", () => {
  it("binds an approval to the outputs: a later change voids it", async () => {
    const dir = await calcProject(good, { git: true });
    expect((await build(dir, "extra")).exitCode).toBe(0);
    expect((await phoenix(dir, "status")).stdout).toMatch(/extra\s+awaiting-approval\s+.*phoenix approve extra/);
    const approved = await phoenix(dir, "approve", "extra", "--by", "Ada", "--note", "reads well");
    expect(approved.stdout).toMatch(/^approved extra as Ada, bound to outputs sha256:[0-9a-f]{12}; a change to them voids it$/);
    expect((await phoenix(dir, "status")).stdout).toMatch(/extra\s+green/);
    const approvals = (await lockOf(dir)).components["extra"]!.approvals;
    expect(approvals).toEqual([expect.objectContaining({ by: "Ada", note: "reads well", outputHash: (await lockOf(dir)).components["extra"]!.outputHash })]);
    // in a git repository the approval is a commit of the component's files and phoenix.lock
    const log = String((await execa("git", ["log", "-1", "--format=%B", "--name-only"], { cwd: dir })).stdout);
    expect(log).toContain("phoenix: approve extra");
    expect(log).toContain("Phoenix-Approved-By: Ada");
    expect(log).toContain("system-under-construction/src/extra/index.js");
    expect((await phoenix(dir, "approve", "extra")).stdout).toBe("extra is already approved for these outputs");

    // a rebuild that changes the outputs voids it
    const text = await readFile(specs(dir), "utf8");
    await writeFile(specs(dir), text.replace('"hello() returns hello."', '"hello() returns the word hello."'));
    await setPlan(dir, { ...good, extra: { "*": { write: { "src/extra/index.js": 'export const hello = () => "hello";\n' } } } });
    expect((await build(dir, "extra")).exitCode).toBe(0);
    expect((await phoenix(dir, "status")).stdout).toMatch(/extra\s+awaiting-approval/);

    // a hand edit cannot be approved: it is not what phoenix built
    await writeFile(join(dir, "system-under-construction", "src", "extra", "index.js"), "// edited by hand\n");
    const drifted = await phoenix(dir, "approve", "extra");
    expect(drifted.exitCode).toBe(1);
    expect(drifted.stderr).toBe("phoenix: extra's files changed outside phoenix (src/extra/index.js): approve only what phoenix built; rebuild it, or `phoenix adopt extra` the hand edit first");
  });

  it("a human check passes only with an approval of it for the current outputs", async () => {
    const human = calcSpecs({ autonomy: "autonomous" }).replace("check unit { run \"node --test test/extra.test.mjs\"", 'check greeting { human "The greeting reads friendly." }\n  check unit { run "node --test test/extra.test.mjs"');
    const dir = await calcProject(good, { specs: human });
    const run = await build(dir, "extra");
    expect(run.stdout).toContain("extra: human check greeting is not run by build (passes only with `phoenix approve` for the current outputs)");
    expect((await phoenix(dir, "status")).stdout).toMatch(/extra\s+awaiting-approval\s+.*phoenix approve extra --check greeting/);
    const wrong = await phoenix(dir, "approve", "extra", "--check", "unit");
    expect(wrong.stderr).toBe("phoenix: --check unit: extra has no human check of that name (its human checks: greeting)");
    expect((await phoenix(dir, "approve", "extra", "--check", "greeting", "--by", "Grace")).exitCode).toBe(0);
    expect((await phoenix(dir, "status")).stdout).toMatch(/extra\s+green/);
  });
});

describe("rejecting a build", () => {
  it("puts the previous version back and gives the reason to the next attempt", async () => {
    const dir = await calcProject(good);
    expect((await build(dir, "extra")).exitCode).toBe(0);
    const v1 = await lockOf(dir);
    const text = await readFile(specs(dir), "utf8");
    await writeFile(specs(dir), text.replace('"hello() returns hello."', '"hello() returns hello, politely."'));
    await setPlan(dir, { ...good, extra: { "*": { write: { "src/extra/index.js": 'export function hello() { return "hello"; } // v2\n', "src/extra/extra.js": "// new in v2\n" } } } });
    expect((await build(dir, "extra")).exitCode).toBe(0);

    const rejected = await phoenix(dir, "reject", "extra", "--reason", "The comment // v2 is noise; keep the module to one function.", "--by", "Lin");
    expect(rejected.exitCode).toBe(0);
    expect(rejected.stdout).toBe("rejected extra: its previous version is back (2 files); the reason goes to its next attempt: `phoenix build extra`");
    expect(await readFile(join(dir, "system-under-construction", "src", "extra", "index.js"), "utf8")).toBe(calcCode.extra["src/extra/index.js"]);
    await expect(readFile(join(dir, "system-under-construction", "src", "extra", "extra.js"))).rejects.toThrow(/ENOENT/);
    expect((await lockOf(dir)).components["extra"]).toEqual(v1.components["extra"]);
    expect((await phoenix(dir, "diff")).stdout).toMatch(/~ extra {2}\(spec-changed\)/);

    expect((await build(dir, "extra")).exitCode).toBe(0);
    const context = await readFile(join(dir, LOG, "extra-1.context.md"), "utf8");
    expect(context).toContain("A person (Lin) rejected the last build of extra:\n\nThe comment // v2 is noise; keep the module to one function.");
    const events = parseJournal(await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).events;
    expect(events).toEqual([expect.objectContaining({ event: "reject", node: "extra", by: "Lin" })]);

    const once = await phoenix(dir, "reject", "extra", "--reason", "again");
    expect(once.exitCode).toBe(0);
    const twice = await phoenix(dir, "reject", "extra", "--reason", "and again");
    expect(twice.stderr).toBe("phoenix: extra's previous version was not kept (only the last build can be rejected, once); rebuild it instead");
    const noReason = await phoenix(dir, "reject", "extra");
    expect(noReason.exitCode).toBe(2);
  });
});

describe("adopting hand edits", () => {
  it("records a waiver as the current state: no drift, approvals cleared, the override journaled", async () => {
    const dir = await calcProject(good);
    expect((await build(dir, "extra")).exitCode).toBe(0);
    await writeFile(join(dir, "system-under-construction", "src", "extra", "index.js"), 'export function hello() { return "hello"; } // tuned by hand\n');
    expect((await phoenix(dir, "diff", "--exit-code", "extra")).exitCode).toBe(1);
    const nothing = await phoenix(dir, "adopt", "app", "--reason", "x");
    expect(nothing.stderr).toBe("phoenix: app has not been built yet: there is no current state to adopt a hand edit into; run `phoenix build app`");
    const adopted = await phoenix(dir, "adopt", "extra", "--reason", "hot fix in production", "--by", "Sam");
    expect(adopted.stdout).toBe("adopted 1 hand-edited file of extra as a waiver (modified src/extra/index.js)");
    expect((await phoenix(dir, "diff", "--exit-code", "extra")).exitCode).toBe(0);
    expect((await lockOf(dir)).components["extra"]!.adoption).toEqual(expect.objectContaining({ kind: "waiver", reason: "hot fix in production", by: "Sam" }));
    const events = parseJournal(await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).events;
    expect(events).toEqual([expect.objectContaining({ event: "adopt", node: "extra", kind: "waiver", by: "Sam" })]);
  });

  it("lets a temporary patch lapse on its day, and promotes a hand edit to a requirement in the spec", async () => {
    const dir = await calcProject(good);
    expect((await build(dir, "extra", "math")).exitCode).toBe(0);
    await writeFile(join(dir, "system-under-construction", "src", "extra", "index.js"), 'export function hello() { return "hello"; } // patched\n');
    expect((await phoenix(dir, "adopt", "extra", "--reason", "until the fix ships", "--kind", "temporary-patch", "--expires", "2020-01-31")).exitCode).toBe(0);
    expect((await phoenix(dir, "diff")).stdout).toContain("why: patch-expired: the hand edit");
    const noDate = await phoenix(dir, "adopt", "extra", "--reason", "x", "--kind", "temporary-patch");
    expect(noDate.exitCode).toBe(2);
    expect(noDate.stderr).toBe("phoenix: --kind temporary-patch needs --expires YYYY-MM-DD: the day after which the patch no longer holds");

    await writeFile(join(dir, "system-under-construction", "src", "math", "index.js"), "export function add(a, b) { return Number(a) + Number(b); }\n");
    const promoted = await phoenix(dir, "adopt", "math", "--reason", "add() accepts numeric strings.", "--kind", "promote-to-requirement");
    expect(promoted.stdout).toContain('specs/calc.phx: added requirement MATH-2 MUST "add() accepts numeric strings."');
    expect(await readFile(specs(dir), "utf8")).toContain('  requirement MATH-1 MUST "add(a, b) returns a + b."\n  check unit { run "node --test test/math.test.mjs" covers MATH-1 timeout 30s }\n  requirement MATH-2 MUST "add() accepts numeric strings."\n}');
    expect((await phoenix(dir, "check")).exitCode).toBe(0);
  });
});

describe("phoenix why", () => {
  it("traces a file to its component, requirements, build and checks; and says when no component owns it", async () => {
    const dir = await calcProject(good);
    expect((await build(dir, "extra")).exitCode).toBe(0);
    const why = await runPhoenix(["why", "src/extra/index.js"], { cwd: join(dir, "system-under-construction") });
    expect(why.exitCode).toBe(0);
    expect(why.stdout).toMatch(/^src\/extra\/index\.js: owned by component extra \(owns src\/extra\/\*\*; declared in \S*specs\/calc\.phx:\d+\)\n {2}Says hello\.\nBuilt to meet:\n {2}EXTRA-1 MUST: hello\(\) returns hello\.\n\nLast build: \S+ by command "node \S+replay\.mjs" \(phoenix-prompts-[0-9a-f]{12}\), green on attempt 1 of 3; the file is exactly as its last build wrote it\.\nChecks then: unit pass\.\nNot approved yet\.$/);
    const test = await phoenix(dir, "why", "system-under-construction/test/extra.test.mjs");
    expect(test.stdout).toBe("test/extra.test.mjs: no component owns it, so no agent wrote it; it is protected (test/**): the humans' own, and no agent may change it.");
    const outside = await phoenix(dir, "why", "specs/calc.phx");
    expect(outside.exitCode).toBe(1);
    expect(outside.stderr).toBe("phoenix: specs/calc.phx is outside the root (system-under-construction/): phoenix builds only what is in it");
  });
});
