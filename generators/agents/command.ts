/**
 * The command agent: any program, run through the shell in the workspace, confined like a check
 * (but with the network: agents may call their models). It gets the context pack on stdin and in
 * $PHOENIX_CONTEXT_FILE, the previous attempt's feedback in $PHOENIX_FEEDBACK_FILE, and may write
 * a question to $PHOENIX_QUESTION_FILE instead of guessing. Exit 0: ready for checks.
 */
import { readFile } from "node:fs/promises";
import { dirname } from "node:path";
import { runProcess, tail } from "../../compiler/build/process.js";
import type { AgentProvider, AgentResult, AgentTask } from "./agent.js";

/** A command agent that runs longer is stopped: a stuck agent must not hold the line. */
export const DEFAULT_AGENT_TIMEOUT_MS = 30 * 60 * 1000;

export function commandAgent(command: string, timeoutMs = DEFAULT_AGENT_TIMEOUT_MS): AgentProvider {
  return {
    label: `command ${JSON.stringify(command)}`,
    run: (task) => runCommand(command, task, timeoutMs),
  };
}

async function runCommand(command: string, task: AgentTask, timeoutMs: number): Promise<AgentResult> {
  const argv = task.sandbox.wrap(["sh", "-c", command], {
    workspace: task.workspace, readable: task.readable, writable: [dirname(task.questionFile)], network: true,
  });
  const result = await runProcess({
    argv, cwd: task.workspace, input: task.context, timeoutMs,
    env: {
      ...task.env,
      PHOENIX_PROJECT: task.projectDir,
      PHOENIX_NODE: task.node,
      PHOENIX_ATTEMPT: String(task.attempt),
      PHOENIX_CONTEXT_FILE: task.contextFile,
      PHOENIX_QUESTION_FILE: task.questionFile,
      ...(task.feedbackFile !== undefined && { PHOENIX_FEEDBACK_FILE: task.feedbackFile }),
    },
    ...(task.signal && { signal: task.signal }),
  });
  const question = (await readFile(task.questionFile, "utf8").catch(() => "")).trim();
  if (question !== "") return { outcome: { kind: "question", text: question }, refused: [] };
  if (result.exitCode === 0 && !result.timedOut) return { outcome: { kind: "done" }, refused: [] };
  const why = result.startError !== undefined ? `could not start: ${result.startError}`
    : result.cancelled ? "cancelled"
    : result.timedOut ? `timed out after ${Math.round(timeoutMs / 1000)}s`
    : `exited ${result.exitCode ?? `on signal ${result.signal}`}`;
  const output = tail(result.stderr || result.stdout, 20, 2_000);
  return { outcome: { kind: "error", message: `the agent ${why}${output ? `:\n${output}` : ""}` }, refused: [] };
}
