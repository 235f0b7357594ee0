/**
 * `phoenix.lock` on disk: the current state, at the project root (the directory holding specs/).
 *
 * Format: JSON, keys sorted (by UTF-16 code units) at every depth, 2-space indent, a trailing
 * newline; `version` (LOCK_VERSION), `lineage` (a UUID fixed when the file is first written),
 * `serial` (up by one each time the content changes, never otherwise) and `components`.
 *
 * - parseLock / serializeLock are pure. parseLock never throws anything but LockError, whose
 *   message places the problem (`phoenix.lock:LINE:COL: error lock-corrupt: ...`) and says how
 *   to recover.
 * - readLock reads (a missing file is not an error: nothing was built yet); the exact text
 *   phoenix wrote last is not checked against the schema again (written.ts).
 * - writeLock and restoreLock change the file; both need the writer lock (withWriterLock in
 *   writer-lock.ts). Every change is atomic (../atomic-write.ts) and keeps the version it replaces
 *   as `phoenix.lock.bak`.
 */
import { randomUUID } from "node:crypto";
import { readFile, rename, rm, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import type { z } from "zod";
import { UserError } from "../cli/command.js";
import { describeIoError, displayPath } from "../spec-files.js";
import { firstInvalidUtf8Byte } from "../../spec-lang/source.js";
import { diagnostic, type Diagnostic } from "../../spec-lang/diagnostics.js";
import { fsyncDirectory, writeFileAtomic, writeTemp } from "../atomic-write.js";
import { LOCK_VERSION, lockSchema, type Lock } from "./schema.js";
import { holdsWriterLock } from "./writer-lock.js";
import { rememberWritten, wasWritten } from "./written.js";

/** The lock's file name, at the project root. */
export const LOCK_FILE = "phoenix.lock";
/** The version phoenix.lock had before its last change. */
export const BACKUP_FILE = "phoenix.lock.bak";

/**
 * What can be wrong with a lock file:
 * - `lock-corrupt`: not UTF-8, not JSON, or JSON that does not match the lock format
 * - `lock-version`: a format version this phoenix does not read
 * - `lock-unreadable`: the file exists but cannot be read (permissions, a directory)
 * - `lock-unwritable`: writing it failed (permissions, a full disk); the old version is intact
 * - `lock-changed`: it changed on disk after it was read, so writing would lose that change
 */
export type LockErrorCode = "lock-corrupt" | "lock-version" | "lock-unreadable" | "lock-unwritable" | "lock-changed";

const RESTORE_OR_DELETE = `to recover, run \`phoenix lock restore\` to go back to ${BACKUP_FILE}, or delete ${LOCK_FILE} to rebuild everything`;
const DELETE_ONLY = `to recover, delete ${LOCK_FILE} to rebuild everything (there is no ${BACKUP_FILE} to restore)`;

/** Fields of a LockError: the problem as data, for programs; the message is for people. */
export interface LockProblem {
  code: LockErrorCode;
  /** The file as shown to the user (relative to the working directory when inside it). */
  file: string;
  /** 1-based line and column (UTF-16 code units) of the problem, when it has a place. */
  line?: number;
  column?: number;
  /** 0-based offset in the text (UTF-16 code units). */
  offset?: number;
  /** What is wrong, without the place or the recovery. */
  reason: string;
  /** How to get going again. */
  recovery: string;
}

/**
 * A lock file that cannot be used. Exit 1 without a stack (it is a UserError); its message is
 * one line: `FILE:LINE:COL: error CODE: REASON; RECOVERY`.
 */
export class LockError extends UserError implements LockProblem {
  readonly code: LockErrorCode;
  readonly file: string;
  readonly line?: number;
  readonly column?: number;
  readonly offset?: number;
  readonly reason: string;
  readonly recovery: string;

  constructor(problem: LockProblem) {
    const place = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}:${problem.column ?? 1}`;
    super(`${place}: error ${problem.code}: ${problem.reason}; ${problem.recovery}`);
    this.code = problem.code;
    this.file = problem.file;
    if (problem.line !== undefined) this.line = problem.line;
    if (problem.column !== undefined) this.column = problem.column;
    if (problem.offset !== undefined) this.offset = problem.offset;
    this.reason = problem.reason;
    this.recovery = problem.recovery;
  }
}

/** A LockError as a diagnostic, for output that carries problems as data; placed at line 1 when it has no place. */
export function lockDiagnostic(error: LockError): Diagnostic {
  const line = error.line ?? 1;
  const column = error.column ?? 1;
  const offset = error.offset ?? 0;
  const span = { file: error.file, line, column, offset, end: offset, endLine: line, endColumn: column };
  return diagnostic(error.code, span, { reason: error.reason, recovery: error.recovery });
}

/** The state before anything was built: no components, serial 0, a lineage fixed once written. */
export function emptyLock(): Lock {
  return { version: LOCK_VERSION, lineage: randomUUID(), serial: 0, components: {} };
}

// ---------------------------------------------------------------------------------------------
// Pure: text <-> Lock

export interface ParseOptions {
  /** The recovery advice ending every error message (default: restore from .bak or delete). */
  recovery?: string;
}

/**
 * The lock in `input` (bytes are decoded as strict UTF-8; a leading byte order mark is ignored).
 * Throws LockError, and nothing else, when it is not valid UTF-8, not JSON, of another format
 * version, or does not match the schema; `file` is the name used in the message.
 */
export function parseLock(input: string | Uint8Array, file: string = LOCK_FILE, options: ParseOptions = {}): Lock {
  const recovery = options.recovery ?? RESTORE_OR_DELETE;
  const text = typeof input === "string" ? input.replace(/^\uFEFF/, "") : decode(input, file, recovery);
  const fail = (code: LockErrorCode, offset: number, reason: string, advice = recovery) =>
    new LockError({ code, file, ...position(text, offset), offset, reason, recovery: advice });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    const syntax = findJsonSyntaxError(text) ?? { offset: 0, reason: (error as Error).message };
    throw fail("lock-corrupt", syntax.offset, `invalid JSON: ${syntax.reason}`);
  }
  const version = isPlainObject(value) ? value["version"] : undefined;
  if (typeof version === "number" && version !== LOCK_VERSION) {
    const newer = version > LOCK_VERSION;
    const why = `format version ${version} is not supported: this phoenix reads version ${LOCK_VERSION}${newer ? " (a newer phoenix wrote it)" : ""}`;
    throw fail("lock-version", locateJsonPath(text, ["version"]), why, newer ? `upgrade phoenix; or ${recovery}` : recovery);
  }
  const parsed = lockSchema.safeParse(value);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    const shown = issues.slice(0, 3).map(describeIssue).join("; ");
    const more = issues.length > 3 ? `; and ${issues.length - 3} more` : "";
    throw fail("lock-corrupt", locateJsonPath(text, issues[0]!.path), `does not match the lock format: ${shown}${more}`);
  }
  return parsed.data;
}

/**
 * The lock as phoenix.lock holds it: sorted keys, 2-space indent, trailing newline; the same
 * lock always gives the same bytes. Throws (a bug, not a user's mistake) when `lock` does not
 * match the schema, so an invalid lock is never written.
 */
export function serializeLock(lock: Lock): string {
  // a component entry is checked and rendered once: a build writes the lock many times, each time
  // with one or two new entries among thousands (entries are replaced, never changed in place)
  const fresh = Object.entries(lock.components).filter(([, state]) => !renderedComponents.has(state));
  const parsed = lockSchema.safeParse({ ...lock, components: Object.fromEntries(fresh) });
  if (!parsed.success) {
    throw new Error(`refusing to write an invalid ${LOCK_FILE}: ${parsed.error.issues.slice(0, 3).map(describeIssue).join("; ")}`);
  }
  for (const [name, state] of fresh) renderedComponents.set(state, new Rendered(stringifySorted(parsed.data.components[name], COMPONENT_INDENT)));
  const components = Object.fromEntries(Object.keys(lock.components).map((name) => [name, renderedComponents.get(lock.components[name]!)!]));
  return `${stringifySorted({ ...parsed.data, components }, "")}\n`;
}

/** Text already rendered at its place in the file. */
class Rendered {
  constructor(readonly text: string) {}
}

/** Each component entry's text, by the entry object. */
const renderedComponents = new WeakMap<object, Rendered>();
/** Where a component's entry starts: inside "components", inside the top-level object. */
const COMPONENT_INDENT = "    ";

/** JSON.stringify(value, null, 2) with the keys of every object sorted by UTF-16 code units. */
function stringifySorted(value: unknown, indent: string): string {
  if (value instanceof Rendered) return value.text;
  if (Array.isArray(value)) {
    if (value.length === 0) return "[]";
    const inner = `${indent}  `;
    return `[\n${value.map((v) => inner + stringifySorted(v, inner)).join(",\n")}\n${indent}]`;
  }
  if (isPlainObject(value)) {
    const keys = Object.keys(value).filter((k) => value[k] !== undefined).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    if (keys.length === 0) return "{}";
    const inner = `${indent}  `;
    return `{\n${keys.map((k) => `${inner}${JSON.stringify(k)}: ${stringifySorted(value[k], inner)}`).join(",\n")}\n${indent}}`;
  }
  return JSON.stringify(value);
}

/** `components.api.outputHash: expected sha256: and 64 hex digits`. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const where = issue.path.length === 0 ? "the whole file" : jsonPath(issue.path);
  let message = issue.message.replace(/^Invalid input: /, "");
  const missing = /^expected (\w+), received undefined$/.exec(message);
  if (missing) message = `missing (expected ${missing[1]})`;
  else if (message === "Invalid UUID") message = "expected a UUID";
  else if (message === "Invalid ISO datetime") message = "expected an ISO 8601 time with a zone, like 2025-01-31T12:00:00Z";
  else message = message.replace(/^Invalid option: /, "");
  return `${where}: ${message}`;
}

/** `components.api.outputs["src/a.ts"]`, `components.api.approvals[0].by`. */
function jsonPath(path: readonly PropertyKey[]): string {
  let out = "";
  for (const key of path) {
    if (typeof key === "number") out += `[${key}]`;
    else if (typeof key === "string" && /^[A-Za-z_$][\w$-]*$/.test(key)) out += out === "" ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Strict UTF-8 (a BOM is dropped); a LockError placed at the first bad byte otherwise. */
function decode(bytes: Uint8Array, file: string, recovery: string): string {
  const start = bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0;
  const body = bytes.subarray(start);
  const bad = firstInvalidUtf8Byte(body);
  if (bad < 0) return new TextDecoder("utf-8").decode(body);
  const before = new TextDecoder("utf-8").decode(body.subarray(0, bad));
  const byte = body[bad]!.toString(16).toUpperCase().padStart(2, "0");
  const reason = cutShortCharacter(body.subarray(bad))
    ? "the file ends in the middle of a UTF-8 character: it looks cut short"
    : `not valid UTF-8 (byte 0x${byte} at byte offset ${start + bad})`;
  throw new LockError({ code: "lock-corrupt", file, ...position(before, before.length), offset: before.length, reason, recovery });
}

/** Whether `rest` is the beginning of a multi-byte UTF-8 character that the end of the file cut. */
function cutShortCharacter(rest: Uint8Array): boolean {
  const lead = rest[0]!;
  const length = lead >= 0xc2 && lead <= 0xdf ? 2 : lead >= 0xe0 && lead <= 0xef ? 3 : lead >= 0xf0 && lead <= 0xf4 ? 4 : 0;
  return length > 0 && rest.length < length && rest.subarray(1).every((b) => b >= 0x80 && b <= 0xbf);
}

/** 1-based line and column of `offset`; lines end at \n, \r\n or \r. */
function position(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let start = 0;
  for (let k = 0; k < offset && k < text.length; k++) {
    const c = text.charCodeAt(k);
    if (c === 0x0a || (c === 0x0d && text.charCodeAt(k + 1) !== 0x0a)) {
      line++;
      start = k + 1;
    }
  }
  return { line, column: offset - start + 1 };
}

// ---------------------------------------------------------------------------------------------
// Where JSON went wrong. JSON.parse says only sometimes, and not in the same words everywhere;
// this scanner accepts exactly what JSON.parse accepts (a property test checks it) and names the
// first offending character. Iterative, so deeply nested input cannot overflow the stack.

/** The first place `text` stops being JSON, and why. */
export interface JsonSyntaxError {
  offset: number;
  reason: string;
}

/** What the scanner expects next. */
type Mode = "value" | "value-or-close" | "key-or-close" | "key" | "colon" | "after";

/** The first syntax error in `text`, or undefined when JSON.parse would accept it. */
export function findJsonSyntaxError(text: string): JsonSyntaxError | undefined {
  if (skipWhitespace(text, 0) === text.length) return { offset: 0, reason: "the file is empty" };
  const closers: string[] = [];
  let mode: Mode = "value";
  let i = 0;
  for (;;) {
    i = skipWhitespace(text, i);
    if (i >= text.length) {
      if (mode === "after" && closers.length === 0) return undefined;
      return { offset: i, reason: `the file ends where ${expected(mode, closers)} should follow: it looks cut short` };
    }
    const c = text[i]!;
    const found = (hint = "") => ({ offset: i, reason: `expected ${expected(mode, closers)}, found ${describeChar(c)}${hint}` });
    switch (mode) {
      case "after": {
        const closer = closers[closers.length - 1];
        if (closer === undefined) return { offset: i, reason: `unexpected ${describeChar(c)} after the end of the JSON value` };
        if (c === ",") {
          mode = closer === "]" ? "value" : "key";
          i++;
        } else if (c === closer) {
          closers.pop();
          i++;
        } else {
          return found(c === '"' || c === "{" || c === "[" ? " (a missing comma?)" : "");
        }
        break;
      }
      case "colon":
        if (c !== ":") return found();
        mode = "value";
        i++;
        break;
      case "key-or-close":
      case "key":
        if (c === "}" && mode === "key-or-close") {
          closers.pop();
          mode = "after";
          i++;
        } else if (c === '"') {
          const end = scanString(text, i);
          if (typeof end !== "number") return end;
          mode = "colon";
          i = end;
        } else {
          return found(c === "}" ? " (a trailing comma before it?)" : c === "'" ? " (names need double quotes)" : "");
        }
        break;
      case "value-or-close":
      case "value": {
        if (c === "]" && mode === "value-or-close") {
          closers.pop();
          mode = "after";
          i++;
          break;
        }
        if (c === "{" || c === "[") {
          closers.push(c === "{" ? "}" : "]");
          mode = c === "{" ? "key-or-close" : "value-or-close";
          i++;
          break;
        }
        const end = c === '"' ? scanString(text, i) : c === "-" || isDigit(c) ? scanNumber(text, i) : scanLiteral(text, i);
        if (end === undefined) return found(c === "]" ? " (a trailing comma before it?)" : c === "'" ? " (strings need double quotes)" : "");
        if (typeof end !== "number") return end;
        mode = "after";
        i = end;
        break;
      }
    }
  }
}

function expected(mode: Mode, closers: readonly string[]): string {
  const closer = closers[closers.length - 1];
  switch (mode) {
    case "value": return "a value";
    case "value-or-close": return "a value or ']'";
    case "key-or-close": return "a property name or '}'";
    case "key": return "a property name in double quotes";
    case "colon": return "':' after the property name";
    case "after": return closer === undefined ? "nothing" : `',' or '${closer}'`;
  }
}

function describeChar(c: string): string {
  const code = c.charCodeAt(0);
  return code >= 0x20 && code < 0x7f ? `'${c}'` : `U+${code.toString(16).toUpperCase().padStart(4, "0")}`;
}

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

function skipWhitespace(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) break;
    i++;
  }
  return i;
}

/** The offset after the string starting at `i` (a `"`), or the error in it. */
function scanString(text: string, i: number): number | JsonSyntaxError {
  const cutShort = (): JsonSyntaxError => {
    const { line, column } = position(text, i);
    return { offset: text.length, reason: `the file ends inside a string (it starts at ${line}:${column}): it looks cut short` };
  };
  let j = i + 1;
  for (;;) {
    if (j >= text.length) return cutShort();
    const c = text.charCodeAt(j);
    if (c === 0x22) return j + 1;
    if (c < 0x20) return { offset: j, reason: `a raw control character (${describeChar(text[j]!)}) inside a string; write it as an escape such as \\n` };
    if (c !== 0x5c) {
      j++;
      continue;
    }
    const escape = text[j + 1];
    if (escape === undefined) return cutShort();
    if (`"\\/bfnrt`.includes(escape)) {
      j += 2;
    } else if (escape === "u") {
      for (let k = j + 2; k < j + 6; k++) {
        if (k >= text.length) return cutShort();
        if (!/[0-9a-fA-F]/.test(text[k]!)) return { offset: k, reason: `a \\u escape needs 4 hex digits, found ${describeChar(text[k]!)}` };
      }
      j += 6;
    } else {
      return { offset: j, reason: `invalid escape \\${escape} in a string` };
    }
  }
}

/** The offset after the number starting at `i`, or the error in it. */
function scanNumber(text: string, i: number): number | JsonSyntaxError {
  let j = i;
  const digits = (what: string): JsonSyntaxError | undefined => {
    if (j >= text.length) return { offset: j, reason: `the file ends inside a number: it looks cut short` };
    if (!isDigit(text[j])) return { offset: j, reason: `expected a digit ${what}, found ${describeChar(text[j]!)}` };
    while (isDigit(text[j])) j++;
    return undefined;
  };
  if (text[j] === "-") j++;
  if (text[j] === "0") j++;
  else {
    const error = digits("in a number");
    if (error) return error;
  }
  if (text[j] === ".") {
    j++;
    const error = digits("after the decimal point");
    if (error) return error;
  }
  if (text[j] === "e" || text[j] === "E") {
    j++;
    if (text[j] === "+" || text[j] === "-") j++;
    const error = digits("in the exponent");
    if (error) return error;
  }
  return j;
}

/** The offset after `true`, `false` or `null` at `i`; undefined when none starts there. */
function scanLiteral(text: string, i: number): number | JsonSyntaxError | undefined {
  const word = ["true", "false", "null"].find((w) => w[0] === text[i]);
  if (word === undefined) return undefined;
  for (let k = 1; k < word.length; k++) {
    if (i + k >= text.length) return { offset: i + k, reason: `the file ends inside '${word}': it looks cut short` };
    if (text[i + k] !== word[k]) return { offset: i + k, reason: `expected '${word}', found ${describeChar(text[i + k]!)}` };
  }
  return i + word.length;
}

/** The offset after the (valid) JSON value at `i`. */
function skipValue(text: string, i: number): number {
  const c = text[i];
  if (c === '"') return scanString(text, i) as number;
  if (c !== "{" && c !== "[") {
    let j = i;
    while (j < text.length && !",]} \t\n\r".includes(text[j]!)) j++;
    return j;
  }
  let depth = 0;
  for (let j = i; j < text.length; j++) {
    const d = text[j];
    if (d === '"') j = (scanString(text, j) as number) - 1;
    else if (d === "{" || d === "[") depth++;
    else if (d === "}" || d === "]") {
      depth--;
      if (depth === 0) return j + 1;
    }
  }
  return text.length;
}

/**
 * The offset of the value at `path` in valid JSON `text` (the last of duplicate keys, as
 * JSON.parse keeps), or of the deepest value on the way when the rest is missing.
 */
function locateJsonPath(text: string, path: readonly PropertyKey[]): number {
  let at = skipWhitespace(text, 0);
  for (const key of path) {
    let found = -1;
    if (text[at] === "{" && typeof key === "string") {
      let j = skipWhitespace(text, at + 1);
      while (text[j] === '"') {
        const keyEnd = scanString(text, j) as number;
        const name = JSON.parse(text.slice(j, keyEnd)) as string;
        j = skipWhitespace(text, skipWhitespace(text, keyEnd) + 1);
        if (name === key) found = j;
        j = skipWhitespace(text, skipValue(text, j));
        if (text[j] !== ",") break;
        j = skipWhitespace(text, j + 1);
      }
    } else if (text[at] === "[" && typeof key === "number") {
      let j = skipWhitespace(text, at + 1);
      for (let n = 0; text[j] !== "]" && j < text.length; n++) {
        if (n === key) {
          found = j;
          break;
        }
        j = skipWhitespace(text, skipValue(text, j));
        if (text[j] !== ",") break;
        j = skipWhitespace(text, j + 1);
      }
    }
    if (found < 0) return at;
    at = found;
  }
  return at;
}

// ---------------------------------------------------------------------------------------------
// IO

export interface ReadOptions {
  /** Directory that file names in messages are relative to (default: the process's). */
  cwd?: string;
}

/**
 * The project's current state. A missing phoenix.lock is not an error: nothing was built yet,
 * and the result is emptyLock() with `exists: false`. Throws LockError when the file cannot be
 * read or used; the advice mentions `phoenix lock restore` only when there is a .bak.
 */
export async function readLock(projectDir: string, options: ReadOptions = {}): Promise<{ lock: Lock; exists: boolean; asWritten?: boolean }> {
  const path = join(projectDir, LOCK_FILE);
  const shown = displayPath(path, options.cwd ?? process.cwd());
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { lock: emptyLock(), exists: false };
    throw new LockError({ code: "lock-unreadable", file: shown, reason: `cannot read it: ${describeIoError(error)}`, recovery: `check the file's permissions, or delete ${LOCK_FILE} to rebuild everything` });
  }
  if (wasWritten(projectDir, bytes)) return { lock: JSON.parse(Buffer.from(bytes).toString("utf8")) as Lock, exists: true, asWritten: true };
  try {
    const lock = parseLock(bytes, shown);
    // exactly the text this build would write for what it just checked (a checkout of a lock
    // phoenix wrote, a new build of phoenix): the next read needs JSON.parse alone
    const text = Buffer.from(bytes).toString("utf8");
    const asWritten = `${stringifySorted(lock, "")}\n` === text;
    if (asWritten) rememberWritten(projectDir, text);
    return { lock, exists: true, asWritten };
  } catch (error) {
    // without a .bak, restoring is no advice: parse again for the error with the other advice
    if (error instanceof LockError && !(await exists(join(projectDir, BACKUP_FILE)))) parseLock(bytes, shown, { recovery: DELETE_ONLY });
    throw error;
  }
}

/** What writeLock did. */
export interface WriteResult {
  /** False when the content was the same as the file's: the file was not touched. */
  written: boolean;
  /** The serial phoenix.lock has now. */
  serial: number;
  /** The lock as it is now on disk: pass it to the next writeLock. */
  lock: Lock;
}

/**
 * Records `lock` as the project's current state, under the writer lock (it throws if this
 * process does not hold it). `lock` must be what readLock returned (or a change of it): when
 * phoenix.lock changed on disk since (another serial or lineage), LockError `lock-changed` is
 * thrown instead of losing that change.
 *
 * When the content (everything but the serial) is the same as the file's, nothing is written.
 * Otherwise the serial becomes one more than the highest of phoenix.lock and phoenix.lock.bak
 * (so a serial is not used twice after a restore), the replaced version is kept as
 * phoenix.lock.bak, and the new one is written atomically. The first write creates the file
 * with `lock`'s lineage. An invalid lock throws before anything is written.
 */
export async function writeLock(projectDir: string, lock: Lock): Promise<WriteResult> {
  const asGiven = serializeLock(lock); // an invalid lock is refused before any IO
  const dir = resolve(projectDir);
  if (!holdsWriterLock(dir)) throw new Error("writeLock needs the writer lock: call it inside withWriterLock");
  const path = join(dir, LOCK_FILE);
  const current = await readExisting(path);
  const changed = (reason: string) =>
    new LockError({ code: "lock-changed", file: LOCK_FILE, reason, recovery: "nothing was written; run the command again to start from the current state" });
  if (current === undefined && lock.serial !== 0) throw changed(`it was removed after it was read (at serial ${lock.serial})`);
  if (current !== undefined) {
    if (current.lock.lineage !== lock.lineage) throw changed(`it was replaced after it was read (lineage ${lock.lineage}, now ${current.lock.lineage})`);
    if (current.lock.serial !== lock.serial) throw changed(`it changed after it was read (serial ${lock.serial}, now ${current.lock.serial})`);
    if (asGiven === current.text) return { written: false, serial: current.lock.serial, lock: current.lock };
  }
  const backupPath = join(dir, BACKUP_FILE);
  const backup = await readBackupSerial(backupPath, lock.lineage);
  const next: Lock = { ...lock, serial: Math.max(current?.lock.serial ?? 0, backup ?? 0) + 1 };
  // `lock` was checked against the schema above and its entries are rendered: only the serial is new
  const text = serializeLock(next);
  await unwritableOnFailure(LOCK_FILE, async () => {
    if (current !== undefined) {
      await writeFileAtomic(backupPath, current.bytes);
      await remember(backupPath, current.bytes, current.text, current.lock);
    }
    await writeFileAtomic(path, text);
  });
  rememberWritten(dir, text);
  const bytes = Buffer.from(text);
  await remember(path, bytes, text, next);
  return { written: true, serial: next.serial, lock: next };
}

/** What restoreLock did: the serial before (or why there was none) and after. */
export interface RestoreResult {
  before: { serial: number } | { missing: true } | { corrupt: LockError };
  after: number;
}

/**
 * Swaps phoenix.lock and phoenix.lock.bak, under the writer lock, so that a second restore
 * undoes the first; when phoenix.lock is missing, the .bak is copied back. Refuses (UserError)
 * when there is no .bak, when the .bak is not a valid lock (LockError on it; phoenix.lock is
 * left as it is), and when the two belong to different lineages.
 */
export async function restoreLock(projectDir: string, options: ReadOptions = {}): Promise<RestoreResult> {
  const dir = resolve(projectDir);
  if (!holdsWriterLock(dir)) throw new Error("restoreLock needs the writer lock: call it inside withWriterLock");
  const cwd = options.cwd ?? process.cwd();
  const path = join(dir, LOCK_FILE);
  const backupPath = join(dir, BACKUP_FILE);
  const backupShown = displayPath(backupPath, cwd);
  let backupBytes: Uint8Array;
  try {
    backupBytes = await readFile(backupPath);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") {
      throw new UserError(`nothing to restore: there is no ${backupShown} (phoenix keeps the previous version there each time ${LOCK_FILE} changes)`);
    }
    throw new UserError(`cannot read ${backupShown}: ${describeIoError(error)}`);
  }
  const restored = parseLock(backupBytes, backupShown, { recovery: `it cannot be restored; ${LOCK_FILE} was left as it is` });
  const current = await readCurrentForRestore(path, displayPath(path, cwd));
  if (current.kind === "missing") {
    await unwritableOnFailure(LOCK_FILE, () => writeFileAtomic(path, backupBytes));
    return { before: { missing: true }, after: restored.serial };
  }
  if (current.kind === "ok" && current.lock.lineage !== restored.lineage) {
    throw new UserError(
      `${backupShown} is not a previous version of ${LOCK_FILE}: its lineage is ${restored.lineage}, ${LOCK_FILE}'s is ${current.lock.lineage}; nothing was changed (delete ${LOCK_FILE} first to restore it anyway)`,
    );
  }
  await unwritableOnFailure(LOCK_FILE, () => swap(path, backupBytes, backupPath, current.bytes));
  return { before: current.kind === "ok" ? { serial: current.lock.serial } : { corrupt: current.error }, after: restored.serial };
}

