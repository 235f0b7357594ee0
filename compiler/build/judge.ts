/**
 * `judge` checks: non-deterministic, so they are decided by votes. A model (through the Messages
 * API, never the author agent's conversation) grades the component's files against the rubric and
 * the requirement texts, `votes` times (default 3); the majority decides, and every vote's
 * reasoning goes into the evidence. Verdicts are cached by rubric, requirements, outputs, model
 * and votes: an unchanged component is not judged again.
 */
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { DEFAULT_MODEL } from "../../generators/agents/anthropic.js";
import { JUDGE_INSTRUCTIONS } from "../../generators/prompts.js";
import { canonicalJson, sha256 } from "../hash.js";
import type { Check, Component } from "../ir.js";
import type { CheckOutcome } from "./types.js";

export const DEFAULT_VOTES = 3;
const JUDGE_CACHE_FILE = "judge-cache.json";
/** The files shown to a judge, at most: enough for a component, bounded for the API. */
const MAX_OUTPUT_CHARACTERS = 200_000;

export interface JudgeSetup {
  apiKey: string;
  baseURL?: string;
  model: string;
}

/** The judge's configuration from the environment, or null when no API key is set. */
export function judgeSetup(env: Readonly<Record<string, string | undefined>>): JudgeSetup | null {
  const apiKey = env["ANTHROPIC_API_KEY"];
  if (!apiKey) return null;
  return {
    apiKey,
    ...(env["ANTHROPIC_BASE_URL"] && { baseURL: env["ANTHROPIC_BASE_URL"] }),
    model: env["PHOENIX_JUDGE_MODEL"] ?? env["PHOENIX_ANTHROPIC_MODEL"] ?? DEFAULT_MODEL,
  };
}

export interface JudgeRequest {
  check: Check;
  component: Component;
  /** The component's files as they are now (path -> text), sorted by path. */
  files: ReadonlyMap<string, string>;
  outputHash: string;
  setup: JudgeSetup;
  cacheDir: string;
  signal?: AbortSignal;
}

interface Vote {
  pass: boolean;
  reasoning: string;
}

export async function runJudge(request: JudgeRequest): Promise<CheckOutcome> {
  const started = performance.now();
  const votes = request.check.votes ?? DEFAULT_VOTES;
  const key = cacheKey(request, votes);
  const cached = (await readCache(request.cacheDir))[key];
  if (cached) return outcome(request.check, cached.verdict, `${cached.evidence}\n(cached: the same files were judged before)`, performance.now() - started);
  const cast: Vote[] = [];
  try {
    for (let i = 0; i < votes; i++) cast.push(await vote(request));
  } catch (error) {
    const e = error as { status?: number; message?: string };
    return outcome(request.check, "error", `could not judge: ${e.status ? `HTTP ${e.status}: ` : ""}${e.message ?? String(error)}`, performance.now() - started);
  }
  const passes = cast.filter((v) => v.pass).length;
  const verdict = passes * 2 > votes ? "pass" : "fail";
  const evidence = [`${passes} of ${votes} votes pass (${request.setup.model})`, ...cast.map((v) => `- ${v.pass ? "pass" : "fail"}: ${v.reasoning}`)].join("\n");
  await remember(request.cacheDir, key, { verdict, evidence });
  return outcome(request.check, verdict, evidence, performance.now() - started);
}

function outcome(check: Check, verdict: CheckOutcome["verdict"], evidence: string, durationMs: number): CheckOutcome {
  return {
    check: check.name, owner: "", verdict, exitCode: null, timedOut: false, durationMs: Math.round(durationMs),
    stdoutTail: "", stderrTail: "", evidence,
    failures: verdict === "pass" ? [] : evidence.split("\n").filter((l) => l.startsWith("- fail: ")).map((l) => ({ name: check.name, message: l.slice("- fail: ".length) })),
  };
}

async function vote(request: JudgeRequest): Promise<Vote> {
  const { default: Anthropic } = await import("@anthropic-ai/sdk");
  const client = new Anthropic({ apiKey: request.setup.apiKey, maxRetries: 4, ...(request.setup.baseURL && { baseURL: request.setup.baseURL }) });
  const reply = await client.messages.create({
    model: request.setup.model,
    max_tokens: 1024,
    system: JUDGE_INSTRUCTIONS,
    tools: [VERDICT_TOOL],
    tool_choice: { type: "tool", name: VERDICT_TOOL.name },
    messages: [{ role: "user", content: judgePrompt(request) }],
  }, request.signal ? { signal: request.signal } : {});
  const call = (reply.content as { type: string; name?: string; input?: unknown }[] | undefined)?.find((b) => b.type === "tool_use" && b.name === VERDICT_TOOL.name);
  const parsed = z.object({ pass: z.boolean(), reasoning: z.string() }).safeParse(call?.input);
  if (!parsed.success) throw new Error(`the judge's reply has no verdict: ${JSON.stringify(reply).slice(0, 200)}`);
  return parsed.data;
}

function judgePrompt(request: JudgeRequest): string {
  const { component, check } = request;
  let budget = MAX_OUTPUT_CHARACTERS;
  const files = [...request.files].map(([path, text]) => {
    const shown = text.slice(0, Math.max(0, budget));
    budget -= shown.length;
    return `### ${path}\n\`\`\`\n${shown}${shown.length < text.length ? "\n[... cut]" : ""}\n\`\`\``;
  });
  return [
    `## Rubric\n${check.subject}`,
    `## Component ${component.name}\n${component.description ?? ""}\n\nRequirements:\n${component.requirements.map((r) => `- ${r.id} ${r.level}: ${r.text}`).join("\n")}`,
    `## Its files\n${files.join("\n\n") || "(none)"}`,
  ].join("\n\n");
}

const VERDICT_TOOL = {
  name: "verdict",
  description: "Give your verdict on the files against the rubric.",
  input_schema: {
    type: "object" as const,
    properties: {
      pass: { type: "boolean", description: "true if the rubric is met" },
      reasoning: { type: "string", description: "why, in two or three sentences" },
    },
    required: ["pass", "reasoning"],
  },
};

// ---- the cache ----

function cacheKey(request: JudgeRequest, votes: number): string {
  return sha256(canonicalJson({
    rubric: request.check.subject, requirements: request.component.requirements.map(({ at: _, ...r }) => r),
    outputs: request.outputHash, model: request.setup.model, votes, instructions: JUDGE_INSTRUCTIONS,
  }));
}

type Cache = Record<string, { verdict: "pass" | "fail"; evidence: string }>;

async function readCache(dir: string): Promise<Cache> {
  try {
    return JSON.parse(await readFile(join(dir, JUDGE_CACHE_FILE), "utf8")) as Cache;
  } catch {
    return {};
  }
}

async function remember(dir: string, key: string, entry: Cache[string]): Promise<void> {
  const cache = { ...(await readCache(dir)), [key]: entry };
  await mkdir(dir, { recursive: true });
  const temp = join(dir, `${JUDGE_CACHE_FILE}.${process.pid}.tmp`);
  await writeFile(temp, JSON.stringify(cache));
  await rename(temp, join(dir, JUDGE_CACHE_FILE));
}
