/**
 * Failures as structured items, read from a check's output when it is in a format we know: tsc,
 * vitest, jest, eslint (stylish), TAP (node --test and others). The agent gets "test/x.test.ts:3:48
 * sum > adds two numbers: expected 2 to be 3" instead of a wall of text. Pure; unknown output gives
 * no items and the raw tail still goes to the agent.
 */
import type { FailureItem } from "./types.js";

/** Enough items to act on; more would crowd out everything else in the agent's context. */
const MAX_ITEMS = 30;

/** Every failure found in a check's stdout and stderr, de-duplicated, in order of appearance. */
export function parseFailures(output: string, cwd?: string): FailureItem[] {
  const text = stripAnsi(output).replace(/\r\n?/g, "\n");
  const items = [...tscFailures(text), ...vitestFailures(text), ...jestFailures(text), ...eslintFailures(text), ...tapFailures(text)];
  const seen = new Set<string>();
  const unique: FailureItem[] = [];
  for (const item of items) {
    const relative = cwd && item.file?.startsWith(`${cwd}/`) ? { ...item, file: item.file.slice(cwd.length + 1) } : item;
    const key = JSON.stringify(relative);
    if (!seen.has(key)) unique.push(relative);
    seen.add(key);
  }
  return unique.slice(0, MAX_ITEMS);
}

/** One line per item: `file:line:col name: message`. */
export function formatFailure(item: FailureItem): string {
  const place = item.file ? `${item.file}${item.line ? `:${item.line}${item.column ? `:${item.column}` : ""}` : ""}` : "";
  const name = item.name ? `${item.name}: ` : "";
  return `${place}${place ? " " : ""}${name}${item.message}`;
}

export function stripAnsi(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/\u001b\[[0-9;?]*[ -/]*[@-~]/g, "");
}

/** `src/a.ts(1,7): error TS2322: ...` and the pretty `src/a.ts:1:7 - error TS2322: ...`. */
function tscFailures(text: string): FailureItem[] {
  const items: FailureItem[] = [];
  for (const m of text.matchAll(/^(\S[^\n(]*?)\((\d+),(\d+)\): error (TS\d+): (.*)$/gm)) {
    items.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), name: m[4]!, message: m[5]!.trim() });
  }
  for (const m of text.matchAll(/^(\S[^\n]*?):(\d+):(\d+) - error (TS\d+): (.*)$/gm)) {
    items.push({ file: m[1]!, line: Number(m[2]), column: Number(m[3]), name: m[4]!, message: m[5]!.trim() });
  }
  return items;
}

/**
 * vitest: ` FAIL  test/sum.test.ts > sum > adds two numbers`, then the error's first line, then
 * ` ❯ test/sum.test.ts:3:48`. A failed suite (` FAIL  file [ file ]`) is an item too.
 */
function vitestFailures(text: string): FailureItem[] {
  const items: FailureItem[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    // jest prints ` FAIL  file` alone; vitest always adds ` > test name` or ` [ file ]`
    const head = /^ FAIL {1,2}(\S+?)(?: \[ \S+ \]| > (.*))$/.exec(lines[i]!);
    if (!head) continue;
    let message = "";
    let place: RegExpExecArray | null = null;
    for (let j = i + 1; j < lines.length && j < i + 40 && !/^ FAIL /.test(lines[j]!) && !/^⎯/.test(lines[j]!); j++) {
      const line = lines[j]!;
      if (message === "" && line.trim() !== "") message = line.trim();
      place ??= /^ +❯ (\S+?):(\d+):(\d+)/.exec(line);
    }
    items.push({
      file: place?.[1] ?? head[1]!,
      ...(place && { line: Number(place[2]), column: Number(place[3]) }),
      ...(head[2] !== undefined && { name: head[2] }),
      message: message || "failed",
    });
  }
  return items;
}

/** jest: `  ● suite › name`, the message, and the first `at ... (file:line:col)` of a test file. */
function jestFailures(text: string): FailureItem[] {
  const items: FailureItem[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const head = /^ {2}● (.+ › .+|[^:]+)$/.exec(lines[i]!);
    if (!head || /^ {2}● Test suite failed to run/.test(lines[i]!)) continue;
    let message = "";
    let place: RegExpExecArray | null = null;
    for (let j = i + 1; j < lines.length && j < i + 60 && !/^ {2}● /.test(lines[j]!); j++) {
      const line = lines[j]!;
      if (message === "" && line.trim() !== "") message = line.trim();
      place ??= /\bat .*?\(?((?:\/|\.{0,2}\/?)[^\s():]+\.(?:[cm]?[jt]sx?)):(\d+):(\d+)\)?$/.exec(line);
    }
    items.push({
      ...(place && { file: place[1]!, line: Number(place[2]), column: Number(place[3]) }),
      name: head[1]!.replace(/ › /g, " > "),
      message: message || "failed",
    });
  }
  return items;
}

/** eslint's stylish format: a file name line, then `  1:7  error  message  rule` lines. */
function eslintFailures(text: string): FailureItem[] {
  const items: FailureItem[] = [];
  let file: string | undefined;
  for (const line of text.split("\n")) {
    if (/^\/\S.*$|^[A-Za-z]:\\/.test(line) && !/:\d+:\d+/.test(line)) {
      file = line.trim();
      continue;
    }
    const m = /^ {2}(\d+):(\d+) {2}error {2}(.+?)(?: {2,}(\S+))?$/.exec(line);
    if (m && file) items.push({ file, line: Number(m[1]), column: Number(m[2]), ...(m[4] && { name: m[4] }), message: m[3]!.trim() });
    else if (line.trim() === "") file = undefined;
  }
  return items;
}

/** TAP: `not ok N - name`, with the YAML block's `location` and `error`/`message` when present. */
function tapFailures(text: string): FailureItem[] {
  const items: FailureItem[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const head = /^(\s*)not ok \d+(?: - ([^#]*))?(#.*)?$/.exec(lines[i]!);
    if (!head || /#\s*(TODO|SKIP)/i.test(head[3] ?? "")) continue;
    const yaml = yamlBlock(lines, i + 1);
    // node --test reports a failing subtest and again its parent; the innermost says most
    if (yaml.failureType === "subtestsFailed") continue;
    const place = /^'?(.+?):(\d+):(\d+)'?$/.exec(yaml.location ?? "");
    items.push({
      ...(place && { file: place[1]!, line: Number(place[2]), column: Number(place[3]) }),
      ...(head[2] && { name: head[2].trim() }),
      message: yaml.error ?? yaml.message ?? "not ok",
    });
  }
  return items;
}

/** The few keys of a TAP YAML diagnostic block we read, with `|-` blocks joined into one line. */
function yamlBlock(lines: readonly string[], start: number): Record<string, string> {
  const out: Record<string, string> = {};
  if (!/^\s+---$/.test(lines[start] ?? "")) return out;
  for (let i = start + 1; i < lines.length && !/^\s+\.\.\.$/.test(lines[i]!); i++) {
    const m = /^(\s+)(\w+): ?(.*)$/.exec(lines[i]!);
    if (!m) continue;
    const [, indent, key, value] = m;
    if (value === "|-" || value === "|" || value === ">-") {
      const block: string[] = [];
      while (i + 1 < lines.length && (lines[i + 1]!.startsWith(`${indent}  `) || lines[i + 1]!.trim() === "")) block.push(lines[++i]!.trim());
      out[key!] = block.filter((l) => l !== "").join(" ");
    } else {
      out[key!] = value!.replace(/^'(.*)'$/, "$1").replace(/^"(.*)"$/, "$1");
    }
  }
  return out;
}
