import { beforeAll, describe, expect, it } from "vitest";
import { execa } from "execa";
import { cp, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject, calcSpecs, setPlan, type AgentPlan } from "../../fixtures/build-project.js";
import { repoRoot, runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";

const good: AgentPlan = { math: { "*": { write: calcCode.math } }, app: { "*": { write: calcCode.app } }, extra: { "*": { write: calcCode.extra } } };
const phoenix = (dir: string, args: string[], env: Record<string, string> = {}) => runPhoenix(args, { cwd: dir, env });
const git = (dir: string, ...args: string[]) => execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", ...args], { cwd: dir });

/**
 * The base every ratchet case starts from: extra built and committed (autonomous), system checks
 * that do not touch any component's spec (so changing them leaves nothing stale), node --test
 * reporting coverage, a protected test file, all at the tag `base`.
 */
function ratchetSpecs(): string {
  return calcSpecs({ autonomy: "autonomous" })
    .replace('protect "test/**"', `protect "test/**"
  check syntax { run "for f in $(find src -name '*.js'); do node --check $f || exit 1; done" timeout 30s }
  check health { probe "GET /health" expect status 200 expect p95 < 200ms samples 10 advisory }
  check taste { judge "Reads well." votes 3 advisory }`)
    .replace('check unit { run "node --test test/extra.test.mjs" covers EXTRA-1 timeout 30s }',
      'check review { human "A person read it." }\n  check unit { run "node --test --experimental-test-coverage test/extra.test.mjs" covers EXTRA-1 timeout 30s }')
    .replace('requirement EXTRA-1 MUST "hello() returns hello."', 'requirement EXTRA-1 MUST "hello() returns hello."\n  requirement EXTRA-2 SHOULD "hello() is short." because "it is printed on small screens"');
}

let base: string;
beforeAll(async () => {
  base = await calcProject(good, { git: true, specs: ratchetSpecs() });
  await writeFile(join(base, "system-under-construction", "test", "extra.test.mjs"), `${(await readFile(join(base, "system-under-construction", "test", "extra.test.mjs"), "utf8"))}test("hello is a string", () => { assert.strictEqual(typeof hello(), "string"); });\n`);
  await git(base, "add", "-A");
  await git(base, "commit", "-qm", "two tests");
  const built = await phoenix(base, ["build", "--sandbox", "none"]);
  expect(built.exitCode, built.stdout).toBe(0);
  const approved = await phoenix(base, ["approve", "extra", "--check", "review", "--by", "Ada"]);
  expect(approved.exitCode, approved.stderr).toBe(0);
  await git(base, "tag", "base");
}, 90_000);

async function fromBase(): Promise<string> {
  const dir = await tempDir("phoenix-ratchet-");
  await cp(base, dir, { recursive: true });
  return dir;
}

const specs = (dir: string) => join(dir, "specs", "calc.phx");
const testFile = (dir: string) => join(dir, "system-under-construction", "test", "extra.test.mjs");
async function edit(path: string, from: string, to: string): Promise<void> {
  const text = await readFile(path, "utf8");
  if (!text.includes(from)) throw new Error(`${path} has no ${JSON.stringify(from)}`);
  await writeFile(path, text.replace(from, to));
}

describe("phoenix verify", () => {
  it("passes on a built, approved, committed project: fast, and in full with every check run", async () => {
    const dir = await fromBase();
    const fast = await phoenix(dir, ["verify", "--fast", "--base", "base"]);
    expect(fast.stdout).toMatch(/^phoenix verify: calc \(fast: specs, phoenix\.lock and drift, no checks run; against base at [0-9a-f]{12}\)\nverify passed/);
    expect(fast.exitCode).toBe(0);
    const full = await phoenix(dir, ["verify", "--sandbox", "none", "--base", "base"]);
    expect(full.exitCode, full.stdout).toBe(0);
    // 4 run checks pass; a probe, a human check (an approval) and the advisory judge for each of 3 components are not run without a key
    expect(full.stdout).toContain("9 checks: 4 passed, 0 failed, 0 could not run, 5 not run here");
    expect(full.stdout).toContain("verify passed: the specs compile, nothing is stale, drifted or waiting, every blocking check passes, every supervised component is approved, no check was weakened");
  });

  it("fails a component whose human check is not approved for its current outputs", async () => {
    const dir = await fromBase();
    await writeFile(join(dir, "system-under-construction", "src", "extra", "index.js"), 'export function hello() { return "hello"; } // kept\n');
    expect((await phoenix(dir, ["adopt", "extra", "--reason", "a comment"])).exitCode).toBe(0);
    const run = await phoenix(dir, ["verify", "--sandbox", "none"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/✗ approval specs\/calc\.phx:\d+:9: human check review of extra is not approved for the current outputs: A person read it\.\n {4}fix: phoenix approve extra --check review/);
  });

  it("lists every reason it fails, each with its place and what to do", async () => {
    const dir = await fromBase();
    await writeFile(join(dir, "system-under-construction", "src", "extra", "index.js"), "export function hello() { return 'hi'; }\n");
    await edit(specs(dir), 'description "Adds numbers."', 'description "Adds two numbers."');
    const run = await phoenix(dir, ["verify", "--sandbox", "none"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("✗ drift system-under-construction/src/extra/index.js:1:1: system-under-construction/src/extra/index.js was modified outside phoenix\n    fix: rebuild it (`phoenix build extra`) or keep the hand edit on record (`phoenix adopt extra --reason \"...\"`)");
    expect(run.stdout).toMatch(/✗ check specs\/calc\.phx:\d+:\d+: check unit of extra fails now: exit 1 in [\d.]+s \| test\/extra\.test\.mjs:4:1 hello says hello: Expected values to be strictly equal/);
    expect(run.stdout).toMatch(/verify FAILED: \d+ problems$/);
  });

  it("reports as JSON, as JUnit XML that validates, and as GitHub Actions annotations", async () => {
    const dir = await fromBase();
    await writeFile(join(dir, "system-under-construction", "src", "extra", "index.js"), "export function hello() { return 'hi'; }\n");
    const json = JSON.parse((await phoenix(dir, ["verify", "--fast", "--json"])).stdout) as { schema: string; ok: boolean; problems: { kind: string; file: string }[] };
    expect(json).toMatchObject({ schema: "phoenix.verify/1", ok: false });
    expect(json.problems).toEqual(expect.arrayContaining([expect.objectContaining({ kind: "drift", file: "system-under-construction/src/extra/index.js" })]));
    const junit = await phoenix(dir, ["verify", "--sandbox", "none", "--junit", "verify.xml"]);
    expect(junit.stderr).toBe("phoenix: wrote verify.xml");
    const xml = await readFile(join(dir, "verify.xml"), "utf8");
    const lint = await execa("xmllint", ["--noout", "--schema", join(repoRoot, "fixtures", "junit", "junit.xsd"), join(dir, "verify.xml")], { reject: false });
    expect(lint.stderr).toContain("verify.xml validates");
    expect(xml).toMatch(/<testcase classname="extra" name="unit" time="[\d.]+" file="specs\/calc.phx" line="\d+">\n {6}<failure message="exit 1 in/);
    expect(xml).toMatch(/<testcase classname="system" name="health" [^>]*>\n {6}<skipped message="cannot probe: the system block has no `start` command/);
    const annotations = await phoenix(dir, ["verify", "--fast"], { GITHUB_ACTIONS: "true" });
    expect(annotations.stdout).toContain("::error file=system-under-construction/src/extra/index.js,line=1,col=1,title=phoenix verify%3A drift::system-under-construction/src/extra/index.js was modified outside phoenix (fix: rebuild it");
  });

  it("refuses --staged without --fast, and an unknown base ref", async () => {
    const dir = await fromBase();
    expect((await phoenix(dir, ["verify", "--staged"])).stderr).toBe("phoenix: --staged needs --fast: the staged files are checked out without installed packages, so checks cannot run there");
    const ref = await phoenix(dir, ["verify", "--fast", "--base", "no-such-branch"]);
    expect(ref.exitCode).toBe(1);
    expect(ref.stderr).toBe("phoenix: --base no-such-branch: no such commit, branch or tag here (fetch it first, e.g. `git fetch origin main`)");
  });
});

/** One weakening each: what is done to the base, and the rule verify must name. */
const weakenings: { rule: string; what: string; change: (dir: string) => Promise<void>; full?: boolean; rebuild?: boolean }[] = [
  { rule: "check-removed", rebuild: true, what: "a system check removed", change: (d) => edit(specs(d), `  check syntax { run "for f in $(find src -name '*.js'); do node --check $f || exit 1; done" timeout 30s }\n`, "") },
  { rule: "check-command-changed", rebuild: true, what: "a run command changed", change: (d) => edit(specs(d), "node --check $f || exit 1", "true") },
  { rule: "timeout-loosened", rebuild: true, what: "a timeout loosened", change: (d) => edit(specs(d), 'done" timeout 30s', 'done" timeout 5m') },
  { rule: "probe-expectation-loosened", rebuild: true, what: "a latency bound loosened", change: (d) => edit(specs(d), "expect p95 < 200ms", "expect p95 < 900ms") },
  { rule: "threshold-loosened", rebuild: true, what: "samples reduced", change: (d) => edit(specs(d), "samples 10", "samples 2") },
  { rule: "rubric-changed", rebuild: true, what: "a judge's rubric changed", change: (d) => edit(specs(d), 'judge "Reads well."', 'judge "Exists."') },
  { rule: "advisory-added", what: "a check made advisory", rebuild: true, change: (d) => edit(specs(d), 'human "A person read it." }', 'human "A person read it." advisory }') },
  { rule: "protection-removed", what: "protect removed", change: (d) => edit(specs(d), '  protect "test/**"\n', "") },
  { rule: "requirement-lowered", what: "MUST lowered to SHOULD", rebuild: true, change: (d) => edit(specs(d), 'EXTRA-1 MUST "hello() returns hello."', 'EXTRA-1 SHOULD "hello() returns hello." because "less is fine"') },
  { rule: "requirement-removed", what: "a requirement removed", rebuild: true, change: (d) => edit(specs(d), '\n  requirement EXTRA-2 SHOULD "hello() is short." because "it is printed on small screens"', "") },
  { rule: "protected-file-deleted", what: "a protected test deleted", change: (d) => rm(join(d, "system-under-construction", "test", "math.test.mjs")) },
  { rule: "protected-file-modified", what: "a protected test edited", change: (d) => edit(testFile(d), 'test("hello says hello"', 'test("hello says hello, really"') },
  { rule: "test-disabled", what: "a .skip added", change: (d) => edit(testFile(d), 'test("hello says hello"', 'test.skip("hello says hello"') },
  { rule: "test-cases-reduced", what: "a test case removed", change: (d) => edit(testFile(d), 'test("hello is a string", () => { assert.strictEqual(typeof hello(), "string"); });\n', "") },
  {
    rule: "coverage-lowered", what: "coverage below the recorded value", full: true,
    change: async (d) => {
      await writeFile(join(d, "system-under-construction", "src", "extra", "index.js"), `${calcCode.extra["src/extra/index.js"]}export function unused(x) {\n  if (x) {\n    return 1;\n  }\n  return 2;\n}\n`);
      expect((await phoenix(d, ["adopt", "extra", "--reason", "an untested helper"])).exitCode).toBe(0);
      expect((await phoenix(d, ["approve", "extra", "--check", "review"])).exitCode).toBe(0);
    },
  },
];

describe.concurrent("the ratchet: verify --base fails on every weakening until a person signs off", () => {
  it.each(weakenings)("$rule: $what", async ({ rule, change, full, rebuild }) => {
    const dir = await fromBase();
    await change(dir);
    // a component spec or the system's checks changed: everything they touch is rebuilt, so only the weakening is left
    if (rebuild) expect((await phoenix(dir, ["build", "--sandbox", "none"])).exitCode).toBe(0);
    const verify = async () => phoenix(dir, full ? ["verify", "--sandbox", "none", "--base", "base"] : ["verify", "--fast", "--base", "base"]);
    const before = await verify();
    expect(before.stdout).toMatch(new RegExp(`✗ weakening \\S+:\\d+:\\d+: .*\\[rule ${rule}\\]`));
    const weakeningLines = before.stdout.split("\n").filter((l) => l.startsWith("✗ weakening"));
    expect(weakeningLines.length, before.stdout).toBeGreaterThan(0);
    const signed = await phoenix(dir, ["allow-weakening", "--base", "base", "--reason", "on purpose", "--by", "Ada", "--sandbox", "none", ...(full ? [] : ["--fast"])]);
    expect(signed.stdout).toContain(`Ada signed off ${weakeningLines.length} weakening`);
    const after = await verify();
    expect(after.stdout).not.toContain("✗ weakening");
    expect(after.exitCode, after.stdout).toBe(0);
  });

  it("a sign-off covers exactly the findings it listed: a later weakening needs its own", async () => {
    const dir = await fromBase();
    await edit(specs(dir), 'samples 10', 'samples 5');
    expect((await phoenix(dir, ["build", "--sandbox", "none"])).exitCode).toBe(0);
    expect((await phoenix(dir, ["allow-weakening", "--base", "base", "--fast", "--reason", "fewer samples"])).exitCode).toBe(0);
    expect((await phoenix(dir, ["verify", "--fast", "--base", "base"])).exitCode).toBe(0);
    await edit(specs(dir), 'samples 5', 'samples 3');
    expect((await phoenix(dir, ["build", "--sandbox", "none"])).exitCode).toBe(0);
    const again = await phoenix(dir, ["verify", "--fast", "--base", "base"]);
    expect(again.exitCode).toBe(1);
    expect(again.stdout).toContain("check health of system: its samples went from 10 to 3 [rule threshold-loosened]");
    const lock = JSON.parse(await readFile(join(dir, "phoenix.lock"), "utf8")) as { allowances: { by: string; reason: string; findings: { rule: string }[] }[] };
    expect(lock.allowances).toEqual([expect.objectContaining({ reason: "fewer samples", findings: [expect.objectContaining({ rule: "threshold-loosened" })] })]);
  });
});

describe("a build whose agent would weaken a check", () => {
  it("is refused with the weakening as feedback: a test deleted, .skip added, a spec edited", async () => {
    const dir = await fromBase();
    await edit(specs(dir), 'description "Says hello."', 'description "Says hello, once."');
    await writeFile(join(dir, "script.json"), JSON.stringify({
      nodes: {
        extra: [{
          attempts: [
            [{ write: "test/extra.test.mjs", content: (await readFile(testFile(dir), "utf8")).replace('test("hello says hello"', 'test.skip("hello says hello"') }],
            [{ delete: "test/extra.test.mjs" }, { write: "../specs/calc.phx", content: "" }],
          ],
        }],
      },
    }));
    const run = await phoenix(dir, ["build", "extra", "--sandbox", "none", "--agent", "scripted:script.json", "--max-attempts", "2"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/refused test\/extra\.test\.mjs: test\/extra\.test\.mjs is protected \(test\/\*\*\): no agent may change it; make the code pass it instead/);
    const journal = (await readFile(join(dir, ".phoenix", "journal.jsonl"), "utf8")).trim().split("\n").map((l) => JSON.parse(l) as { refused?: { message: string }[] });
    expect(journal.flatMap((e) => (e.refused ?? []).map((r) => r.message))).toEqual(expect.arrayContaining([
      expect.stringContaining("(it would weaken the checks: test-disabled: `test.skip` at line 4 takes a test out of the run; test-cases-reduced: 1 test case instead of 2)"),
      expect.stringContaining("(it would weaken the checks: protected-file-deleted: the file would be gone)"),
      "../specs/calc.phx is not a path inside the root; give paths relative to the root, without ..",
    ]));
    expect((await phoenix(dir, ["verify", "--fast", "--base", "base"])).stdout).not.toContain("weakening");
  });

  it("fails an attempt whose check reports less coverage than phoenix.lock records", async () => {
    const dir = await fromBase();
    await edit(specs(dir), 'description "Says hello."', 'description "Says hello, once."');
    await setPlan(dir, { ...good, extra: { "*": { write: { "src/extra/index.js": `${calcCode.extra["src/extra/index.js"]}export function unused(x) {\n  if (x) {\n    return 1;\n  }\n  return 2;\n}\n` } } } });
    const run = await phoenix(dir, ["build", "extra", "--sandbox", "none", "--max-attempts", "1"]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/✗ extra failed: out of attempts \(1\): unit: coverage-lowered: [\d.]+% is below the 100% phoenix\.lock records for it/);
  });
});

describe("the pre-commit hook", () => {
  it("blocks a commit that drifts a file, lets a clean one through, and leaves a foreign hook alone unless told", async () => {
    const dir = await fromBase();
    const installed = await phoenix(dir, ["hooks", "install"]);
    expect(installed.stdout).toMatch(/^installed a pre-commit hook in .*\.git\/hooks\/pre-commit: every commit runs `phoenix verify --fast --staged`$/);
    await writeFile(join(dir, "system-under-construction", "src", "extra", "index.js"), "export function hello() { return 'hi'; }\n");
    await git(dir, "add", "-A");
    const blocked = await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-m", "a hand edit"], { cwd: dir, reject: false });
    expect(blocked.exitCode).toBe(1);
    // git shows a hook's output on stderr
    expect(blocked.stderr).toContain("✗ drift system-under-construction/src/extra/index.js");
    // what is staged counts, not the working tree: undo in the index only, keep the edit on disk
    await git(dir, "reset", "-q", "HEAD", "--", "system-under-construction/src/extra/index.js");
    await writeFile(join(dir, "system-under-construction", "README.md"), "# calc\nA calculator, documented.\n");
    await git(dir, "add", "system-under-construction/README.md");
    const clean = await execa("git", ["-c", "user.name=t", "-c", "user.email=t@t", "commit", "-m", "docs"], { cwd: dir, reject: false });
    expect(clean.exitCode, `${clean.stdout}${clean.stderr}`).toBe(0);

    const removed = await phoenix(dir, ["hooks", "uninstall"]);
    expect(removed.stdout).toMatch(/^removed phoenix's pre-commit hook/);
    const hook = join(dir, ".git", "hooks", "pre-commit");
    await writeFile(hook, "#!/bin/sh\necho foreign >> foreign.log\n", { mode: 0o755 });
    const refused = await phoenix(dir, ["hooks", "install"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/pre-commit already exists and is not phoenix's: pass --chain to run it before phoenix's, or --force to replace it$/);
    expect((await phoenix(dir, ["hooks", "install", "--chain"])).stdout).toContain("after the hook that was there (now pre-commit.local)");
    await git(dir, "commit", "-q", "--allow-empty", "-m", "empty");
    expect(await readFile(join(dir, "foreign.log"), "utf8")).toBe("foreign\n");
    await phoenix(dir, ["hooks", "uninstall"]);
    expect(await readFile(hook, "utf8")).toBe("#!/bin/sh\necho foreign >> foreign.log\n");
  });
});

describe("phoenix ci init", () => {
  it("writes a workflow that runs verify against origin/main, and never overwrites one silently", async () => {
    const dir = await fromBase();
    const run = await phoenix(dir, ["ci", "init"]);
    expect(run.stdout).toBe("wrote .github/workflows/phoenix.yml: every push and pull request runs `phoenix verify --base origin/main`");
    const workflow = await readFile(join(dir, ".github", "workflows", "phoenix.yml"), "utf8");
    expect(workflow).toContain("fetch-depth: 0");
    expect(workflow).toContain("run: phoenix verify --base origin/main --junit phoenix-verify.xml");
    expect(workflow).toContain("run: npm install --global phoenix");
    expect((await phoenix(dir, ["ci", "init"])).stderr).toBe("phoenix: .github/workflows/phoenix.yml already exists: pass --force to replace it");
    expect((await phoenix(dir, ["ci", "init", "--force"])).exitCode).toBe(0);
  });
});
