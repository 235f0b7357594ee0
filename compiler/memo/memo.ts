/**
 * The answer memo: a read-only command's output, kept with the witnesses it was made from
 * (.phoenix/memo/COMMAND.json, a cache). When the same command is asked again, with the same
 * arguments, from the same directory, on the same day, by the same build of phoenix, and every
 * witness still has its stat, the answer cannot have changed and is given back without reading
 * a spec, the lock or an owned file: a no-op `phoenix status` costs stats alone, as ninja's
 * does. Gradle's configuration cache and git's index make the same bet, with the same rule for
 * racy stats: a path that changed at or after the moment the answer began is never vouched for.
 */
import { randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { codeIdentity } from "./code-identity.js";
import { changedAtMs, unchanged, witness, type Witness } from "./witness.js";

const MEMO_VERSION = 1;
export const MEMO_DIR = join(".phoenix", "memo");

/** Everything besides the witnessed files that an answer depends on. */
export interface MemoKey {
  /** The command's name: status, diff. */
  command: string;
  /** The whole command line after `phoenix`, as given. */
  argv: readonly string[];
  cwd: string;
}

interface MemoFile {
  version: number;
  key: string;
  witness: Witness;
  stdout: string;
  exitCode: number;
}

/** The remembered answer to `key`, if every witness proves it still holds. */
export function replay(projectDir: string, key: MemoKey): { stdout: string; exitCode: number } | undefined {
  let memo: MemoFile;
  try {
    memo = JSON.parse(readFileSync(memoPath(projectDir, key.command), "utf8")) as MemoFile;
  } catch {
    return undefined;
  }
  if (memo.version !== MEMO_VERSION || memo.key !== keyText(key)) return undefined;
  return unchanged(projectDir, memo.witness) ? { stdout: memo.stdout, exitCode: memo.exitCode } : undefined;
}

/** A memo being made: begun before the command reads anything, so its time bounds every read. */
export interface PendingMemo {
  tempPath: string;
  startedAtMs: number;
}

/** Undefined when no memo can be written here (a read-only checkout): the command just runs. */
export function beginMemo(projectDir: string, command: string): PendingMemo | undefined {
  const tempPath = `${memoPath(projectDir, command)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    mkdirSync(join(projectDir, MEMO_DIR), { recursive: true });
    writeFileSync(tempPath, "");
    // the file system's own clock and granularity: the ones every witness's ctime is stamped with
    return { tempPath, startedAtMs: statSync(tempPath).mtimeMs };
  } catch {
    rmSync(tempPath, { force: true });
    return undefined;
  }
}

/**
 * Keeps the answer, unless its inputs are unknown, or a witness changed while it was being made
 * (or in the same clock tick): then the answer may describe a state that no longer exists.
 */
export function finishMemo(
  projectDir: string, pending: PendingMemo, key: MemoKey, inputs: { trees: readonly string[]; files: readonly string[] } | undefined, answer: { stdout: string; exitCode: number },
): boolean {
  try {
    if (!inputs) return false;
    const witnessed = witness(projectDir, inputs.trees, inputs.files);
    const racy = witnessed.stamps.some(([, stat]) => (changedAtMs(stat) ?? 0) >= pending.startedAtMs);
    if (racy) return false;
    const memo: MemoFile = { version: MEMO_VERSION, key: keyText(key), witness: witnessed, ...answer };
    writeFileSync(pending.tempPath, JSON.stringify(memo));
    renameSync(pending.tempPath, memoPath(projectDir, key.command));
    return true;
  } catch {
    return false; // a memo that cannot be written is only a slower next run
  } finally {
    rmSync(pending.tempPath, { force: true });
  }
}

function memoPath(projectDir: string, command: string): string {
  return join(projectDir, MEMO_DIR, `${command}.json`);
}

/** The key with what every answer depends on: the day (patches expire) and the build of phoenix. */
function keyText(key: MemoKey): string {
  return JSON.stringify({ ...key, today: new Date().toISOString().slice(0, 10), code: codeIdentity() });
}

