/**
 * Applying a green node to the real tree, crash-safe: a redo log.
 *
 *   1. commit point: `.phoenix/apply/NODE.json` is written atomically, one file holding the
 *      paths to write (with their new content) and delete, the lock entry to record, and what the
 *      apply replaces (for `phoenix reject`);
 *   2. redo: each file is replaced atomically, deletions made, the lock entry recorded, the git
 *      commit made; then the record becomes `.phoenix/previous/NODE.json` (or is removed).
 *
 * Every redo step is idempotent, so a crash at any moment leaves either the old files (no record)
 * or a record that the next build completes before planning. One file per apply keeps the cost
 * of a node's apply to a few writes, whatever the number of its files.
 */
import { readFileSync } from "node:fs";
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { absentAs, unlessAbsent } from "../absent.js";
import { fsyncDirectory, fsyncFile, writeFileDurably, writeTemp } from "../atomic-write.js";
import { componentStateSchema } from "../lock/schema.js";

/** What one apply does, recorded before any of it is done. */
export const intentSchema = z.object({
  node: z.string(),
  /** The system root, relative to the project: where the paths below are. */
  root: z.string(),
  /** Paths relative to the root whose new content is staged. */
  writes: z.array(z.string()),
  deletes: z.array(z.string()),
  /** The node's new lock entry; null removes the node from phoenix.lock. */
  state: componentStateSchema.nullable(),
  /** A git commit to make after the lock is written (autonomous nodes in a git repository). */
  commit: z.object({ message: z.string() }).optional(),
  /**
   * Keep what this apply replaces (the files and the lock entry before it) so that a person can
   * reject the new version (`phoenix reject`): the node's lock entry as it was, or null.
   */
  keepPrevious: z.object({ state: componentStateSchema.nullable() }).optional(),
});
export type ApplyIntent = z.infer<typeof intentSchema>;

/** What an apply replaced: enough to put it back. */
export const previousSchema = z.object({
  state: componentStateSchema.nullable(),
  /** Every path the apply wrote or deleted, relative to the root. */
  touched: z.array(z.string()),
  /** Those of them that existed before; their old content is in `contents`. */
  existed: z.array(z.string()),
  /** The old content of each path in `existed`, base64. */
  contents: z.record(z.string(), z.string()),
});
export type Previous = z.infer<typeof previousSchema>;

/** The record on disk: the intent, the new content of every written path, and what it replaces. */
const stagedSchema = intentSchema.extend({
  /** The new content of each path in `writes`, base64. */
  contents: z.record(z.string(), z.string()),
  previous: previousSchema.optional(),
});
type Staged = z.infer<typeof stagedSchema>;
/** An apply's record as it was written; it saves reading it back to apply it. */
export type StagedApply = Staged;

/** Where the version before a node's last apply is kept. */
export function previousFile(projectDir: string, node: string): string {
  return join(projectDir, ".phoenix", "previous", `${node}.json`);
}

/** Where a node's apply is recorded until it is complete. */
export function applyFile(projectDir: string, node: string): string {
  return join(projectDir, ".phoenix", "apply", `${node}.json`);
}

/** Writes the apply's record, reading the new content from `sourceDir`: after this returns, the apply will happen, now or after a crash. */
export async function stageApply(projectDir: string, sourceDir: string, intent: ApplyIntent): Promise<StagedApply> {
  // read in turn, synchronously: a node's few files, where reads through the thread pool cost more
  const contents = new Map(intent.writes.map((path) => [path, readFileSync(join(sourceDir, path))] as const));
  return stageApplyOf(projectDir, intent, contents);
}

/** Writes the apply's record with the new content given. */
export async function stageApplyOf(projectDir: string, intent: ApplyIntent, contents: ReadonlyMap<string, Uint8Array>): Promise<StagedApply> {
  const staged: Staged = {
    ...intent,
    contents: Object.fromEntries(intent.writes.map((path) => [path, Buffer.from(contents.get(path)!).toString("base64")])),
    ...(intent.keepPrevious && { previous: previousOf(join(projectDir, intent.root), intent) }),
  };
  const file = applyFile(projectDir, intent.node);
  await mkdir(dirname(file), { recursive: true });
  // a torn record is thrown away on recovery (readStaged): nothing it describes was done yet
  await writeFileDurably(file, JSON.stringify(staged));
  return staged;
}

