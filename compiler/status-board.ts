/**
 * `phoenix status`: the andon board. One line per component with its state and last build, the
 * states that need someone first in the eye line (listed in the order of the build). Pure.
 */
import type { JournalEntry } from "./build/journal.js";
import type { Component, Ir } from "./ir.js";
import type { ComponentState, Lock } from "./lock/schema.js";
import type { ComponentPlan, Plan } from "./plan.js";

/**
 * green: built, checks pass, nothing differs. stale: the specs (or inputs) moved on.
 * drifted: owned files changed outside phoenix. failed: a blocking check's last verdict is not a
 * pass. needs-human: an agent asked a question a person has not answered yet. awaiting-approval: a supervised component whose current outputs no human has approved.
 * removed: in phoenix.lock, no longer in the specs.
 */
export type ComponentStatus = "green" | "stale" | "drifted" | "failed" | "needs-human" | "awaiting-approval" | "removed";

export interface StatusRow {
  name: string;
  status: ComponentStatus;
  /** ISO time of the last recorded build, or null. */
  lastBuild: string | null;
  /** Why, in a few words. */
  note: string;
}

/**
 * `lastBuilds`: how each node's latest build ended (from the journal). A build that failed for
 * exactly the inputs the node has now shows as failed; once the inputs move on it is just stale.
 */
export function statusRows(plan: Plan, desired: Ir, lock: Lock, lastBuilds: ReadonlyMap<string, JournalEntry> = new Map()): StatusRow[] {
  const byName = new Map(desired.components.map((c) => [c.name, c]));
  const questions = openQuestions(lock);
  return plan.components.map((c) => statusRow(c, byName.get(c.name), lock.components[c.name], questions.get(c.name) ?? [], lastBuilds.get(c.name)));
}

/**
 * One component's row: its plan, its spec (absent for one the specs dropped), its lock entry, the
 * IDs of its open questions, and its last build in the journal.
 */
export function statusRow(
  c: ComponentPlan, spec: Pick<Component, "autonomy" | "checks"> | undefined, built: ComponentState | undefined, questions: readonly string[], last: JournalEntry | undefined,
): StatusRow {
  const failedBuild = last && isFailedBuild(last) && last.inputHash === c.inputHash ? last : undefined;
  const humanChecks = spec?.checks.filter((k) => k.kind === "human").map((k) => k.name) ?? [];
  return { name: c.name, lastBuild: built?.builtAt ?? null, ...statusOf(c, spec?.autonomy === "supervised", built, [...questions], failedBuild, humanChecks) };
}

/** Each component's open questions, by ID. */
export function openQuestions(lock: Pick<Lock, "questions">): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const [id, q] of Object.entries(lock.questions ?? {})) {
    const ids = out.get(q.component);
    if (ids) ids.push(id);
    else out.set(q.component, [id]);
  }
  return out;
}

/** A journal entry of a build that ended without getting green. */
export function isFailedBuild(entry: JournalEntry): boolean {
  return FAILED_OUTCOMES.has(entry.outcome);
}

/** Journal outcomes that end a build without getting green. */
const FAILED_OUTCOMES = new Set(["failed", "no-progress", "refused", "agent-error"]);

function statusOf(
  c: ComponentPlan, supervised: boolean, built: ComponentState | undefined, questions: string[], failedBuild: JournalEntry | undefined, humanChecks: readonly string[],
): { status: ComponentStatus; note: string } {
  if (c.action === "remove") return { status: "removed", note: "no longer in the specs" };
  if (c.drift.length > 0) return { status: "drifted", note: `${c.drift.length} file${c.drift.length === 1 ? "" : "s"} changed outside phoenix` };
  const failing = c.reasons.find((r) => r.code === "check-failing");
  if (failing) return { status: "failed", note: failing.detail };
  if (questions.length > 0) return { status: "needs-human", note: `phoenix answer ${questions.join(", ")}` };
  if (failedBuild) return { status: "failed", note: `attempt ${failedBuild.attempt}/${failedBuild.maxAttempts}: ${failedBuild.detail ?? failedBuild.outcome}` };
  if (c.reasons.length > 0) return { status: "stale", note: c.reasons.map((r) => r.code).join(", ") };
  const approvedFor = (check: string | undefined) => built?.approvals.some((a) => a.outputHash === built.outputHash && a.check === check) ?? false;
  const waiting = [...(supervised && !approvedFor(undefined) ? [`phoenix approve ${c.name}`] : []),
    ...humanChecks.filter((k) => !approvedFor(k)).map((k) => `phoenix approve ${c.name} --check ${k}`)];
  if (waiting.length > 0) return { status: "awaiting-approval", note: waiting.join("; ") };
  return { status: "green", note: "" };
}

export function formatStatus(rows: readonly StatusRow[], system: string, lockSerial: number | undefined): string {
  const serial = lockSerial === undefined ? "no phoenix.lock yet" : `phoenix.lock serial ${lockSerial}`;
  const table = [["COMPONENT", "STATE", "LAST BUILD", ""], ...rows.map((r) => [r.name, r.status, r.lastBuild ? shortTime(r.lastBuild) : "never", r.note])];
  const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  const lines = table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join("  ").trimEnd());
  const counts = countBy(rows.map((r) => r.status));
  const tally = Object.entries(counts).map(([status, n]) => `${n} ${status}`).join(", ");
  return `${system}: ${rows.length} component${rows.length === 1 ? "" : "s"}, ${serial}\n\n${lines.join("\n")}\n\n${tally || "nothing to show"}\n`;
}

function countBy(values: readonly string[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}

/** `2026-11-24 10:02 UTC`: minutes are enough on a board. */
function shortTime(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : `${d.toISOString().slice(0, 16).replace("T", " ")} UTC`;
}