/** phoenix.lock gets `lockBytes`, phoenix.lock.bak gets `backupBytes`, each rename atomic. */
async function swap(path: string, lockBytes: Uint8Array, backupPath: string, backupBytes: Uint8Array): Promise<void> {
  const forLock = await writeTemp(path, lockBytes);
  let forBackup: string;
  try {
    forBackup = await writeTemp(backupPath, backupBytes);
  } catch (error) {
    await rm(forLock, { force: true });
    throw error;
  }
  try {
    await rename(forLock, path);
  } catch (error) {
    await rm(forLock, { force: true });
    await rm(forBackup, { force: true });
    throw error;
  }
  try {
    await rename(forBackup, backupPath);
  } catch (error) {
    // phoenix.lock is restored; the version it replaced survives only in the temp file
    throw new UserError(`${LOCK_FILE} was restored, but the version it replaced could not be kept as ${BACKUP_FILE} (${describeIoError(error)}); it is in ${forBackup}`);
  }
  await fsyncDirectory(dirname(path));
}

/** Runs a write; a file-system error becomes LockError `lock-unwritable` (exit 1, no stack). */
async function unwritableOnFailure(file: string, write: () => Promise<void>): Promise<void> {
  try {
    await write();
  } catch (error) {
    if (error instanceof UserError || typeof (error as NodeJS.ErrnoException).code !== "string") throw error;
    const path = (error as NodeJS.ErrnoException).path;
    const where = path === undefined ? "" : ` (in ${dirname(path)})`;
    throw new LockError({ code: "lock-unwritable", file, reason: `cannot write it: ${describeIoError(error)}${where}`, recovery: `${file} was left as it was; fix the cause and run the command again` });
  }
}

