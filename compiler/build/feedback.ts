/**
 * Feedback: what went wrong in an attempt, written for the agent that makes the next one. The
 * failing checks first, each with its structured failures and the tail of its output, then what
 * the guard refused. Pure.
 */
import { formatFailure } from "./failures.js";
import type { CheckOutcome, Feedback } from "./types.js";

export function formatFeedback(feedback: Feedback): string {
  const failed = feedback.checks.filter((c) => c.verdict !== "pass");
  const parts = [`# Feedback from attempt ${feedback.attempt}`];
  if (feedback.agentError) parts.push(`The agent did not finish: ${feedback.agentError}`);
  for (const check of failed) parts.push(checkSection(check));
  if (feedback.refused.length > 0) {
    parts.push([
      "## Refused changes (reverted in the workspace)",
      ...feedback.refused.map((r) => `- ${r.path}: ${r.reason}: ${r.message}`),
    ].join("\n"));
  }
  if (failed.length === 0 && feedback.refused.length === 0 && !feedback.agentError) parts.push("Every check passed.");
  return `${parts.join("\n\n")}\n`;
}

function checkSection(check: CheckOutcome): string {
  const owner = check.owner === "system" ? "system check" : `check of ${check.owner}`;
  const lines = [`## ${owner} \`${check.check}\` ${check.timedOut ? "timed out" : check.verdict === "error" ? "could not run" : "failed"}`, check.evidence.split("\n")[0]!];
  if (check.failures.length > 0) lines.push("", "Failures:", ...check.failures.map((f) => `- ${formatFailure(f)}`));
  if (check.stdoutTail.trim() !== "") lines.push("", "stdout (last lines):", fence(check.stdoutTail));
  if (check.stderrTail.trim() !== "") lines.push("", "stderr (last lines):", fence(check.stderrTail));
  return lines.join("\n");
}

function fence(text: string): string {
  return `\`\`\`\n${text.replace(/```/g, "'''")}\n\`\`\``;
}

/**
 * What makes two attempts' failures the same: the failing checks and their structured failures
 * (not timings or full output). Same signature twice with no change in between is no progress.
 */
export function failureSignature(feedback: Feedback): string {
  return JSON.stringify({
    checks: feedback.checks.filter((c) => c.verdict !== "pass").map((c) => [c.owner, c.check, c.exitCode, c.timedOut, c.failures]),
    refused: feedback.refused.map((r) => [r.path, r.reason]),
    agentError: feedback.agentError ?? null,
  });
}
