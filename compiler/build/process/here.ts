/**
 * Running one program in this process, through execa, in its own process group so that a timeout
 * or a cancel kills the program *and everything it started* (a shell's children would otherwise
 * outlive it), with its output kept to a readable tail. The launcher runs programs with this;
 * so does phoenix itself where no launcher can be started.
 */
import type { ProcessRequest, ProcessResult } from "./index.js";

/** execa takes about 0.2 s to import: loaded when a program is first run, not before. */
const loadExeca = () => import("execa").then((m) => m.execa);

/** Output beyond this is dropped from the middle: the start says what ran, the end why it failed. */
const KEEP_CHARACTERS = 200_000;

export async function runHere(request: ProcessRequest): Promise<ProcessResult> {
  const started = performance.now();
  const [file, ...args] = request.argv;
  const execa = await loadExeca();
  const child = execa(file!, args, {
    cwd: request.cwd,
    env: request.env,
    extendEnv: false,
    input: request.input ?? "",
    reject: false,
    stripFinalNewline: false,
    detached: true,
    cleanup: true,
    maxBuffer: 64 * 1024 * 1024,
  });
  let timedOut = false;
  let cancelled = false;
  const killGroup = () => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, "SIGKILL");
    } catch {
      // the group is already gone
    }
  };
  const timer = request.timeoutMs === undefined ? undefined : setTimeout(() => { timedOut = true; killGroup(); }, request.timeoutMs);
  const onAbort = () => { cancelled = true; killGroup(); };
  if (request.signal?.aborted) onAbort();
  request.signal?.addEventListener("abort", onAbort, { once: true });
  try {
    const result = await child;
    const startError = result.failed && result.exitCode === undefined && result.signal === undefined && !timedOut && !cancelled
      ? (result.cause as Error | undefined)?.message ?? result.shortMessage
      : undefined;
    return {
      exitCode: result.exitCode ?? null,
      signal: result.signal ?? null,
      timedOut,
      cancelled,
      stdout: keep(String(result.stdout ?? "")),
      stderr: keep(String(result.stderr ?? "")),
      durationMs: Math.round(performance.now() - started),
      ...(startError !== undefined && { startError }),
    };
  } finally {
    if (timer) clearTimeout(timer);
    request.signal?.removeEventListener("abort", onAbort);
    // a program that exited may have left children behind in its group
    killGroup();
  }
}

function keep(text: string): string {
  if (text.length <= KEEP_CHARACTERS) return text;
  const half = KEEP_CHARACTERS / 2;
  return `${text.slice(0, half)}\n[... ${text.length - KEEP_CHARACTERS} characters left out ...]\n${text.slice(-half)}`;
}
