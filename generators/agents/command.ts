/**
 * Agents that are programs: `command` (any program, through the shell), and the vendors' CLIs in
 * headless mode, `claude-code` (`claude -p`) and `codex` (`codex exec`). Each runs in the
 * workspace, confined like a check but with the network (agents call their models), gets the
 * context pack on stdin (and in $PHOENIX_CONTEXT_FILE), the previous attempt's feedback in
 * $PHOENIX_FEEDBACK_FILE, and may write a question to $PHOENIX_QUESTION_FILE instead of guessing.
 * Exit 0: ready for checks.
 */
import { accessSync, constants } from "node:fs";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { homedir } from "node:os";
import { delimiter, dirname, isAbsolute, join } from "node:path";
import { UserError } from "../../compiler/cli/command.js";
import { runProcess, tail } from "../../compiler/build/process/index.js";
import { withToolPath } from "../../compiler/build/tool-path.js";
import { removeTree } from "../../compiler/build/workspace/tree.js";
import { PROGRAM_AGENT_NOTE } from "../prompts.js";
import type { AgentProvider, AgentResult, AgentTask } from "./agent.js";

/** An agent that runs longer is stopped: a stuck agent must not hold the line. */
export const DEFAULT_AGENT_TIMEOUT_MS = 30 * 60 * 1000;

export function commandAgent(command: string, timeoutMs = DEFAULT_AGENT_TIMEOUT_MS): AgentProvider {
  return {
    label: `command ${JSON.stringify(command)}`,
    run: (task) => runProgram({ argv: ["sh", "-c", command], task, timeoutMs }),
  };
}

/** Claude Code, headless: `claude -p` reads the pack on stdin and edits the workspace. */
export function claudeCodeAgent(model: string | undefined, env: Readonly<Record<string, string | undefined>>, timeoutMs = DEFAULT_AGENT_TIMEOUT_MS): AgentProvider {
  const claude = findExecutable(env["PHOENIX_CLAUDE_BIN"] ?? "claude", env, "claude-code", "the `claude` CLI (npm install -g @anthropic-ai/claude-code)");
  const argv = [claude, "-p", "--output-format", "json", "--permission-mode", "acceptEdits", ...(model ? ["--model", model] : [])];
  const home = vendorHome(env, [".claude", ".claude.json"]);
  return {
    label: `claude-code${model ? ` ${JSON.stringify(model)}` : ""}`,
    run: (task) => runProgram({ argv, task, timeoutMs, readUsage: claudeUsage, home }),
  };
}

/** Codex, headless: `codex exec -` reads the pack on stdin and edits the workspace. */
export function codexAgent(model: string | undefined, env: Readonly<Record<string, string | undefined>>, timeoutMs = DEFAULT_AGENT_TIMEOUT_MS): AgentProvider {
  const codex = findExecutable(env["PHOENIX_CODEX_BIN"] ?? "codex", env, "codex", "the `codex` CLI (npm install -g @openai/codex)");
  const argv = [codex, "exec", "--skip-git-repo-check", "--sandbox", "workspace-write", "--json", ...(model ? ["--model", model] : []), "-"];
  const home = vendorHome(env, [".codex"]);
  return {
    label: `codex${model ? ` ${JSON.stringify(model)}` : ""}`,
    run: (task) => runProgram({ argv, task, timeoutMs, readUsage: codexUsage, home }),
  };
}

/**
 * A vendor CLI's login and settings in the user's home: what it keeps under a sandbox's private
 * HOME, or it would start logged out.
 */
function vendorHome(env: Readonly<Record<string, string | undefined>>, names: readonly string[]): string[] {
  const home = env["HOME"] ?? homedir();
  return names.map((name) => join(home, name));
}

/** The absolute path of `name` on PATH (or `name` itself when it is a path); a UserError otherwise. */
export function findExecutable(name: string, env: Readonly<Record<string, string | undefined>>, provider: string, what: string): string {
  const candidates = name.includes("/") ? [name] : (env["PATH"] ?? "").split(delimiter).filter((d) => d !== "").map((dir) => join(dir, name));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  throw new UserError(`agent ${provider}: \`${name}\` is not on PATH; install ${what}, or choose another agent with --agent`);
}

