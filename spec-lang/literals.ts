/**
 * Turning literal token text into values: string escapes, triple-quoted indentation, durations.
 * Pure functions; problems come back as offsets into the literal so the caller can place them.
 */
import { DURATION_UNITS } from "./keywords.js";

const ESCAPES: Readonly<Record<string, string>> = { '"': '"', "\\": "\\", n: "\n", t: "\t" };

/** A problem inside a literal, at `offset` characters from the literal's start. */
export interface LiteralProblem {
  offset: number;
  length: number;
  char: string;
}

/** The value of a `"..."` literal (quotes included in `raw`), and any unknown escapes. */
export function cookString(raw: string, terminated: boolean): { value: string; problems: LiteralProblem[] } {
  const body = raw.slice(1, terminated ? -1 : undefined);
  const problems: LiteralProblem[] = [];
  let value = "";
  for (let i = 0; i < body.length; i++) {
    const ch = body[i]!;
    if (ch !== "\\") {
      value += ch;
      continue;
    }
    const next = body[i + 1];
    if (next === undefined) break; // a lone backslash at the end of an unterminated string
    const cooked = ESCAPES[next];
    if (cooked === undefined) problems.push({ offset: i + 1, length: 2, char: next });
    value += cooked ?? next;
    i++;
  }
  return { value, problems };
}

/**
 * The value of a `"""..."""` literal: raw text (no escapes), without the line break after the
 * opening quotes, without a last line holding only spaces, and with the indentation common to
 * all non-blank lines removed.
 */
export function cookTripleString(raw: string, terminated: boolean): string {
  let body = raw.slice(3, terminated ? -3 : undefined).replace(/\r\n?/g, "\n");
  body = body.replace(/^[ \t]*\n/, "");
  body = body.replace(/\n[ \t]*$/, "");
  const lines = body.split("\n");
  const indents = lines.filter((l) => l.trim() !== "").map((l) => /^[ \t]*/.exec(l)![0].length);
  const common = indents.length === 0 ? 0 : Math.min(...indents);
  return lines.map((l) => l.slice(Math.min(common, /^[ \t]*/.exec(l)![0].length))).join("\n");
}

/** Milliseconds of a duration literal such as `30s` or `1.5m`, or undefined for an unknown unit. */
export function durationMs(text: string): number | undefined {
  const match = /^(\d+(?:\.\d+)?)([A-Za-z_][A-Za-z0-9_]*)$/.exec(text);
  // own keys only: `5constructor` must not find Object.prototype.constructor
  const unit = match && Object.hasOwn(DURATION_UNITS, match[2]!) ? DURATION_UNITS[match[2]!] : undefined;
  return match && unit !== undefined ? Number(match[1]) * unit : undefined;
}

/** How a string value is written back in canonical form (used by the formatter). */
export function quoteString(value: string): string {
  return `"${value.replace(/[\\"\n\t]/g, (ch) => ({ "\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t" })[ch]!)}"`;
}
