/**
 * Running one program in this process, in its own process group so that a timeout or a cancel
 * kills the program *and everything it started* (a shell's children would otherwise outlive it),
 * with its output kept to a readable tail. The launcher runs programs with this; so does phoenix
 * itself where no launcher can be started.
 *
 * Straight on child_process.spawn: execa cost ~3.5 ms a program on top of the spawn's ~3 ms,
 * and a build runs a program or two per node.
 */
import { spawn, type ChildProcess } from "node:child_process";
import type { ProcessRequest, ProcessResult } from "./index.js";

/** Output beyond this is dropped from the middle: the start says what ran, the end why it failed. */
const KEEP_CHARACTERS = 200_000;
/** Bytes of a stream held at each end while a program runs; the middle of more is dropped as it comes. */
const HOLD_BYTES = 1024 * 1024;

export async function runHere(request: ProcessRequest): Promise<ProcessResult> {
  const started = performance.now();
  const [file, ...args] = request.argv;
  let child: ChildProcess;
  try {
    child = spawn(file!, args, { cwd: request.cwd, env: request.env as NodeJS.ProcessEnv, detached: true, stdio: ["pipe", "pipe", "pipe"] });
  } catch (error) {
    // a malformed request (a NUL in an argument): nothing started
    return notStarted((error as Error).message, started);
  }
  const stdout = new HeldOutput();
  const stderr = new HeldOutput();
  child.stdout!.on("data", (chunk: Buffer) => stdout.add(chunk));
  child.stderr!.on("data", (chunk: Buffer) => stderr.add(chunk));
  // a program that exits without reading its input is no failure of ours
  child.stdin!.on("error", () => undefined);
  child.stdin!.end(request.input ?? "");
  let timedOut = false;
  let cancelled = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group is already gone
    }
  };
  if (child.pid !== undefined) running.add(killGroup);
  const timer = request.timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; killGroup(); }, request.timeoutMs);
  const onAbort = () => { cancelled = true; killGroup(); };
  if (request.signal?.aborted) onAbort();
  request.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const ended = await new Promise<{ code: number | null; signal: NodeJS.Signals | null; error?: Error }>((resolve) => {
      let error: Error | undefined;
      child.once("error", (e) => {
        error = e;
        if (child.pid === undefined) resolve({ code: null, signal: null, error });
      });
      // what it left running in its group would hold its output open: gone with it
      child.once("exit", killGroup);
      child.once("close", (code, signal) => resolve({ code, signal, ...(error && { error }) }));
    });
    const startError = ended.error && child.pid === undefined ? ended.error.message : undefined;
    return {
      exitCode: ended.code,
      signal: ended.signal,
      timedOut,
      cancelled,
      stdout: keep(stdout.text()),
      stderr: keep(stderr.text()),
      durationMs: Math.round(performance.now() - started),
      ...(startError !== undefined && { startError }),
    };
  } finally {
    if (timer) clearTimeout(timer);
    request.signal?.removeEventListener("abort", onAbort);
    running.delete(killGroup);
    killGroup();
  }
}

/** Every running program's group, killed if this process exits first (phoenix's exit, the launcher's). */
const running = new Set<() => void>();
process.once("exit", () => running.forEach((kill) => kill()));

function notStarted(message: string, started: number): ProcessResult {
  return { exitCode: null, signal: null, timedOut: false, cancelled: false, stdout: "", stderr: "", durationMs: Math.round(performance.now() - started), startError: message };
}

/** A stream's bytes: its start and its end, the middle of a flood dropped as it comes. */
class HeldOutput {
  private readonly head: Buffer[] = [];
  private headBytes = 0;
  private tail: Buffer[] = [];
  private tailBytes = 0;
  private dropped = 0;

  add(chunk: Buffer): void {
    if (this.headBytes < HOLD_BYTES) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      return;
    }
    this.tail.push(chunk);
    this.tailBytes += chunk.length;
    while (this.tailBytes - this.tail[0]!.length >= HOLD_BYTES) {
      this.dropped += this.tail[0]!.length;
      this.tailBytes -= this.tail.shift()!.length;
    }
  }

  text(): string {
    if (this.dropped === 0) return Buffer.concat([...this.head, ...this.tail]).toString("utf8");
    return `${Buffer.concat(this.head).toString("utf8")}\n[... ${this.dropped} bytes left out ...]\n${Buffer.concat(this.tail).toString("utf8")}`;
  }
}

function keep(text: string): string {
  if (text.length <= KEEP_CHARACTERS) return text;
  const half = KEEP_CHARACTERS / 2;
  return `${text.slice(0, half)}\n[... ${text.length - KEEP_CHARACTERS} characters left out ...]\n${text.slice(-half)}`;
}