/** What the apply replaces (for `phoenix reject`), read synchronously as the new contents are. */
function previousOf(rootDir: string, intent: ApplyIntent): Previous {
  const touched = [...intent.writes, ...intent.deletes];
  const contents: Record<string, string> = {};
  for (const path of touched) {
    const bytes = unlessAbsent(() => readFileSync(join(rootDir, path)));
    if (bytes !== undefined) contents[path] = bytes.toString("base64");
  }
  return { state: intent.keepPrevious!.state, touched, existed: touched.filter((p) => p in contents), contents };
}

/** What completing an apply needs from the engine: recording the lock entry and committing. */
export interface ApplyEffects {
  record(intent: ApplyIntent): Promise<void>;
  commit(intent: ApplyIntent): Promise<void>;
}

/** Does everything the intent says (again, if it was half done) and removes the record. */
export async function completeApply(projectDir: string, intent: ApplyIntent, effects: ApplyEffects): Promise<void> {
  await applyFiles(projectDir, intent);
  await effects.record(intent);
  await finishApply(projectDir, intent, effects);
}

/**
 * The intent's files written and deleted in the real tree (again, if they were), from its record:
 * the one just written when the caller has it, else the one on disk. They are on disk when it
 * returns; with `deferFlush`, when the returned flush has run instead, which must be before the
 * record goes (until then a crash redoes the apply from the record, contents and all): a build
 * flushes a batch of applies at its next phoenix.lock write, off each node's way.
 */
export async function applyFiles(projectDir: string, intent: ApplyIntent, written?: StagedApply, options: { deferFlush?: boolean } = {}): Promise<() => Promise<void>> {
  const staged = written ?? await readStaged(applyFile(projectDir, intent.node));
  if (!staged) throw new Error(`the record of ${intent.node}'s apply is missing or unreadable (${applyFile(projectDir, intent.node)})`);
  const rootDir = join(projectDir, intent.root);
  const deferFlush = options.deferFlush === true;
  const folders = new Set<string>();
  const files: string[] = [];
  await Promise.all(staged.writes.map(async (path) => {
    const target = join(rootDir, path);
    await mkdir(dirname(target), { recursive: true });
    await rename(await writeTemp(target, Buffer.from(staged.contents[path]!, "base64"), { flush: !deferFlush }), target);
    files.push(target);
    folders.add(dirname(target));
  }));
  for (const path of staged.deletes) {
    await rm(join(rootDir, path), { force: true });
    folders.add(dirname(join(rootDir, path)));
  }
  // each folder's renames and removals flushed once, before the record can go
  const flush = async () => {
    if (deferFlush) await Promise.all(files.map(fsyncFile));
    await Promise.all([...folders].map(fsyncDirectory));
  };
  if (deferFlush) return flush;
  await flush();
  return async () => undefined;
}

/** After the lock entry is on disk: the commit, then the record kept as the previous version, or removed. */
export async function finishApply(projectDir: string, intent: ApplyIntent, effects: Pick<ApplyEffects, "commit">): Promise<void> {
  if (intent.commit) await effects.commit(intent);
  const file = applyFile(projectDir, intent.node);
  if (!intent.keepPrevious) return rm(file, { force: true });
  await mkdir(dirname(previousFile(projectDir, intent.node)), { recursive: true });
  // moved before a crash: nothing left to do
  await rename(file, previousFile(projectDir, intent.node)).catch(absentAs(undefined));
}

/** The version before the node's last apply, if phoenix kept it. */
export async function readPrevious(projectDir: string, node: string): Promise<Previous | undefined> {
  return (await readStaged(previousFile(projectDir, node)))?.previous;
}

async function readStaged(file: string): Promise<Staged | undefined> {
  const text = await readFile(file, "utf8").catch(absentAs(undefined));
  return text === undefined ? undefined : stagedSchema.safeParse(safeJson(text)).data;
}

/**
 * Finishes the applies a crash interrupted (their records were written) and throws away what
 * never reached its commit point (a temporary file, an unreadable record). Returns the nodes completed.
 */
export async function recoverApplies(projectDir: string, effects: ApplyEffects): Promise<string[]> {
  const parent = join(projectDir, ".phoenix", "apply");
  const entries = await readdir(parent, { withFileTypes: true }).catch(absentAs([]));
  const completed: string[] = [];
  for (const entry of entries.sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const staged = entry.isFile() && entry.name.endsWith(".json") ? await readStaged(join(parent, entry.name)) : undefined;
    if (staged && `${staged.node}.json` === entry.name) {
      await completeApply(projectDir, staged, effects);
      completed.push(staged.node);
    } else {
      await rm(join(parent, entry.name), { recursive: true, force: true });
    }
  }
  return completed;
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
