/**
 * The launcher: a small node process that starts phoenix's programs (checks, command agents) for
 * it. Starting a program forks, and a fork costs in proportion to the forking process's memory:
 * phoenix holding 10,000 components pays ~10 ms of its main thread per program, the launcher
 * (a few dozen MB) pays it on another core. It also kills what it started when phoenix dies,
 * even by kill -9 (its IPC channel closes).
 */
import { fork, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import type { ProcessRequest, ProcessResult } from "./index.js";

/** Over the IPC channel, to the launcher. */
export type LauncherMessage =
  | { type: "run"; id: number; request: Omit<ProcessRequest, "signal"> }
  | { type: "cancel"; id: number };

/** Back from the launcher: a result, or why there is none. */
export type LauncherReply = { id: number; result: ProcessResult } | { id: number; error: string };

/** Beside this module once built (dist/); absent when phoenix runs from its TypeScript sources. */
export const LAUNCHER_SCRIPT = fileURLToPath(new URL("./launcher-child.js", import.meta.url));

interface Pending {
  resolve: (result: ProcessResult) => void;
  reject: (error: Error) => void;
  started: number;
}

export class Launcher {
  private nextId = 1;
  private readonly pending = new Map<number, Pending>();
  private stopped: Error | undefined;

  private constructor(private readonly child: ChildProcess) {
    child.on("message", (reply: LauncherReply) => this.settle(reply));
    child.on("exit", (code, signal) => this.stop(new Error(`the launcher process stopped (${signal ?? `exit ${code}`})`)));
    child.on("error", (error) => this.stop(error));
    this.idle();
  }

  /** A launcher, or undefined when none can be started here (no built script beside this module). */
  static start(script: string = LAUNCHER_SCRIPT): Launcher | undefined {
    if (!existsSync(script)) return undefined;
    // no inherited --import or --cpu-prof: the launcher is phoenix's helper, not a copy of it
    return new Launcher(fork(script, [], { execArgv: [], stdio: ["ignore", "ignore", "inherit", "ipc"], serialization: "advanced" }));
  }

  /** The launcher's own process. */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** False once the launcher has stopped: programs then run in phoenix's own process. */
  get usable(): boolean {
    return this.stopped === undefined;
  }

  /**
   * Runs one program; a cancel through `request.signal` kills it (and its group) in the launcher.
   * If the launcher dies meanwhile, the result says so (startError): the program is not run again,
   * as it may have done part of its work.
   */
  run(request: ProcessRequest): Promise<ProcessResult> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    const { signal, ...rest } = request;
    const result = new Promise<ProcessResult>((resolve, reject) => this.pending.set(id, { resolve, reject, started: performance.now() }));
    this.busy();
    this.child.send({ type: "run", id, request: rest } satisfies LauncherMessage);
    if (signal) {
      const cancel = () => this.stopped || this.child.send({ type: "cancel", id } satisfies LauncherMessage);
      if (signal.aborted) cancel();
      else {
        signal.addEventListener("abort", cancel, { once: true });
        void result.finally(() => signal.removeEventListener("abort", cancel)).catch(() => undefined);
      }
    }
    return result;
  }

  /** Stops the launcher; programs it still runs are killed with it. */
  close(): void {
    this.stop(new Error("the launcher was closed"));
    this.child.kill();
  }

  private settle(reply: LauncherReply): void {
    const waiting = this.pending.get(reply.id);
    if (!waiting) return;
    this.pending.delete(reply.id);
    if ("result" in reply) waiting.resolve(reply.result);
    else waiting.reject(new Error(`the launcher failed to run a program: ${reply.error}`));
    if (this.pending.size === 0) this.idle();
  }

  private stop(error: Error): void {
    this.stopped ??= error;
    for (const waiting of this.pending.values()) waiting.resolve(lost(this.stopped, waiting.started));
    this.pending.clear();
  }

  /** While programs run, the launcher keeps phoenix alive; idle, it never does. */
  private busy(): void {
    this.child.ref();
    this.child.channel?.ref();
  }

  private idle(): void {
    this.child.unref();
    this.child.channel?.unref();
  }
}

/** The result of a program whose launcher died under it: a failure that says why. */
function lost(reason: Error, started: number): ProcessResult {
  return {
    exitCode: null, signal: null, timedOut: false, cancelled: false, stdout: "", stderr: "",
    durationMs: Math.round(performance.now() - started), startError: `${reason.message} while the program ran`,
  };
}
