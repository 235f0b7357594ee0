/**
 * The words of the .phx language: the one list the lexer's tokens (tokens.ts), the quick parser
 * and the TextMate grammar are all made from. Plain data: loading it loads no parser.
 */

/** Words that open a top-level block. */
export const BLOCK_KEYWORDS = ["system", "component", "delta"] as const;

/** Words that open an item inside a block (system, component, check, delta, modify). */
export const ITEM_KEYWORDS = [
  "description", "root", "container", "start", "ready", "agent", "protect", "owns", "interface", "depends_on",
  "autonomy", "requirement", "because", "decision", "answer", "check", "run", "probe", "judge",
  "human", "timeout", "network", "expect", "samples", "votes", "covers", "advisory", "modify",
  "base", "add", "remove",
] as const;

/** RFC 2119 / RFC 8174 words; they count only in capitals. */
export const LEVEL_WORDS = [
  "MUST", "NOT", "REQUIRED", "SHALL", "SHOULD", "RECOMMENDED", "MAY", "OPTIONAL",
] as const;

/** Identifiers with a fixed meaning in value position (coloured as constants by editors). */
export const VALUE_WORDS = [
  "supervised", "autonomous", "allow", "deny", "status",
  "anthropic", "claude-code", "codex", "command", "scripted",
  "p50", "p90", "p95", "p99", "max", "mean",
] as const;

/** Duration units and their length in milliseconds. */
export const DURATION_UNITS: Readonly<Record<string, number>> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

export type BlockKeyword = (typeof BLOCK_KEYWORDS)[number];
export type ItemKeyword = (typeof ITEM_KEYWORDS)[number];
export type LevelWord = (typeof LEVEL_WORDS)[number];
