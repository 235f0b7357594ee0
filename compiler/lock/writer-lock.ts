/**
 * The writer lock: one phoenix at a time may change phoenix.lock. It is the file `.phoenix/lock`
 * (JSON: pid, host, since, token, command), created with O_EXCL so two processes cannot both
 * make it, and removed when the work is done. A second writer fails at once with a message that
 * names the holder; a lock left on this host by a process that no longer runs (a crash, ^C) is
 * taken over with a warning. A lock from another host is never taken over: its pid means nothing
 * here.
 */
import { randomUUID } from "node:crypto";
import { hostname } from "node:os";
import { mkdir, open, readFile, rename, rm, link } from "node:fs/promises";
import { join, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../cli/command.js";

/** Where the writer lock lives, relative to the project directory. */
export const WRITER_LOCK_FILE = ".phoenix/lock";

const holderSchema = z.object({
  pid: z.number().int().positive(),
  host: z.string(),
  /** When the holder took the lock (ISO time). */
  since: z.string(),
  /** Unique per acquisition: release removes the file only if it is still this holder's. */
  token: z.string(),
  /** What the holder was doing (`build api`), for the message a second writer gets. */
  command: z.string().optional(),
});
/** Who holds the writer lock. */
export type LockHolder = z.infer<typeof holderSchema>;

/** The writer lock is held by another live phoenix (or cannot be read): exit 1, naming the holder. */
export class WriterLockError extends UserError {
  constructor(
    message: string,
    /** The holder, when the lock file could be read. */
    readonly holder: LockHolder | undefined,
  ) {
    super(message);
  }
}

export interface WriterLockOptions {
  /**
   * Told when a stale lock (its process is gone) is taken over, so the caller can print it:
   * a takeover is never silent.
   */
  onWarning: (message: string) => void;
}

/** Project directories whose writer lock this process holds, with the holder's token. */
const held = new Map<string, string>();

/** Whether this process holds the writer lock of `projectDir` (writeLock requires it). */
export function holdsWriterLock(projectDir: string): boolean {
  return held.has(resolve(projectDir));
}

/**
 * Runs `fn` holding the writer lock of `projectDir` and releases it afterwards, also when `fn`
 * throws. Throws WriterLockError at once (no waiting) when another process holds it. Nested calls
 * for the same project in one process run `fn` directly: the lock is already held.
 */
export async function withWriterLock<T>(projectDir: string, fn: () => Promise<T>, options: WriterLockOptions): Promise<T> {
  const dir = resolve(projectDir);
  if (held.has(dir)) return fn();
  const holder = await acquire(dir, options);
  held.set(dir, holder.token);
  try {
    return await fn();
  } finally {
    held.delete(dir);
    await release(dir, holder);
  }
}

/** How many times a lock file found empty or half-written is read again before giving up. */
const UNREADABLE_RETRIES = 10;
const RETRY_DELAY_MS = 20;

async function acquire(dir: string, options: WriterLockOptions): Promise<LockHolder> {
  const path = join(dir, WRITER_LOCK_FILE);
  try {
    await mkdir(join(dir, ".phoenix"), { recursive: true });
  } catch (error) {
    throw new UserError(`cannot create ${join(dir, ".phoenix")} for the writer lock: ${(error as Error).message}`);
  }
  const me: LockHolder = {
    pid: process.pid,
    host: hostname(),
    since: new Date().toISOString(),
    token: randomUUID(),
    command: process.argv.slice(2).join(" ") || undefined,
  };
  let unreadable = 0;
  // each turn either takes the lock, fails, or removes a stale lock and tries again
  for (;;) {
    if (await create(path, me)) return me;
    const found = await readHolder(path);
    if (found.kind === "gone") continue;
    if (found.kind === "unreadable") {
      // the holder may be between creating the file and writing it: look again shortly
      if (++unreadable > UNREADABLE_RETRIES) {
        throw new WriterLockError(
          `the writer lock ${WRITER_LOCK_FILE} exists but cannot be read (${found.reason}); if no phoenix is running, delete ${WRITER_LOCK_FILE}`,
          undefined,
        );
      }
      await sleep(RETRY_DELAY_MS);
      continue;
    }
    const holder = found.holder;
    if (holder.host !== me.host || isAlive(holder.pid)) throw heldBy(holder, me.host);
    if (await removeStale(path, found.text)) {
      options.onWarning(
        `took over the writer lock ${WRITER_LOCK_FILE} left by pid ${holder.pid} on this host (${holder.host}) since ${holder.since}: that process is no longer running`,
      );
    }
  }
}

/** Creates the lock file with O_EXCL; false when it already exists. */
async function create(path: string, me: LockHolder): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, "wx", 0o644);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "EEXIST") return false;
    throw new UserError(`cannot create the writer lock ${WRITER_LOCK_FILE}: ${(error as Error).message}`);
  }
  try {
    await handle.writeFile(`${JSON.stringify(me)}\n`);
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(path, { force: true });
    throw error;
  }
  await handle.close();
  return true;
}

type Found =
  | { kind: "held"; holder: LockHolder; text: string }
  | { kind: "unreadable"; reason: string }
  | { kind: "gone" };

async function readHolder(path: string): Promise<Found> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "gone" };
    return { kind: "unreadable", reason: (error as Error).message };
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { kind: "unreadable", reason: text.trim() === "" ? "it is empty" : "it is not JSON" };
  }
  const parsed = holderSchema.safeParse(value);
  if (!parsed.success) return { kind: "unreadable", reason: "it does not name a pid, host, time and token" };
  return { kind: "held", holder: parsed.data, text };
}

/**
 * Removes a stale lock, but only if it is still the one judged stale: it is first renamed
 * aside (atomic, so of two processes taking over only one gets it), then checked. If a live
 * lock was moved by mistake (another process took over in between) it is put back.
 */
async function removeStale(path: string, staleText: string): Promise<boolean> {
  const aside = `${path}.stale-${randomUUID().slice(0, 8)}`;
  try {
    await rename(path, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return false;
    throw error;
  }
  try {
    const moved = await readFile(aside, "utf8");
    if (moved === staleText) return true;
    // link fails if a lock has appeared meanwhile, never replacing it
    await link(aside, path).catch(() => undefined);
    return false;
  } finally {
    await rm(aside, { force: true });
  }
}

/** Removes the lock file if it is still ours (a takeover by someone else is not undone). */
async function release(dir: string, me: LockHolder): Promise<void> {
  const path = join(dir, WRITER_LOCK_FILE);
  const found = await readHolder(path);
  if (found.kind === "held" && found.holder.token === me.token) await rm(path, { force: true });
}

/** Whether a process with this pid runs on this host (EPERM: it runs, as another user). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === "EPERM";
  }
}

function heldBy(holder: LockHolder, myHost: string): WriterLockError {
  const where = holder.host === myHost ? `on this host (${holder.host})` : `on host ${holder.host}`;
  const doing = holder.command ? `, running \`phoenix ${holder.command}\`` : "";
  const advice = holder.host === myHost
    ? `wait for it to finish (if pid ${holder.pid} is not phoenix, delete ${WRITER_LOCK_FILE})`
    : `wait for it to finish; if that phoenix is no longer running, delete ${WRITER_LOCK_FILE}`;
  return new WriterLockError(
    `phoenix.lock is being changed by another phoenix: pid ${holder.pid} ${where}, since ${holder.since}${doing}; ${advice}`,
    holder,
  );
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
