/**
 * Running one program for the build (a check, a command agent): what is asked, what comes back,
 * and where it runs: in the launcher (launcher.ts) when one can be started, here otherwise
 * (here.ts). Either way in its own process group, with its output kept to a tail.
 */
import { Launcher } from "./launcher.js";

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
  /** Set when the program could not be started at all (ENOENT, EACCES), or its launcher died. */
  startError?: string;
}

export async function runProcess(request: ProcessRequest): Promise<ProcessResult> {
  const launcher = sharedLauncher();
  if (launcher?.usable) return launcher.run(request);
  const { runHere } = await import("./here.js");
  return runHere(request);
}

let shared: Launcher | undefined | null = null;

/** The launcher this process shares, started on first use; PHOENIX_LAUNCHER=off runs programs here. */
function sharedLauncher(): Launcher | undefined {
  if (shared === null) shared = process.env["PHOENIX_LAUNCHER"] === "off" ? undefined : Launcher.start();
  return shared;
}

/** The last `lines` lines of `text`, at most `characters` long: what a person or an agent reads first. */
export function tail(text: string, lines = 40, characters = 4_000): string {
  const kept = text.trimEnd().split("\n").slice(-lines).join("\n");
  return kept.length <= characters ? kept : `…${kept.slice(-characters)}`;
}
