/**
 * Running one program for the build (a check, a command agent): through execa, in its own process
 * group so that a timeout or a cancel kills the program *and everything it started* (a shell's
 * children would otherwise outlive it), with its output kept to a readable tail.
 */


/** execa takes about 0.2 s to import: loaded when a program is first run, not before. */
const loadExeca = () => import("execa").then((m) => m.execa);

export interface ProcessRequest {
  /** argv: the program and its arguments (already wrapped by the sandbox, if any). */
  argv: readonly string[];
  cwd: string;
  env: Readonly<Record<string, string | undefined>>;
  /** Written to the program's stdin, then closed. */
  input?: string;
  timeoutMs?: number;
  signal?: AbortSignal;
}

export interface ProcessResult {
  /** null when the program was killed by a signal. */
  exitCode: number | null;
  signal: string | null;
  timedOut: boolean;
  cancelled: boolean;
  stdout: string;
  stderr: string;
  durationMs: number;
  /** Set when the program could not be started at all (ENOENT, EACCES). */
  startError?: string;
}

/** Output beyond this is dropped from the middle: the start says what ran, the end why it failed. */
const KEEP_CHARACTERS = 200_000;

export async function runProcess(request: ProcessRequest): Promise<ProcessResult> {
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

/** The last `lines` lines of `text`, at most `characters` long: what a person or an agent reads first. */
export function tail(text: string, lines = 40, characters = 4_000): string {
  const kept = text.trimEnd().split("\n").slice(-lines).join("\n");
  return kept.length <= characters ? kept : `…${kept.slice(-characters)}`;
}
