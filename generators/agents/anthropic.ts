/**
 * The anthropic agent: a Messages API conversation with tool use (@anthropic-ai/sdk, loaded only
 * when this agent runs). The model reads the context pack and works through tools: list, read,
 * write and delete files (each guarded as it is called), run the checks, ask a person, say done.
 * Retries with backoff on 429, 5xx and 529 are the SDK's; a turn limit bounds each attempt; token
 * usage goes to the journal.
 *
 * Configuration: `agent anthropic "MODEL"` (or PHOENIX_ANTHROPIC_MODEL), ANTHROPIC_API_KEY,
 * ANTHROPIC_BASE_URL (a gateway, or a local server in tests), PHOENIX_ANTHROPIC_MAX_TOKENS,
 * PHOENIX_ANTHROPIC_MAX_TURNS.
 */
import { UserError } from "../../compiler/cli/command.js";
import { formatFailure } from "../../compiler/build/failures.js";
import type { CheckOutcome } from "../../compiler/build/types.js";
import { INSTRUCTIONS, TOOL_DESCRIPTIONS } from "../prompts.js";
import type { AgentOutcome, AgentProvider, AgentResult, AgentTask } from "./agent.js";
import { WorkspaceFiles } from "./file-tools.js";

export const DEFAULT_MODEL = "claude-sonnet-4-5";
const DEFAULT_MAX_TOKENS = 8192;
const DEFAULT_MAX_TURNS = 40;
const MAX_RETRIES = 4;

export interface AnthropicConfig {
  model: string;
  apiKey: string;
  baseURL?: string;
  maxTokens: number;
  maxTurns: number;
}

/** The configuration from the spec's argument and the environment; a missing key is a UserError. */
export function anthropicConfig(argument: string | undefined, env: Readonly<Record<string, string | undefined>>): AnthropicConfig {
  const apiKey = env["ANTHROPIC_API_KEY"];
  if (!apiKey) {
    throw new UserError("agent anthropic: ANTHROPIC_API_KEY is not set; export your API key (and ANTHROPIC_BASE_URL for a gateway), or choose another agent with --agent");
  }
  return {
    model: argument ?? env["PHOENIX_ANTHROPIC_MODEL"] ?? DEFAULT_MODEL,
    apiKey,
    ...(env["ANTHROPIC_BASE_URL"] && { baseURL: env["ANTHROPIC_BASE_URL"] }),
    maxTokens: positive(env["PHOENIX_ANTHROPIC_MAX_TOKENS"], DEFAULT_MAX_TOKENS, "PHOENIX_ANTHROPIC_MAX_TOKENS"),
    maxTurns: positive(env["PHOENIX_ANTHROPIC_MAX_TURNS"], DEFAULT_MAX_TURNS, "PHOENIX_ANTHROPIC_MAX_TURNS"),
  };
}

function positive(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`agent anthropic: ${name} must be a whole number of at least 1, not '${value}'`);
  return n;
}

export function anthropicAgent(config: AnthropicConfig): AgentProvider {
  return {
    label: `anthropic ${JSON.stringify(config.model)}`,
    run: (task) => converse(config, task),
  };
}

// ---- the conversation ----

/** Content blocks as the API sends and takes them; only what this agent uses. */
type Block =
  | { type: "text"; text: string }
  | { type: "tool_use"; id: string; name: string; input: Record<string, unknown> }
  | { type: "tool_result"; tool_use_id: string; content: string; is_error?: boolean };
interface Message { role: "user" | "assistant"; content: string | Block[] }

async function converse(config: AnthropicConfig, task: AgentTask): Promise<AgentResult> {
  const { default: Anthropic } = await import("@anthropic-ai/sdk");
  const client = new Anthropic({ apiKey: config.apiKey, maxRetries: MAX_RETRIES, ...(config.baseURL && { baseURL: config.baseURL }) });
  const files = new WorkspaceFiles(task.workspace, task.rules);
  const messages: Message[] = [{ role: "user", content: task.context }];
  const tokens = { input: 0, output: 0 };
  const result = (outcome: AgentOutcome): AgentResult => ({ outcome, refused: files.refused, tokens });
  for (let turn = 1; turn <= config.maxTurns; turn++) {
    let reply;
    try {
      reply = await client.messages.create(
        { model: config.model, max_tokens: config.maxTokens, system: INSTRUCTIONS, tools: TOOLS, messages: messages as never },
        task.signal ? { signal: task.signal } : {},
      );
    } catch (error) {
      return result({ kind: "error", message: `the Messages API failed: ${describeApiError(error)}` });
    }
    const content = readableContent(reply);
    if (!content) return result({ kind: "error", message: `the Messages API sent a reply phoenix cannot read: ${JSON.stringify(reply).slice(0, 300)}` });
    tokens.input += reply.usage?.input_tokens ?? 0;
    tokens.output += reply.usage?.output_tokens ?? 0;
    messages.push({ role: "assistant", content });
    const calls = content.filter((b): b is Extract<Block, { type: "tool_use" }> => b.type === "tool_use");
    // a model that stops talking without a tool has nothing more to do
    if (calls.length === 0) return result({ kind: "done" });
    const answers: Block[] = [];
    for (const call of calls) {
      const answer = await useTool(call, files, task);
      if ("end" in answer) return result(answer.end);
      answers.push({ type: "tool_result", tool_use_id: call.id, content: answer.text, ...(answer.error && { is_error: true }) });
    }
    messages.push({ role: "user", content: answers });
  }
  return result({ kind: "error", message: `the agent used all ${config.maxTurns} turns without saying it was done` });
}

