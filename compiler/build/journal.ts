/**
 * The journal, `.phoenix/journal.jsonl`: one JSON line per attempt, appended, never rewritten.
 * It is the measured data kaizen works from (`phoenix report`) and what `phoenix status` reads to
 * show a failed build. A line torn by a crash is skipped when read, as ninja's log does; lines from
 * a newer format are skipped too.
 */
import { appendFile, mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { z } from "zod";
import { absentAs } from "../absent.js";

export const JOURNAL_FILE = join(".phoenix", "journal.jsonl");
export const JOURNAL_VERSION = 1;

const refusalSchema = z.object({ path: z.string(), reason: z.string(), message: z.string() });

export const attemptOutcomes = ["green", "failed", "refused", "question", "no-progress", "agent-error", "cancelled"] as const;
export type AttemptOutcome = (typeof attemptOutcomes)[number];

export const journalEntrySchema = z.object({
  v: z.literal(JOURNAL_VERSION),
  /** Groups the attempts of one `phoenix build` run. */
  build: z.string(),
  at: z.iso.datetime({ offset: true }),
  node: z.string(),
  attempt: z.number().int().min(1),
  maxAttempts: z.number().int().min(1),
  /** The stale reasons that started this node's build. */
  reasons: z.array(z.string()),
  agent: z.string(),
  inputHash: z.string(),
  durationMs: z.number().min(0),
  outcome: z.enum(attemptOutcomes),
  /** True on the attempt that ended the node's build (green, out of attempts, a question, ...). */
  final: z.boolean(),
  checks: z.array(z.object({ check: z.string(), owner: z.string(), verdict: z.string(), durationMs: z.number() })),
  refused: z.array(refusalSchema),
  /** A line for people: the first failure, the question, the agent's error. */
  detail: z.string().optional(),
  tokens: z.object({ input: z.number(), output: z.number() }).optional(),
});
export type JournalEntry = z.infer<typeof journalEntrySchema>;

/**
 * What a person did to a component: the human overrides and decisions kaizen counts (rejections,
 * adopted hand edits), and approvals and answers.
 */
export const humanEventSchema = z.object({
  v: z.literal(JOURNAL_VERSION),
  event: z.enum(["approve", "reject", "adopt", "answer"]),
  at: z.iso.datetime({ offset: true }),
  node: z.string(),
  by: z.string(),
  /** Why (reject, adopt), or the answer given (answer). */
  reason: z.string().optional(),
  /** adopt: waiver, temporary-patch or promote-to-requirement. */
  kind: z.string().optional(),
  /** approve --check: the human check approved. */
  check: z.string().optional(),
  /** answer: the question's ID. */
  question: z.string().optional(),
  outputHash: z.string().optional(),
});
export type HumanEvent = z.infer<typeof humanEventSchema>;

/** Appends one entry as one line (a single write, so concurrent appends do not interleave). */
export async function appendJournal(projectDir: string, entry: JournalEntry | HumanEvent): Promise<void> {
  await mkdir(join(projectDir, ".phoenix"), { recursive: true });
  await appendFile(join(projectDir, JOURNAL_FILE), `${JSON.stringify(entry)}\n`);
}

export interface JournalRead {
  /** One per attempt. */
  entries: JournalEntry[];
  /** What people did. */
  events: HumanEvent[];
  /** Lines that were torn or not understood, skipped. */
  skipped: number;
}

export async function readJournal(projectDir: string): Promise<JournalRead> {
  const text = await readFile(join(projectDir, JOURNAL_FILE), "utf8").catch(absentAs(""));
  return parseJournal(text);
}

/** Pure: every well-formed entry, in order. */
export function parseJournal(text: string): JournalRead {
  const entries: JournalEntry[] = [];
  const events: HumanEvent[] = [];
  let skipped = 0;
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    let json: unknown;
    try {
      json = JSON.parse(line);
    } catch {
      skipped++;
      continue;
    }
    const attempt = journalEntrySchema.safeParse(json);
    const human = attempt.success ? undefined : humanEventSchema.safeParse(json);
    if (attempt.success) entries.push(attempt.data);
    else if (human?.success) events.push(human.data);
    else skipped++;
  }
  return { entries, events, skipped };
}

/** The last final entry of each node: how its latest build ended. */
export function lastBuilds(entries: readonly JournalEntry[]): Map<string, JournalEntry> {
  const last = new Map<string, JournalEntry>();
  for (const entry of entries) if (entry.final) last.set(entry.node, entry);
  return last;
}
