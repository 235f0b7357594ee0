import { execa } from "execa";
import { mkdir, readFile, rename, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../../fixtures/random.js";
import { phoenixBin, runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";
import type { CommandInputs } from "../cli/command.js";
import { run as diff } from "../cli/diff.js";
import { run as status } from "../cli/status.js";
import { beginMemo, finishMemo } from "./memo.js";

const COUNT = 8;
const name = (i: number) => `c${i}`;

/** Each component's spec: one file each, R-i covered by its own check (R-0 by the system's too). */
function componentSpec(i: number, deps: readonly number[]): string {
  return `component ${name(i)} {
  description "Component ${i}."
  owns "src/${name(i)}/**"
  interface "src/${name(i)}/a.txt"
${deps.length > 0 ? `  depends_on ${deps.map(name).join(", ")}\n` : ""}  requirement R-${i} MUST "It does part ${i}."
  check ok { run "true" covers R-${i} }
}
`;
}

const depsOf = (i: number) => (i === 0 ? [] : [...new Set([i - 1, Math.floor(i / 2)])].sort());

/** A project of COUNT components, one spec file each, built once by the scripted agent. */
async function builtTree(): Promise<string> {
  const dir = await tempDir("phoenix-plan-memo-");
  await mkdir(join(dir, "specs"));
  await mkdir(join(dir, "root", "project-container"), { recursive: true });
  await writeFile(join(dir, "root", "README.md"), "# tree\n");
  await writeFile(join(dir, "root", "project-container", "Containerfile"), "FROM scratch\n");
  await writeFile(join(dir, "specs", "system.phx"), `system tree {\n  description "A tree."\n  root "root"\n  agent scripted "script.json"\n  check smoke { run "true" covers R-0 }\n}\n`);
  for (let i = 0; i < COUNT; i++) await writeFile(join(dir, "specs", `${name(i)}.phx`), componentSpec(i, depsOf(i)));
  const nodes = Object.fromEntries(Array.from({ length: COUNT }, (_, i) => [name(i), [{
    attempts: [[{ write: `src/${name(i)}/a.txt`, content: `interface of ${name(i)}\n` }, { write: `src/${name(i)}/b.txt`, content: `body of ${name(i)}\n` }]],
  }]]));
  await writeFile(join(dir, "script.json"), JSON.stringify({ description: "plan memo test", nodes }));
  const build = await runPhoenix(["build", "--sandbox", "none"], { cwd: dir });
  expect(build.exitCode, build.stdout + build.stderr).toBe(0);
  return dir;
}

interface Answer {
  stdout: string;
  exitCode: number;
}

const COMMANDS = { diff, status } as const;

/**
 * `phoenix diff` or `phoenix status` run in this process, as main.ts runs it: with memo (the
 * answer and the plan memo kept through beginMemo/finishMemo) or without. `replanned` says the
 * plan memo answered.
 */
async function ask(dir: string, options: Record<string, unknown>, memo: boolean, command: keyof typeof COMMANDS = "diff"): Promise<Answer & { replanned: boolean }> {
  const out: string[] = [];
  const stdout = new Writable({ write: (chunk: Buffer, _encoding, done) => { out.push(String(chunk)); done(); } });
  const argv = [command, ...Object.keys(options).map((o) => `--${o}`)];
  const pending = memo ? beginMemo(dir, command) : undefined;
  let inputs: CommandInputs | undefined;
  const context = { args: [], options, cwd: dir, stdout, stderr: stdout };
  const exitCode = await COMMANDS[command](memo ? { ...context, stampsSeen: new Map(), reportInputs: (read) => (inputs = read) } : context);
  const answer = { stdout: out.join(""), exitCode };
  if (pending) finishMemo(dir, pending, { command, argv, cwd: dir }, inputs, answer);
  return { ...answer, replanned: inputs?.witness !== undefined };
}

/** One random edit: what it does, and whether the plan memo can follow it (the others need a full look). */
type Edit = (dir: string, i: number, n: number) => Promise<{ what: string; followable: boolean; undo?: () => Promise<unknown> }>;

const specPath = (dir: string, i: number) => join(dir, "specs", `${name(i)}.phx`);
const ownedPath = (dir: string, i: number, file = "b.txt") => join(dir, "root", "src", name(i), file);
const editSpec = async (dir: string, i: number, change: (text: string) => string) => writeFile(specPath(dir, i), change(await readFile(specPath(dir, i), "utf8")));

/** Edits `path`; returns what puts it back. */
async function editUndoably(path: string, change: (text: string) => string): Promise<() => Promise<void>> {
  const before = await readFile(path, "utf8");
  await writeFile(path, change(before));
  return () => writeFile(path, before);
}

const EDITS: Edit[] = [
  async (dir, i, n) => { await editSpec(dir, i, (t) => t.replace(/It does part [^"]*\./, `It does part ${i}, take ${n}.`)); return { what: "a requirement's text", followable: true }; },
  async (dir, i, n) => { await editSpec(dir, i, (t) => t.replace(/\}\n$/, `  requirement X-${n} MUST "Also ${n}."\n}\n`)); return { what: "an uncovered requirement added (a warning)", followable: true }; },
  async (dir, i, n) => { await editSpec(dir, i, (t) => t.replace(/run "[^"]*"/, `run "true # ${n}"`)); return { what: "a check's command", followable: true }; },
  async (dir, i, n) => { await editSpec(dir, i, (t) => t.replace(/description "[^"]*"/, `description "Component ${i}, version ${n}."`)); return { what: "a description", followable: true }; },
  async (dir, i) => { await editSpec(dir, i, (t) => (t.includes("autonomy") ? t.replace(/  autonomy autonomous\n/, "") : t.replace(/\}\n$/, "  autonomy autonomous\n}\n"))); return { what: "autonomy", followable: true }; },
  async (dir, i, n) => {
    // an editor that saves by writing a new file and renaming it over the old one
    const temp = join(dir, "specs", `.${name(i)}.swp`);
    await writeFile(temp, (await readFile(specPath(dir, i), "utf8")).replace(/It does part [^"]*\./, `It does part ${i}, saved ${n}.`));
    await rename(temp, specPath(dir, i));
    return { what: "a spec saved by rename", followable: true };
  },
  async (dir, i, n) => { await writeFile(ownedPath(dir, i), `edited by hand ${n}\n`); return { what: "an owned file edited", followable: true }; },
  async (dir, i) => { await writeFile(ownedPath(dir, i), `body of ${name(i)}\n`); return { what: "an owned file put back", followable: true }; },
  async (dir, i, n) => { await writeFile(join(dir, "root", "README.md"), `# tree ${n}\n`); return { what: "the root's README", followable: true }; },
  async (dir, i) => { await writeFile(specPath(dir, i), componentSpec(i, depsOf(i))); return { what: "a spec put back", followable: false }; },
  async (dir, i) => ({ what: "a SHOULD without a reason (an error)", followable: false, undo: await editUndoably(specPath(dir, i), (t) => t.replace(/\}\n$/, `  requirement S-${i} SHOULD "Be quick."\n}\n`)) }),
  async (dir, i) => ({ what: "a dependency added (maybe a cycle)", followable: false, undo: await editUndoably(specPath(dir, i), (t) => t.replace(/  owns /, `  depends_on ${name((i + 3) % COUNT)}\n  owns `)) }),
  async (dir, i) => { await editSpec(dir, i, (t) => t.replace(/owns "src\/(c\d)\/\*\*"/, 'owns "src/$1/*.txt"')); return { what: "an owned glob changed", followable: false }; },
  async (dir, i) => ({ what: "a requirement the system check covers renamed (an error)", followable: false, undo: await editUndoably(specPath(dir, 0), (t) => t.replace(/R-0 MUST/, `R-0x${i} MUST`).replace(/covers R-0 /, `covers R-0x${i} `)) }),
  async (dir, i, n) => { await writeFile(ownedPath(dir, i, `extra${n}.txt`), "added by hand\n"); return { what: "an owned file added", followable: false }; },
  async (dir, i, n) => { await writeFile(join(dir, "specs", "system.phx"), (await readFile(join(dir, "specs", "system.phx"), "utf8")).replace(/description "[^"]*"/, `description "A tree, ${n}."`)); return { what: "the system block", followable: false }; },
  async (dir, _i, n) => { await rm(join(dir, "specs", `more${n - 1}.phx`), { force: true }); await writeFile(join(dir, "specs", `more${n}.phx`), `component more${n} {\n  owns "src/more${n}/**"\n}\n`); return { what: "a spec file added", followable: false }; },
];

describe("the plan memo", () => {
  it("answers every edit exactly as a full look does, and follows the edits it can without one", async () => {
    const dir = await builtTree();
    const next = seededRandom(9);
    const counts = { replanned: 0, full: 0, boards: 0 };
    const missed: string[] = [];
    let sound = (await ask(dir, {}, true)).exitCode === 0; // the first look, kept
    let undo: (() => Promise<unknown>) | undefined;
    for (let n = 1; n <= 120; n++) {
      let step: { what: string; followable: boolean };
      if (undo) {
        // an edit that breaks the tree (or may) is undone by the next step
        await undo();
        undo = undefined;
        step = { what: "the last edit undone", followable: false };
      } else {
        const edit = await EDITS[Math.floor(next() * EDITS.length)]!(dir, Math.floor(next() * COUNT), n);
        undo = edit.undo;
        step = edit;
      }
      const { what, followable } = step;
      const remembered = await ask(dir, {}, true);
      const full = await ask(dir, {}, false);
      expect(remembered.stdout, `step ${n}: ${what}`).toBe(full.stdout);
      expect(remembered.exitCode, `step ${n}: ${what}`).toBe(full.exitCode);
      // an edit it can follow, of a tree whose last look was sound, is answered from the plan memo
      if (followable && sound && !remembered.replanned) missed.push(`step ${n}: ${what}`);
      counts[remembered.replanned ? "replanned" : "full"]++;
      sound = full.exitCode === 0;
      const json = { json: true, explain: true, exitCode: true };
      expect(await ask(dir, json, true), `step ${n}: ${what}, as JSON`).toEqual({ ...await ask(dir, json, false), replanned: expect.any(Boolean) as boolean });
      // the board too, redone from the memo a status look kept
      for (const options of [{}, { json: true }]) {
        const board = await ask(dir, options, true, "status");
        expect({ ...board, replanned: false }, `step ${n}: ${what}, status ${JSON.stringify(options)}`).toEqual({ ...await ask(dir, options, false, "status"), replanned: false });
        if (board.replanned) counts.boards++;
      }
    }
    expect(missed).toEqual([]);
    // both ways were taken often (the test would prove little otherwise)
    expect(counts.replanned).toBeGreaterThan(40);
    expect(counts.full).toBeGreaterThan(20);
    expect(counts.boards).toBeGreaterThan(40);
  }, 240_000);

  it("looks in full when the plan memo was mangled by hand, answering as always", async () => {
    const dir = await builtTree();
    expect((await ask(dir, {}, true)).replanned).toBe(false); // the first look, kept
    const memoFile = join(dir, ".phoenix", "memo", "plan.json");
    const memo = JSON.parse(await readFile(memoFile, "utf8")) as Record<string, unknown>;
    await writeFile(memoFile, JSON.stringify({ ...memo, specFiles: 7, owners: null }));
    await editSpec(dir, 2, (t) => t.replace("It does part 2.", "It does part 2 again."));
    const remembered = await ask(dir, {}, true);
    expect(remembered.replanned).toBe(false);
    expect(remembered.stdout).toBe((await ask(dir, {}, false)).stdout);
    expect(remembered.stdout).toMatch(/~ c2/);
  }, 120_000);

  it("answers `phoenix diff` after a spec edit and an owned-file edit without loading the schema library or reading the lock whole", async () => {
    const dir = await builtTree();
    await runPhoenix(["diff"], { cwd: dir }); // the full look, kept
    const spy = await importSpy();
    const edits = [
      () => editSpec(dir, 3, (t) => t.replace("It does part 3.", "It does part 3 twice.")),
      () => writeFile(ownedPath(dir, 5), "edited by hand\n"),
    ];
    for (const edit of edits) {
      await edit();
      const remembered = await execa("node", ["--import", spy.register, phoenixBin, "diff", "--exit-code"], { cwd: dir, reject: false, env: { NO_COLOR: "1" } });
      const full = await runPhoenix(["diff", "--exit-code"], { cwd: dir, env: { PHOENIX_MEMO: "off" } });
      expect(remembered.stdout).toBe(full.stdout.replace(/\n$/, ""));
      expect(remembered.exitCode).toBe(1);
      expect(full.stdout).toMatch(/~ c3|! c5/);
      expect((await readFile(spy.log, "utf8")).split("\n").filter((p) => p.includes("/zod/"))).toEqual([]);
      await writeFile(spy.log, "");
    }
  }, 120_000);
});

/** A load hook that logs every module phoenix loads. */
async function importSpy(): Promise<{ register: string; log: string }> {
  const dir = await tempDir("phoenix-plan-memo-spy-");
  const log = join(dir, "loaded.log");
  await writeFile(join(dir, "hooks.mjs"), `import { appendFileSync } from "node:fs";
export async function load(url, context, next) {
  appendFileSync(${JSON.stringify(log)}, url + "\\n");
  return next(url, context);
}
`);
  await writeFile(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);
  await writeFile(log, "");
  return { register: join(dir, "register.mjs"), log };
}