/** The reply's content blocks, or null when the reply is not a message phoenix understands. */
function readableContent(reply: unknown): Block[] | null {
  const content = (reply as { content?: unknown }).content;
  if (!Array.isArray(content)) return null;
  const ok = content.every((b: { type?: unknown; text?: unknown; id?: unknown; name?: unknown; input?: unknown }) =>
    (b.type === "text" && typeof b.text === "string") ||
    (b.type === "tool_use" && typeof b.id === "string" && typeof b.name === "string" && typeof b.input === "object" && b.input !== null) ||
    (b.type !== "text" && b.type !== "tool_use" && typeof b.type === "string"));
  return ok ? (content as Block[]).filter((b) => b.type === "text" || b.type === "tool_use") : null;
}

function describeApiError(error: unknown): string {
  const e = error as { status?: number; message?: string; name?: string };
  return e.status ? `HTTP ${e.status}: ${e.message ?? ""}`.trim() : `${e.name ?? "Error"}: ${e.message ?? String(error)}`;
}

type ToolAnswer = { text: string; error?: boolean } | { end: AgentOutcome };

async function useTool(call: Extract<Block, { type: "tool_use" }>, files: WorkspaceFiles, task: AgentTask): Promise<ToolAnswer> {
  const input = call.input;
  const text = (name: string): string | undefined => (typeof input[name] === "string" ? input[name] as string : undefined);
  const missing = (name: string): ToolAnswer => ({ text: `${call.name} needs the string input '${name}'`, error: true });
  const answered = <T>(answer: { ok: true; value: T } | { ok: false; refusal: { reason: string; message: string } }, ok: (value: T) => string): ToolAnswer =>
    answer.ok ? { text: ok(answer.value) } : { text: `refused (${answer.refusal.reason}): ${answer.refusal.message}`, error: true };
  switch (call.name) {
    case "list_files":
      return answered(await files.list(text("path") ?? ""), (paths) => paths.join("\n") || "(no files)");
    case "read_file":
      return text("path") === undefined ? missing("path") : answered(await files.read(text("path")!), (content) => content);
    case "write_file":
      if (text("path") === undefined) return missing("path");
      if (text("content") === undefined) return missing("content");
      return answered(await files.write(text("path")!, text("content")!), () => `wrote ${text("path")}`);
    case "delete_file":
      return text("path") === undefined ? missing("path") : answered(await files.delete(text("path")!), () => `deleted ${text("path")}`);
    case "run_checks":
      return { text: checksReport(await task.runChecks()) };
    case "ask_human": {
      const question = text("question");
      if (question === undefined) return missing("question");
      const options = Array.isArray(input["options"]) ? (input["options"] as unknown[]).filter((o): o is string => typeof o === "string") : undefined;
      return { end: { kind: "question", text: question, ...(options && options.length > 0 && { options }) } };
    }
    case "done":
      return { end: { kind: "done" } };
    default:
      return { text: `there is no tool '${call.name}'; the tools are ${Object.keys(TOOL_DESCRIPTIONS).join(", ")}`, error: true };
  }
}

function checksReport(outcomes: readonly CheckOutcome[]): string {
  if (outcomes.length === 0) return "There are no deterministic checks to run.";
  return outcomes.map((o) => {
    const head = `${o.owner === "system" ? "system check" : "check"} ${o.check}: ${o.verdict === "pass" ? "passed" : "FAILED"} (${o.evidence.split("\n")[0]})`;
    if (o.verdict === "pass") return head;
    const failures = o.failures.map((f) => `  - ${formatFailure(f)}`);
    const output = failures.length > 0 ? [] : [`  output:\n${(o.stderrTail || o.stdoutTail).split("\n").map((l) => `    ${l}`).join("\n")}`];
    return [head, ...failures, ...output].join("\n");
  }).join("\n");
}

const stringInput = (description: string) => ({ type: "string", description });

/** The tools, as the Messages API takes them. */
const TOOLS = [
  { name: "list_files", description: TOOL_DESCRIPTIONS.list_files, input_schema: { type: "object" as const, properties: { path: stringInput("a folder, relative to the root") } } },
  { name: "read_file", description: TOOL_DESCRIPTIONS.read_file, input_schema: { type: "object" as const, properties: { path: stringInput("the file, relative to the root") }, required: ["path"] } },
  {
    name: "write_file", description: TOOL_DESCRIPTIONS.write_file,
    input_schema: { type: "object" as const, properties: { path: stringInput("the file, relative to the root"), content: stringInput("the whole new text of the file") }, required: ["path", "content"] },
  },
  { name: "delete_file", description: TOOL_DESCRIPTIONS.delete_file, input_schema: { type: "object" as const, properties: { path: stringInput("the file, relative to the root") }, required: ["path"] } },
  { name: "run_checks", description: TOOL_DESCRIPTIONS.run_checks, input_schema: { type: "object" as const, properties: {} } },
  {
    name: "ask_human", description: TOOL_DESCRIPTIONS.ask_human,
    input_schema: { type: "object" as const, properties: { question: stringInput("the question, self-contained"), options: { type: "array", items: { type: "string" }, description: "answers you would suggest" } }, required: ["question"] },
  },
  { name: "done", description: TOOL_DESCRIPTIONS.done, input_schema: { type: "object" as const, properties: { summary: stringInput("what you did, in a sentence or two") } } },
];
