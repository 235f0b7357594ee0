/**
 * Applying a green node to the real tree, crash-safe: a redo log.
 *
 *   1. stage: the new files are copied to `.phoenix/apply/NODE/files/`;
 *   2. commit point: `.phoenix/apply/NODE/intent.json` is written atomically, naming the files to
 *      write and delete and the lock entry to record;
 *   3. redo: each file is replaced atomically, deletions made, the lock entry recorded, the git
 *      commit made; then the folder is removed.
 *
 * Every redo step is idempotent, so a crash at any moment leaves either the old files (no intent:
 * the staging is thrown away) or an intent that the next build completes before planning.
 */
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { dirname, join } from "node:path";
import { z } from "zod";
import { absentAs } from "../absent.js";
import { fsyncDirectory, writeFileAtomic } from "../atomic-write.js";
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
  /** Those of them that existed before; their old content is under `files/`. */
  existed: z.array(z.string()),
});
export type Previous = z.infer<typeof previousSchema>;

/** Where the version before a node's last apply is kept. */
export function previousDir(projectDir: string, node: string): string {
  return join(projectDir, ".phoenix", "previous", node);
}

/** Where a node's apply is staged. */
export function applyDir(projectDir: string, node: string): string {
  return join(projectDir, ".phoenix", "apply", node);
}

/** Stages the files and writes the intent: after this returns, the apply will happen, now or after a crash. */
export async function stageApply(projectDir: string, sourceDir: string, intent: ApplyIntent): Promise<void> {
  const dir = applyDir(projectDir, intent.node);
  await rm(dir, { recursive: true, force: true });
  await mkdir(dir, { recursive: true });
  for (const path of intent.writes) {
    const staged = join(dir, "files", path);
    await mkdir(dirname(staged), { recursive: true });
    await writeFileAtomic(staged, await readFile(join(sourceDir, path)));
  }
  if (intent.keepPrevious) await stagePrevious(dir, join(projectDir, intent.root), intent);
  await writeFileAtomic(join(dir, "intent.json"), `${JSON.stringify(intent, null, 2)}\n`);
}

async function stagePrevious(dir: string, rootDir: string, intent: ApplyIntent): Promise<void> {
  const touched = [...intent.writes, ...intent.deletes];
  const existed: string[] = [];
  for (const path of touched) {
    const bytes = await readFile(join(rootDir, path)).catch(absentAs(undefined));
    if (bytes === undefined) continue;
    existed.push(path);
    await mkdir(dirname(join(dir, "previous", "files", path)), { recursive: true });
    await writeFileAtomic(join(dir, "previous", "files", path), bytes);
  }
  const previous: Previous = { state: intent.keepPrevious!.state, touched, existed };
  await mkdir(join(dir, "previous"), { recursive: true });
  await writeFileAtomic(join(dir, "previous", "previous.json"), `${JSON.stringify(previous, null, 2)}\n`);
}

/** What completing an apply needs from the engine: recording the lock entry and committing. */
export interface ApplyEffects {
  record(intent: ApplyIntent): Promise<void>;
  commit(intent: ApplyIntent): Promise<void>;
}

/** Does everything the intent says (again, if it was half done) and removes the staging. */
export async function completeApply(projectDir: string, intent: ApplyIntent, effects: ApplyEffects): Promise<void> {
  await applyFiles(projectDir, intent);
  await effects.record(intent);
  await finishApply(projectDir, intent, effects);
}

/** The intent's files written and deleted in the real tree (again, if they were). */
export async function applyFiles(projectDir: string, intent: ApplyIntent): Promise<void> {
  const dir = applyDir(projectDir, intent.node);
  const rootDir = join(projectDir, intent.root);
  for (const path of intent.writes) {
    const target = join(rootDir, path);
    await mkdir(dirname(target), { recursive: true });
    await writeFileAtomic(target, await readFile(join(dir, "files", path)));
  }
  for (const path of intent.deletes) {
    await rm(join(rootDir, path), { force: true });
    await fsyncDirectory(dirname(join(rootDir, path)));
  }
}

/** After the lock entry is on disk: the commit, the previous version kept, the staging removed. */
export async function finishApply(projectDir: string, intent: ApplyIntent, effects: Pick<ApplyEffects, "commit">): Promise<void> {
  if (intent.commit) await effects.commit(intent);
  if (intent.keepPrevious) await keepPrevious(projectDir, intent.node);
  await rm(applyDir(projectDir, intent.node), { recursive: true, force: true });
}

/** Moves the staged previous version to `.phoenix/previous/NODE/`, replacing an older one. */
async function keepPrevious(projectDir: string, node: string): Promise<void> {
  const staged = join(applyDir(projectDir, node), "previous");
  if (!(await readFile(join(staged, "previous.json")).catch(absentAs(undefined)))) return; // moved before a crash
  const kept = previousDir(projectDir, node);
  await rm(kept, { recursive: true, force: true });
  await mkdir(dirname(kept), { recursive: true });
  await rename(staged, kept);
}

/** The version before the node's last apply, if phoenix kept it. */
export async function readPrevious(projectDir: string, node: string): Promise<Previous | undefined> {
  const text = await readFile(join(previousDir(projectDir, node), "previous.json"), "utf8").catch(absentAs(undefined));
  return text === undefined ? undefined : previousSchema.safeParse(safeJson(text)).data;
}

/**
 * Finishes the applies a crash interrupted (their intents were written) and throws away staging
 * that never reached its commit point. Returns the nodes completed.
 */
export async function recoverApplies(projectDir: string, effects: ApplyEffects): Promise<string[]> {
  const parent = join(projectDir, ".phoenix", "apply");
  const entries = await readdir(parent, { withFileTypes: true }).catch(absentAs([]));
  const completed: string[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => (a.name < b.name ? -1 : 1))) {
    const text = await readFile(join(parent, entry.name, "intent.json"), "utf8").catch(absentAs(undefined));
    const intent = text === undefined ? undefined : intentSchema.safeParse(safeJson(text)).data;
    if (intent && intent.node === entry.name) {
      await completeApply(projectDir, intent, effects);
      completed.push(intent.node);
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