/**
 * What this process last read or wrote at a path, and the file's identity then (inode, size,
 * modification and change times): a file that still has that identity is not read and parsed
 * again. A build records one component after another, and phoenix.lock grows with the system:
 * parsing all of it for every write would make a build quadratic.
 */
interface Known {
  identity: string;
  bytes: Uint8Array;
  text: string;
  lock: Lock;
}

const known = new Map<string, Known>();

async function identityOf(path: string): Promise<string | undefined> {
  try {
    const s = await stat(path, { bigint: true });
    return `${s.ino}:${s.size}:${s.mtimeNs}:${s.ctimeNs}`;
  } catch {
    return undefined;
  }
}

async function remember(path: string, bytes: Uint8Array, text: string, lock: Lock): Promise<void> {
  const identity = await identityOf(path);
  if (identity) known.set(path, { identity, bytes, text, lock });
}

async function readExisting(path: string): Promise<Omit<Known, "identity"> | undefined> {
  const identity = await identityOf(path);
  const cached = known.get(path);
  if (identity !== undefined && cached?.identity === identity) return cached;
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw new LockError({ code: "lock-unreadable", file: LOCK_FILE, reason: `cannot read it: ${describeIoError(error)}`, recovery: "nothing was written" });
  }
  const lock = parseLock(bytes, LOCK_FILE);
  const text = serializeLock(lock);
  if (identity !== undefined) known.set(path, { identity, bytes, text, lock });
  return { bytes, text, lock };
}

type CurrentForRestore =
  | { kind: "missing" }
  | { kind: "ok"; bytes: Uint8Array; lock: Lock }
  | { kind: "corrupt"; bytes: Uint8Array; error: LockError };

async function readCurrentForRestore(path: string, shown: string): Promise<CurrentForRestore> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return { kind: "missing" };
    throw new UserError(`cannot read ${shown}: ${describeIoError(error)}`);
  }
  try {
    return { kind: "ok", bytes, lock: parseLock(bytes, shown) };
  } catch (error) {
    if (error instanceof LockError) return { kind: "corrupt", bytes, error };
    throw error;
  }
}

/** The serial of a readable .bak of the same lineage, else undefined. */
async function readBackupSerial(path: string, lineage: string): Promise<number | undefined> {
  try {
    const identity = await identityOf(path);
    const cached = known.get(path);
    const backup = identity !== undefined && cached?.identity === identity ? cached.lock : parseLock(await readFile(path));
    return backup.lineage === lineage ? backup.serial : undefined;
  } catch {
    return undefined;
  }
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
