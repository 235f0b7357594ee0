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
import type { CommandInputs } from "../cli/command.js";
import { codeIdentity } from "./code-identity.js";
import { changedAtMs, inProject, stampOf, witness, type Witness } from "./witness.js";

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

/** What a replay that finds no answer leaves behind, for the plan memo (plan-memo.ts) to start from. */
export interface ReplayTrail {
  /** Filled with the current stamp of every witnessed path the replay looked at. */
  seen: Map<string, string>;
  /** Whether to look on past a change (one the plan memo can follow); by default it stops at the first. */
  keepLooking?: (path: string, before: string, now: string) => boolean;
}

/** The remembered answer to `key`, if every witness proves it still holds. */
export function replay(projectDir: string, key: MemoKey, trail?: ReplayTrail): { stdout: string; exitCode: number } | undefined {
  let memo: MemoFile;
  try {
    memo = JSON.parse(readFileSync(memoPath(projectDir, key.command), "utf8")) as MemoFile;
  } catch {
    return undefined;
  }
  if (memo.version !== MEMO_VERSION || memo.key !== keyText(key)) return undefined;
  let same = true;
  for (const [path, stat] of memo.witness.stamps) {
    const now = stampOf(inProject(projectDir, path));
    trail?.seen.set(path, now);
    if (now === stat) continue;
    same = false;
    if (!trail?.keepLooking?.(path, stat, now)) break;
  }
  return same ? { stdout: memo.stdout, exitCode: memo.exitCode } : undefined;
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
  projectDir: string, pending: PendingMemo, key: MemoKey, inputs: CommandInputs | undefined, answer: { stdout: string; exitCode: number },
): boolean {
  try {
    if (!inputs) return false;
    const witnessed = inputs.witness ?? witness(projectDir, inputs.trees, inputs.files);
    const racy = witnessed.stamps.some(([, stat]) => (changedAtMs(stat) ?? 0) >= pending.startedAtMs);
    if (racy) return false;
    const memo: MemoFile = { version: MEMO_VERSION, key: keyText(key), witness: witnessed, ...answer };
    writeFileSync(pending.tempPath, JSON.stringify(memo));
    renameSync(pending.tempPath, memoPath(projectDir, key.command));
    inputs.keep?.(witnessed);
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

