import { describe, expect, it } from "vitest";
import { mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../../fixtures/run-phoenix.js";
import { applyFile, completeApply, recoverApplies, stageApply, type ApplyEffects, type ApplyIntent } from "./apply.js";
import { appendJournal, JOURNAL_FILE, lastBuilds, parseJournal, readJournal, type JournalEntry } from "./journal.js";

/** A project with a root holding one old file, and a workspace with the new version. */
async function setup() {
  const dir = await tempDir();
  const root = join(dir, "root");
  const workspace = join(dir, "ws");
  await mkdir(join(root, "src"), { recursive: true });
  await mkdir(join(workspace, "src"), { recursive: true });
  await writeFile(join(root, "src", "a.js"), "old a");
  await writeFile(join(root, "src", "gone.js"), "to delete");
  await writeFile(join(workspace, "src", "a.js"), "new a");
  await writeFile(join(workspace, "src", "b.js"), "new b");
  const intent: ApplyIntent = { node: "x", root: "root", writes: ["src/a.js", "src/b.js"], deletes: ["src/gone.js"], state: null };
  return { dir, root, workspace, intent };
}

function recorder(): ApplyEffects & { recorded: string[] } {
  const recorded: string[] = [];
  return { recorded, record: async (i) => void recorded.push(i.node), commit: async () => undefined };
}

const tree = async (root: string) => Object.fromEntries(await Promise.all((await readdir(join(root, "src"))).sort().map(async (f) => [f, await readFile(join(root, "src", f), "utf8")])));

describe("applying a green node", () => {
  it("writes, deletes and records", async () => {
    const { dir, root, workspace, intent } = await setup();
    const effects = recorder();
    await stageApply(dir, workspace, intent);
    await completeApply(dir, intent, effects);
    expect(await tree(root)).toEqual({ "a.js": "new a", "b.js": "new b" });
    expect(effects.recorded).toEqual(["x"]);
    expect(await readdir(join(dir, ".phoenix", "apply"))).toEqual([]);
  });

  it("after a crash before the record was whole, keeps the old files and throws the pieces away", async () => {
    const { dir, root, workspace, intent } = await setup();
    await stageApply(dir, workspace, intent);
    // the crash: the record's temporary file was written, not yet renamed into place
    const record = await readFile(applyFile(dir, "x"), "utf8");
    await import("node:fs/promises").then((fs) => fs.rm(applyFile(dir, "x")));
    await writeFile(join(dir, ".phoenix", "apply", ".x.json.1234abcd.tmp"), record.slice(0, 40));
    const effects = recorder();
    expect(await recoverApplies(dir, effects)).toEqual([]);
    expect(await tree(root)).toEqual({ "a.js": "old a", "gone.js": "to delete" });
    expect(effects.recorded).toEqual([]);
    expect(await readdir(join(dir, ".phoenix", "apply"))).toEqual([]);
  });

  it("after a crash half-way through the files, finishes the apply on recovery", async () => {
    const { dir, root, workspace, intent } = await setup();
    await stageApply(dir, workspace, intent);
    // the crash: a.js was replaced, b.js not yet, gone.js still there, nothing recorded
    await writeFile(join(root, "src", "a.js"), "new a");
    const effects = recorder();
    expect(await recoverApplies(dir, effects)).toEqual(["x"]);
    expect(await tree(root)).toEqual({ "a.js": "new a", "b.js": "new b" });
    expect(effects.recorded).toEqual(["x"]);
    // a second recovery has nothing left to do
    expect(await recoverApplies(dir, recorder())).toEqual([]);
  });
});

const entry = (node: string, attempt: number, outcome: JournalEntry["outcome"], final: boolean): JournalEntry => ({
  v: 1, build: "b1", at: "2026-11-30T10:00:00.000Z", node, attempt, maxAttempts: 3, reasons: ["never-built"], agent: "command", inputHash: "sha256:x",
  durationMs: 5, outcome, final, checks: [], refused: [],
});

describe("the journal", () => {
  it("appends one line per attempt and reads them back; a torn last line is skipped", async () => {
    const dir = await tempDir();
    await appendJournal(dir, entry("a", 1, "failed", false));
    await appendJournal(dir, entry("a", 2, "green", true));
    const text = await readFile(join(dir, JOURNAL_FILE), "utf8");
    expect(text.split("\n")).toHaveLength(3);
    await writeFile(join(dir, JOURNAL_FILE), `${text}{"v":1,"build":"b2","at":"2026-11-30T1`);
    const read = await readJournal(dir);
    expect(read.entries.map((e) => [e.node, e.attempt, e.outcome])).toEqual([["a", 1, "failed"], ["a", 2, "green"]]);
    expect(read.skipped).toBe(1);
  });

  it("skips lines of another format version, and reads a missing journal as empty", async () => {
    expect(parseJournal(`${JSON.stringify({ ...entry("a", 1, "green", true), v: 2 })}\n`)).toEqual({ entries: [], events: [], skipped: 1 });
    expect(await readJournal(await tempDir())).toEqual({ entries: [], events: [], skipped: 0 });
  });

  it("tells how each node's latest build ended", () => {
    const last = lastBuilds([entry("a", 1, "failed", true), entry("b", 1, "failed", false), entry("a", 1, "green", true)]);
    expect([...last].map(([node, e]) => [node, e.outcome])).toEqual([["a", "green"]]);
  });
});