interface ProgramRun {
  argv: readonly string[];
  task: AgentTask;
  timeoutMs: number;
  /** Token usage from the program's output, when it reports it. */
  readUsage?: (stdout: string) => { input: number; output: number } | undefined;
  /** What of the user's home the program keeps in a sandbox (see Confinement.home). */
  home?: readonly string[];
}

async function runProgram(run: ProgramRun): Promise<AgentResult> {
  const dir = await mkdtemp(join(run.task.scratchDir, `${run.task.node}-${run.task.attempt}-`));
  try {
    const files = { context: join(dir, "context.md"), feedback: join(dir, "feedback.md"), question: join(dir, "ask", "question.txt") };
    await writeFile(files.context, run.task.context);
    if (run.task.feedback !== undefined) await writeFile(files.feedback, run.task.feedback);
    await mkdir(dirname(files.question));
    return await runWithFiles(run, { ...files, ...(run.task.feedback === undefined && { feedback: undefined }) });
  } finally {
    await removeTree(dir);
  }
}

/** The program's files: the pack and the feedback to read, and where a question may be written (its folder is writable). */
interface ProgramFiles {
  context: string;
  feedback: string | undefined;
  question: string;
}

async function runWithFiles({ argv, task, timeoutMs, readUsage, home }: ProgramRun, files: ProgramFiles): Promise<AgentResult> {
  // the program's own folder stays readable, also under a private /tmp
  const program = isAbsolute(argv[0]!) ? [dirname(argv[0]!)] : [];
  const confined = task.sandbox.wrap(argv, {
    workspace: task.runDir, readable: [...task.readable, ...program], writable: [dirname(files.question)], network: true, ...(home && { home }),
  });
  const result = await runProcess({
    argv: confined, cwd: task.runDir, input: `${task.context}\n${PROGRAM_AGENT_NOTE}\n`, timeoutMs,
    env: {
      ...withToolPath(task.runDir, task.env),
      PHOENIX_PROJECT: task.projectDir,
      PHOENIX_NODE: task.node,
      PHOENIX_ATTEMPT: String(task.attempt),
      PHOENIX_CONTEXT_FILE: files.context,
      PHOENIX_QUESTION_FILE: files.question,
      ...(files.feedback !== undefined && { PHOENIX_FEEDBACK_FILE: files.feedback }),
    },
    ...(task.signal && { signal: task.signal }),
  });
  const tokens = readUsage?.(result.stdout);
  const withTokens = tokens ? { tokens } : {};
  const question = (await readFile(files.question, "utf8").catch(() => "")).trim();
  if (question !== "") return { outcome: { kind: "question", text: question }, refused: [], ...withTokens };
  if (result.exitCode === 0 && !result.timedOut) return { outcome: { kind: "done" }, refused: [], ...withTokens };
  const why = result.startError !== undefined ? `could not start: ${result.startError}`
    : result.cancelled ? "cancelled"
    : result.timedOut ? `timed out after ${Math.round(timeoutMs / 1000)}s`
    : `exited ${result.exitCode ?? `on signal ${result.signal}`}`;
  const output = tail(result.stderr || result.stdout, 20, 2_000);
  return { outcome: { kind: "error", message: `the agent ${why}${output ? `:\n${output}` : ""}` }, refused: [], ...withTokens };
}

/** `claude -p --output-format json` ends with one JSON object with `usage`. */
function claudeUsage(stdout: string): { input: number; output: number } | undefined {
  try {
    const usage = (JSON.parse(stdout.trim()) as { usage?: { input_tokens?: number; output_tokens?: number } }).usage;
    return usage ? { input: usage.input_tokens ?? 0, output: usage.output_tokens ?? 0 } : undefined;
  } catch {
    return undefined;
  }
}

/** `codex exec --json` prints events, one per line; `turn.completed` ones carry `usage`. */
function codexUsage(stdout: string): { input: number; output: number } | undefined {
  let total: { input: number; output: number } | undefined;
  for (const line of stdout.split("\n")) {
    try {
      const usage = (JSON.parse(line) as { usage?: { input_tokens?: number; output_tokens?: number } }).usage;
      if (usage) total = { input: (total?.input ?? 0) + (usage.input_tokens ?? 0), output: (total?.output ?? 0) + (usage.output_tokens ?? 0) };
    } catch {
      // not an event
    }
  }
  return total;
}
