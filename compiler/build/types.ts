/**
 * The shapes the build engine's parts exchange: workspace, agent, guard, checks, feedback,
 * journal. Each part lives in its own module; the engine (engine.ts) strings them together:
 *
 *   workspace -> agent -> guard -> checks -> (feedback -> agent ...) -> apply -> record -> journal
 */

/** One file an attempt changed, relative to the root. */
export interface FileChange {
  path: string;
  change: "added" | "modified" | "deleted";
  /** A pipe, socket or device is `other`. */
  kind: "file" | "symlink" | "other";
  /** Size in bytes of the new content; absent for a deletion. */
  size?: number;
  /** For a symlink: where it points. */
  target?: string;
}

/** Why the guard refused a change. */
export type RefusalReason =
  | "outside-owned" | "protected" | "spec" | "lock" | "symlink-escape" | "path-traversal" | "too-large" | "not-a-file";

export interface Refusal {
  path: string;
  reason: RefusalReason;
  /** One sentence for the agent: what was refused and what to do instead. */
  message: string;
}

/** What the guard let through and what it refused (and reverted in the workspace). */
export interface GuardResult {
  accepted: FileChange[];
  refused: Refusal[];
}

/** A structured failure parsed from a check's output (tsc, vitest/jest, eslint, TAP). */
export interface FailureItem {
  file?: string;
  line?: number;
  column?: number;
  /** The test name, rule or error code, when the format has one. */
  name?: string;
  message: string;
}

export type CheckVerdict = "pass" | "fail" | "error";

export interface CheckOutcome {
  check: string;
  /** `system` for the system's checks, else the component's name. */
  owner: string;
  verdict: CheckVerdict;
  exitCode: number | null;
  /** True when the check ran out of time (then verdict is `fail`). */
  timedOut: boolean;
  durationMs: number;
  /** The last lines of stdout and stderr, trimmed to a budget. */
  stdoutTail: string;
  stderrTail: string;
  failures: FailureItem[];
  /** A few lines a person can read: recorded in phoenix.lock as evidence. */
  evidence: string;
  /** Coverage in percent, when the check's output reports it. */
  coverage?: number;
}

/** What the agent is told about the previous attempt. */
export interface Feedback {
  attempt: number;
  checks: CheckOutcome[];
  refused: Refusal[];
  /** Set when the agent itself failed (exited non-zero, timed out, a bad script). */
  agentError?: string;
}

/** How checks and command agents are confined. */
export type SandboxMode = "auto" | "bwrap" | "none";
