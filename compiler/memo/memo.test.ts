import { execa } from "execa";
import { readdirSync } from "node:fs";
import { appendFile, mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { calcProject, calcSpecs, goodPlan } from "../../fixtures/build-project.js";
import { phoenixBin, runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";
import { beginMemo, finishMemo, replay } from "./memo.js";

/** A resolve hook that logs every package phoenix imports: a replayed answer imports none. */
async function importLog(): Promise<{ register: string; log: string }> {
  const dir = await tempDir("phoenix-memo-spy-");
  const log = join(dir, "imports.log");
  await writeFile(join(dir, "hooks.mjs"), `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  if (!specifier.startsWith(".") && !specifier.startsWith("node:") && !specifier.startsWith("file:")) appendFileSync(${JSON.stringify(log)}, specifier + "\\n");
  return next(specifier, context);
}
`);
  await writeFile(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);
  await writeFile(log, "");
  return { register: join(dir, "register.mjs"), log };
}

interface Answer {
  stdout: string;
  exitCode: number;
}

async function ask(dir: string, args: string[], memo: boolean, cwd = dir): Promise<Answer> {
  const run = await runPhoenix(args, { cwd, env: memo ? {} : { PHOENIX_MEMO: "off" } });
  expect(run.stderr, `${args.join(" ")} in ${cwd}`).toBe("");
  return { stdout: run.stdout, exitCode: run.exitCode };
}

/** A built calc project: every component green, its answers worth remembering. */
async function builtProject(): Promise<string> {
  const dir = await calcProject(goodPlan, { specs: calcSpecs({ autonomy: "autonomous" }) });
  const build = await runPhoenix(["build", "--sandbox", "none"], { cwd: dir });
  expect(build.exitCode, build.stdout + build.stderr).toBe(0);
  return dir;
}

const COMMANDS = [["status"], ["diff"], ["diff", "--json", "--explain"], ["status", "--json"]];

describe("remembered answers", () => {
  it("answers an unchanged tree from memory: the same output and exit code, with no spec read and no package loaded", async () => {
    const dir = await builtProject();
    for (const args of COMMANDS) {
      const fresh = await ask(dir, args, false);
      expect(await ask(dir, args, true), args.join(" ")).toEqual(fresh); // made and kept
      const { register, log } = await importLog();
      const replayed = await execa("node", ["--import", register, phoenixBin, ...args], { cwd: dir, reject: false, env: { NO_COLOR: "1" } });
      expect({ stdout: replayed.stdout, exitCode: replayed.exitCode }, args.join(" ")).toEqual({ stdout: fresh.stdout.replace(/\n$/, ""), exitCode: fresh.exitCode });
      // no command line parser, no spec parser, no schema library: the answer came from memory
      expect((await readFile(log, "utf8")).split("\n").filter((l) => l !== ""), args.join(" ")).toEqual([]);
    }
  }, 120_000);

  it("gives a fresh answer after any change to what the answer was made from", async () => {
    const dir = await builtProject();
    const root = join(dir, "system-under-construction");
    const changes: [string, () => Promise<unknown>][] = [
      ["an owned file edited, same size", () => writeFile(join(root, "src/math/index.js"), "export function add(a, b) { return a * b; }\n")],
      ["an owned file added beside others", () => writeFile(join(root, "src/math/extra.js"), "export const x = 1;\n")],
      ["an owned file deleted", () => rm(join(root, "src/app/main.js"))],
      ["a new folder of owned files", async () => { await mkdir(join(root, "src/extra/deep"), { recursive: true }); await writeFile(join(root, "src/extra/deep/x.js"), "1\n"); }],
      ["a requirement edited", async () => writeFile(join(dir, "specs/calc.phx"), (await readFile(join(dir, "specs/calc.phx"), "utf8")).replace("Prints 3.", "Prints three."))],
      ["a new spec file", () => writeFile(join(dir, "specs/more.phx"), 'component more {\n  owns "src/more/**"\n  requirement MORE-1 MUST "Exists."\n  check unit { run "true" covers MORE-1 }\n}\n')],
      ["the container definition edited", () => appendFile(join(root, "project-container/Containerfile"), "RUN true\n")],
      ["a build (phoenix.lock and the journal)", () => runPhoenix(["build", "--sandbox", "none", "extra"], { cwd: dir })],
      ["phoenix.lock removed", () => rm(join(dir, "phoenix.lock"))],
    ];
    let previous = await Promise.all(COMMANDS.map((args) => ask(dir, args, true)));
    let changed = 0;
    for (const [what, change] of changes) {
      await change();
      const remembered = await Promise.all(COMMANDS.map((args) => ask(dir, args, true)));
      const fresh = await Promise.all(COMMANDS.map((args) => ask(dir, args, false)));
      expect(remembered, what).toEqual(fresh);
      if (JSON.stringify(remembered) !== JSON.stringify(previous)) changed++;
      previous = remembered;
      // and the answer made just now is the one remembered next
      expect(await Promise.all(COMMANDS.map((args) => ask(dir, args, true))), `${what}, asked again`).toEqual(fresh);
    }
    // every change above shows in the answers (the test would prove nothing if they all looked alike)
    expect(changed).toBe(changes.length);
  }, 240_000);

  it("answers each command line and each working folder on its own", async () => {
    const dir = await builtProject();
    const sub = join(dir, "system-under-construction");
    const status = await ask(dir, ["status"], true);
    const json = await ask(dir, ["status", "--json"], true);
    expect(json.stdout).not.toEqual(status.stdout);
    expect(await ask(dir, ["status"], true)).toEqual(status);
    expect(await ask(dir, ["status", "--json"], true)).toEqual(json);
    // spec paths in problems are shown as seen from where phoenix runs
    await writeFile(join(dir, "specs/calc.phx"), `${await readFile(join(dir, "specs/calc.phx"), "utf8")}\ncomponent broken {\n`);
    const fromTop = await ask(dir, ["diff"], true);
    const fromSub = await ask(dir, ["diff"], true, sub);
    expect(fromTop.stdout).toMatch(/^specs\/calc\.phx:/m);
    expect(fromSub.stdout).toContain(`${join(dir, "specs", "calc.phx")}:`);
    expect(await ask(dir, ["diff"], true, sub)).toEqual(fromSub);
    expect(await ask(dir, ["diff"], false, sub)).toEqual(fromSub);
  }, 120_000);

  it("keeps no answer when what it read changed while it was being made", async () => {
    const dir = await tempDir("phoenix-memo-");
    await mkdir(join(dir, "specs"));
    await writeFile(join(dir, "specs", "a.phx"), "one\n");
    const key = { command: "status", argv: ["status"], cwd: dir };
    const inputs = { trees: ["specs"], files: ["phoenix.lock"] };
    const pending = beginMemo(dir, "status")!;
    await writeFile(join(dir, "specs", "a.phx"), "two\n"); // written after the answer began: racy
    expect(finishMemo(dir, pending, key, inputs, { stdout: "answer\n", exitCode: 0 })).toBe(false);
    expect(replay(dir, key)).toBeUndefined();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const calm = beginMemo(dir, "status")!;
    expect(finishMemo(dir, calm, key, inputs, { stdout: "answer\n", exitCode: 0 })).toBe(true);
    expect(replay(dir, key)).toEqual({ stdout: "answer\n", exitCode: 0 });
    // an answer whose inputs were never named is not kept
    expect(finishMemo(dir, beginMemo(dir, "status")!, key, undefined, { stdout: "other\n", exitCode: 0 })).toBe(false);
    expect(replay(dir, key)).toEqual({ stdout: "answer\n", exitCode: 0 });
    // a memo torn or written by hand is no answer: the command runs
    await writeFile(join(dir, ".phoenix", "memo", "status.json"), '{"version": 1, "key": "');
    expect(replay(dir, key)).toBeUndefined();
    expect(readdirSync(join(dir, ".phoenix", "memo"))).toEqual(["status.json"]); // no temp file left behind
  });
});
