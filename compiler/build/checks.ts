/**
 * Running a node's deterministic checks in its workspace: each `run` check through the shell,
 * confined, with a timeout; exit 0 passes. The outcome carries what an agent needs to fix a
 * failure: the exit code, the tail of the output and the failures as structured items.
 *
 * Probe, judge and human checks are not run here: they need a running system, a judge or a
 * person, and are reported as waiting.
 */
import type { Check } from "../ir.js";
import { duration } from "../spec-changes.js";
import { parseCoverage } from "./coverage.js";
import { formatFailure, parseFailures } from "./failures.js";
import { runProcess, tail } from "./process/index.js";
import type { Sandbox } from "./sandbox.js";
import { withToolPath } from "./tool-path.js";
import type { CheckOutcome } from "./types.js";

/** A check with the block it belongs to: `system` or a component's name. */
export interface OwnedCheck {
  check: Check;
  owner: string;
}

export interface CheckEnvironment {
  workspace: string;
  sandbox: Sandbox;
  /** Folders a confined check may read although a private /tmp would hide them (the project). */
  readable: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  signal?: AbortSignal;
}

/** A check without a timeout gets this one: a hung test must not hold the line forever. */
export const DEFAULT_CHECK_TIMEOUT_MS = 10 * 60 * 1000;

/** The checks a node must pass, in order: its own, then the system's. Advisory ones too (they never block). */
export function checksOf(component: { name: string; checks: readonly Check[] }, system: { checks: readonly Check[] }): OwnedCheck[] {
  return [...component.checks.map((check) => ({ check, owner: component.name })), ...system.checks.map((check) => ({ check, owner: "system" }))];
}

/** Runs one `run` check. */
export async function runCheck(owned: OwnedCheck, environment: CheckEnvironment): Promise<CheckOutcome> {
  const { check } = owned;
  const timeoutMs = check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS;
  const own = { CI: "1", NO_COLOR: "1", FORCE_COLOR: "0", PHOENIX_CHECK: check.name };
  const argv = environment.sandbox.wrap(["sh", "-c", check.subject], {
    workspace: environment.workspace, readable: environment.readable, network: check.network === "allow", env: own,
  });
  const result = await runProcess({
    argv, cwd: environment.workspace, timeoutMs,
    env: { ...withToolPath(environment.workspace, environment.env), ...own },
    ...(environment.signal && { signal: environment.signal }),
  });
  const output = `${result.stdout}\n${result.stderr}`;
  const failures = result.exitCode === 0 ? [] : parseFailures(output, environment.workspace);
  const verdict = result.startError !== undefined || result.cancelled ? "error" : result.exitCode === 0 && !result.timedOut ? "pass" : "fail";
  const outcome: CheckOutcome = {
    check: check.name,
    owner: owned.owner,
    verdict,
    exitCode: result.exitCode,
    timedOut: result.timedOut,
    durationMs: result.durationMs,
    stdoutTail: tail(result.stdout),
    stderrTail: tail(result.stderr),
    failures,
    evidence: "",
  };
  const coverage = parseCoverage(output);
  return { ...outcome, evidence: evidenceOf(outcome, check, result.startError ?? (result.cancelled ? "cancelled" : undefined)), ...(coverage !== undefined && { coverage }) };
}

/** A few lines for phoenix.lock and the board: what happened, and the first failures. */
function evidenceOf(outcome: CheckOutcome, check: Check, problem: string | undefined): string {
  const seconds = `${(outcome.durationMs / 1000).toFixed(1)}s`;
  if (problem !== undefined) return `could not run: ${problem}`;
  if (outcome.timedOut) return `timed out after ${seconds} (timeout ${duration(check.timeoutMs ?? DEFAULT_CHECK_TIMEOUT_MS)})`;
  if (outcome.verdict === "pass") return `exit 0 in ${seconds}`;
  const head = `exit ${outcome.exitCode ?? "by signal"} in ${seconds}`;
  if (outcome.failures.length === 0) {
    const last = (outcome.stderrTail || outcome.stdoutTail).split("\n").filter((l) => l.trim() !== "").slice(-3);
    return [head, ...last].join("\n");
  }
  const shown = outcome.failures.slice(0, 3).map(formatFailure);
  const more = outcome.failures.length > 3 ? [`(+${outcome.failures.length - 3} more)`] : [];
  return [head, ...shown, ...more].join("\n");
}

/** Whether a failing outcome stops the node: advisory checks never do. */
export function blocks(outcome: CheckOutcome, check: Check): boolean {
  return outcome.verdict !== "pass" && !check.advisory;
}
