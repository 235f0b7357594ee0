/**
 * The shapes the build engine's parts exchange: workspace, agent, guard, checks, feedback,
 * journal. Each part lives in its own module; the engine (engine.ts) strings them together:
 *
 *   workspace -> agent -> guard -> checks -> (feedback -> agent ...) -> apply -> record -> journal
 */
import type { Check } from "../ir.js";

/** A private copy of the system root in which one attempt of one node works. */
export interface Workspace {
  /** Absolute path of the copy; the agent's and the checks' working directory. */
  dir: string;
  /** Every regular file at the start (path relative to the root -> sha256), to diff against. */
  start: ReadonlyMap<string, string>;
  /** Removes the copy. Safe to call twice. */
  discard(): Promise<void>;
}

/** One file an attempt changed, relative to the root. */
export interface FileChange {
  path: string;
  change: "added" | "modified" | "deleted";
  /** sha256 of the new content; absent for a deletion. */
  hash?: string;
  size?: number;
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
}

/** What the agent is told about the previous attempt. */
export interface Feedback {
  attempt: number;
  checks: CheckOutcome[];
  refused: Refusal[];
}

/** How checks and command agents are confined. */
export type SandboxMode = "auto" | "bwrap" | "none";

export interface RunCheckOptions {
  workspace: string;
  check: Check;
  owner: string;
  sandbox: SandboxMode;
  /** Extra environment for the check. */
  env?: Record<string, string>;
  signal?: AbortSignal;
}

/** One line of `.phoenix/journal.jsonl`. */
export interface JournalEntry {
  at: string;
  node: string;
  attempt: number;
  reasons: string[];
  agent: string;
  durationMs: number;
  outcome: "green" | "failed" | "refused" | "question" | "no-progress" | "cancelled" | "error";
  checks: { check: string; verdict: CheckVerdict; durationMs: number }[];
  refused: Refusal[];
  tokens?: { input: number; output: number };
}
