/**
 * What a build reports while it runs: the engine emits these, the CLI renders them (live lines
 * on a terminal, plain lines in a log, JSON lines with --json). Plain data.
 */
import type { AttemptOutcome } from "./journal.js";
import type { CheckVerdict, Refusal } from "./types.js";

/** How a node's part in a build ended. */
export type NodeResult =
  | "green" // built, every blocking check passed, applied
  | "unchanged" // not stale (or its dependencies' interfaces did not change): nothing to do
  | "failed" // out of attempts, or no progress
  | "needs-human" // the agent asked a question, or one is still open
  | "blocked" // a dependency did not get green
  | "cancelled"; // Ctrl-C

export type BuildEvent =
  | { type: "recovered"; nodes: string[] }
  | { type: "plan"; build: string; nodes: { node: string; reasons: string[] }[]; removals: string[]; agents: Record<string, string>; sandbox: string; checks: string; jobs: number }
  | { type: "removed"; node: string; files: number }
  | { type: "node-start"; node: string; index: number; total: number; reasons: string[]; agent: string }
  | { type: "attempt-start"; node: string; attempt: number; maxAttempts: number }
  | { type: "agent-done"; node: string; attempt: number; outcome: string; detail?: string }
  | { type: "refused"; node: string; attempt: number; refused: Refusal[] }
  | { type: "check-start"; node: string; attempt: number; check: string; owner: string; byAgent: boolean }
  | { type: "check-done"; node: string; attempt: number; check: string; owner: string; verdict: CheckVerdict; advisory: boolean; evidence: string; byAgent: boolean }
  | { type: "checks-waiting"; node: string; checks: { check: string; kind: string; why: string }[] }
  | { type: "attempt-done"; node: string; attempt: number; outcome: AttemptOutcome }
  | { type: "node-done"; node: string; result: NodeResult; detail: string; attempts: number; durationMs: number; files?: number }
  | { type: "cancelling" }
  | { type: "done"; counts: Record<NodeResult, number>; removed: number; awaitingApproval: string[]; exitCode: number };
