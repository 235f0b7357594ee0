/**
 * The parser's promise, checked on random and mutated input: it never throws, and everything it
 * reports (diagnostics and AST nodes) is placed inside the text it read, at the right line and
 * column. A clean parse also survives the formatter with its meaning intact.
 *
 * The seed is fixed so CI is reproducible; on failure fast-check prints the seed, the path and
 * the shrunk input, which replay the case exactly.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../fixtures/run-phoenix.js";
import {
  checkSpecBytes, diagnosticCatalog, formatSpecFile, parseSpec, sameSpecContent, validateSpecFile,
  type Diagnostic, type Span, type SpecFile,
} from "./index.js";
import { lex } from "./lexer.js";
import { BLOCK_KEYWORDS, ITEM_KEYWORDS, LEVEL_WORDS, VALUE_WORDS } from "./tokens.js";

const FILE = "fuzz.phx";
const SEED = 2119;
const RUNS = 2_000;

// ---- What must hold for every input ----

/** Line and column of an offset, counting `\r\n`, `\r` and `\n` as one line break each, as the lexer does. */
class LineIndex {
  private readonly starts = [0];

  constructor(readonly text: string) {
    for (const m of text.matchAll(/\r\n|\r|\n/g)) this.starts.push(m.index + m[0].length);
  }

  position(offset: number): { line: number; column: number } {
    let low = 0;
    let high = this.starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.starts[mid]! <= offset) low = mid;
      else high = mid - 1;
    }
    return { line: low + 1, column: offset - this.starts[low]! + 1 };
  }
}

function spanProblems(span: Span, lines: LineIndex): string[] {
  const { offset, end } = span;
  if (span.file !== FILE) return [`file is '${span.file}'`];
  if (!Number.isInteger(offset) || !Number.isInteger(end) || offset < 0 || offset > end || end > lines.text.length) {
    return [`[${offset}, ${end}) is not inside the text of length ${lines.text.length}`];
  }
  const start = lines.position(offset);
  const stop = lines.position(end);
  const out: string[] = [];
  if (span.line !== start.line || span.column !== start.column) {
    out.push(`starts at ${span.line}:${span.column}, but offset ${offset} is at ${start.line}:${start.column}`);
  }
  if (span.endLine !== stop.line || span.endColumn !== stop.column) {
    out.push(`ends at ${span.endLine}:${span.endColumn}, but offset ${end} is at ${stop.line}:${stop.column}`);
  }
  return out;
}

/** Words that betray an unfilled template or a missing value, unless the input itself has them. */
const LEFTOVERS = ["undefined", "NaN", "[object Object]"];

function messageProblems(d: Diagnostic, text: string): string[] {
  const entry = diagnosticCatalog[d.code];
  if (!entry) return [`unknown code`];
  const out: string[] = [];
  if (d.severity !== entry.severity) out.push(`severity ${d.severity}, the catalog says ${entry.severity}`);
  if (d.message.trim() === "") out.push("empty message");
  const placeholders = [...entry.message.matchAll(/\{\w+\}/g)].map((m) => m[0]);
  for (const word of [...placeholders, ...LEFTOVERS]) {
    if (d.message.includes(word) && !text.includes(word)) out.push(`message has '${word}': ${d.message}`);
  }
  return out;
}

/** Every span in the AST, found generically (any `span` or `levelSpan` key), with its path. */
function* astSpans(value: unknown, path: string): Generator<[string, Span]> {
  if (typeof value !== "object" || value === null) return;
  for (const [key, child] of Object.entries(value)) {
    if (key === "span" || key === "levelSpan") yield [`${path}.${key}`, child as Span];
    else yield* astSpans(child, `${path}.${key}`);
  }
}

/** Every broken promise of one parse of `text`: misplaced spans, unfilled messages. */
function invariantProblems(text: string, ast: SpecFile, diagnostics: readonly Diagnostic[]): string[] {
  const lines = new LineIndex(text);
  const out = ast.path === FILE ? [] : [`ast.path is '${ast.path}'`];
  for (const d of diagnostics) {
    const where = `${d.code} at ${d.span.line}:${d.span.column}`;
    out.push(...[...spanProblems(d.span, lines), ...messageProblems(d, text)].map((p) => `${where}: ${p}`));
  }
  for (const [path, span] of astSpans(ast, "ast")) out.push(...spanProblems(span, lines).map((p) => `${path}: ${p}`));
  return out;
}

const isError = (d: Diagnostic): boolean => d.severity === "error";

/** A clean AST, printed and read back, must say the same thing. */
function formatProblems(ast: SpecFile): string[] {
  const formatted = formatSpecFile(ast);
  const again = parseSpec(formatted, FILE);
  const errors = again.diagnostics.filter(isError).map((d) => `${d.span.line}:${d.span.column} ${d.message}`);
  if (errors.length > 0) return [`the formatted text does not parse (${errors.join("; ")}): ${JSON.stringify(formatted)}`];
  return sameSpecContent(ast, again.ast) ? [] : [`formatting changed the meaning: ${JSON.stringify(formatted)}`];
}

/** Parses and validates text as `phoenix check` does (but without the UTF-8 round trip, so lone surrogates stay). */
function problemsOfText(text: string, parsed = parseSpec(text, FILE)): string[] {
  const errorOffsets = parsed.diagnostics.filter(isError).map((d) => d.span.offset);
  const diagnostics = [...parsed.diagnostics, ...validateSpecFile(parsed.ast, errorOffsets)];
  const clean = !parsed.diagnostics.some(isError);
  return [...invariantProblems(text, parsed.ast, diagnostics), ...(clean ? formatProblems(parsed.ast) : [])];
}

const REFUSALS = new Set(["file-too-large", "file-binary", "file-not-utf8"]);

function problemsOfBytes(bytes: Uint8Array): string[] {
  const { ast, diagnostics } = checkSpecBytes(bytes, FILE);
  // A refused file's diagnostic is placed in the text before the offending byte, which decodes
  // the same whether or not the rest is replaced with U+FFFD; so measure against the lossy decoding.
  const text = new TextDecoder().decode(bytes);
  const out = invariantProblems(text, ast, diagnostics);
  if (diagnostics.some((d) => REFUSALS.has(d.code)) && (diagnostics.length !== 1 || ast.blocks.length > 0)) {
    out.push(`a refused file has an AST or more than one diagnostic: ${diagnostics.map((d) => d.code).join(", ")}`);
  }
  return diagnostics.some(isError) ? out : [...out, ...formatProblems(ast)];
}

// ---- Inputs ----

/** Pieces of the language and of what breaks it, so random text reaches deep into the grammar. */
const languageToken = fc.oneof(
  { weight: 8, arbitrary: fc.constantFrom(...BLOCK_KEYWORDS, ...ITEM_KEYWORDS, ...LEVEL_WORDS, ...VALUE_WORDS) },
  { weight: 8, arbitrary: fc.constantFrom("{", "}", '"', '"""', "//", "/*", "*/", "\\", ",", "<", "<=", '\\"', "\\n", "\\q", '"x"', '"sha256:"') },
  { weight: 8, arbitrary: fc.constantFrom(" ", " ", "  ", "\n", "\n", "\r\n", "\r", "\t") },
  { weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,6}$/) },
  { weight: 3, arbitrary: fc.stringMatching(/^\d{1,4}(\.\d{1,2})?(ms|s|m|h|min|x)?$/) },
  { weight: 2, arbitrary: fc.constantFrom("é", "😀", "\u{10FFFF}", "\uD800", "\uDFFF", "\u2028", "\u0085", "\uFEFF", "\u00A0", "\0", "\f", "\v", "#", "'", "-", ".", "=", ">") },
);
/** Headers, `}` and items: without them random text rarely gets inside a block. */
const ITEMS = [
  'description "x"', 'root "."', 'container ".devcontainer"', 'start "node server.js"', 'ready "GET /health"', 'ready "x"', 'agent anthropic "m"', 'protect "a", "b"', 'owns "src/**"',
  'interface """\n  a\n  """', "depends_on a, b", "autonomy supervised", 'requirement A-1 MUST "t"',
  'requirement A-2 SHOULD NOT "t" because "r"', 'decision D-1 "q" answer "a"', "check c {", 'run "x"', 'probe "x"',
  'judge "x"', 'human "x"', "timeout 5m", "network allow", "expect p95 < 100ms", "expect status 200", "samples 3",
  "votes 0", "covers A-1", "advisory", "modify a {", 'modify a base "sha256:0123abcd" {', "add component b {",
  "remove requirement A-1",
];
const ARGUMENTS = ["a", '"x"', "A-1 must", "5min", "1.5", "p95 <=", "component", ""];
const languagePhrase = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom("system s {", "component a {", "component b {", 'delta d "summary" {', "}") },
  { weight: 4, arbitrary: fc.constantFrom(...ITEMS) },
  { weight: 1, arbitrary: fc.tuple(fc.constantFrom(...ITEM_KEYWORDS), fc.constantFrom(...ARGUMENTS)).map(([k, a]) => `${k} ${a}`) },
);
const separator = fc.constantFrom(" ", "\n", "\n", "", "\r\n", "\r", "\t", " // c\n", "/* c */");
const textPiece = fc.tuple(fc.oneof({ weight: 3, arbitrary: languagePhrase }, { weight: 1, arbitrary: languageToken }), separator)
  .map(([piece, after]) => piece + after);
const tokenText = fc.array(textPiece, { maxLength: 40 }).map((pieces) => pieces.join(""));
/** Any UTF-16 code unit, so lone surrogates and split pairs come up. */
const codeUnit = fc.nat({ max: 0xffff }).map((c) => String.fromCharCode(c));
const unicodeText = fc.oneof(fc.string({ unit: "binary", maxLength: 120 }), fc.string({ unit: codeUnit, maxLength: 120 }));

const encoder = new TextEncoder();
/** Every .phx file of the repository, the broken fixtures too: the starting points of mutation. */
const seedFiles = ["fixtures", "specs"].flatMap((dir) => readdirSync(join(repoRoot, dir), { recursive: true, encoding: "utf8" })
  .filter((f) => f.endsWith(".phx")).sort().map((f) => readFileSync(join(repoRoot, dir, f))));

type Mutation =
  | { op: "delete" | "duplicate" | "truncate"; at: number; length: number }
  | { op: "insert"; at: number; token: string }
  | { op: "swap"; at: number; length: number; other: number; otherLength: number }
  | { op: "flip"; at: number; mask: number };

const position = fc.nat();
/** Mostly short ranges, sometimes any length. */
const rangeLength = fc.oneof(fc.nat({ max: 16 }), fc.nat());
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constantFrom("delete", "duplicate", "truncate"), at: position, length: rangeLength }),
  fc.record({ op: fc.constant("insert"), at: position, token: languageToken }),
  fc.record({ op: fc.constant("swap"), at: position, length: rangeLength, other: position, otherLength: rangeLength }),
  fc.record({ op: fc.constant("flip"), at: position, mask: fc.integer({ min: 1, max: 0xff }) }),
) as fc.Arbitrary<Mutation>;

/** Text or bytes: both slice alike, but are joined, flipped and given a token differently. */
interface Editor<T extends { length: number; slice(start?: number, end?: number): T }> {
  join(parts: T[]): T;
  flip(unit: T, mask: number): T;
  encode(token: string): T;
}

function mutate<T extends { length: number; slice(start?: number, end?: number): T }>(input: T, m: Mutation, edit: Editor<T>): T {
  const n = input.length;
  const at = m.at % (n + 1);
  const range = (start: number, length: number): [number, number] => [start, start + (length % (n - start + 1))];
  switch (m.op) {
    case "delete": {
      const [a, b] = range(at, m.length);
      return edit.join([input.slice(0, a), input.slice(b)]);
    }
    case "duplicate": {
      const [a, b] = range(at, m.length);
      return edit.join([input.slice(0, b), input.slice(a)]);
    }
    case "truncate":
      return input.slice(0, at);
    case "insert":
      return edit.join([input.slice(0, at), edit.encode(m.token), input.slice(at)]);
    case "flip":
      return at === n ? input : edit.join([input.slice(0, at), edit.flip(input.slice(at, at + 1), m.mask), input.slice(at + 1)]);
    case "swap": {
      const [a, b] = range(at, m.length);
      const [c, d] = range(m.other % (n + 1), m.otherLength);
      if (b > c && d > a) return input; // overlapping ranges do not swap
      const [[p, q], [r, s]] = a <= c ? [[a, b], [c, d]] : [[c, d], [a, b]];
      return edit.join([input.slice(0, p), input.slice(r, s), input.slice(q, r), input.slice(p, q), input.slice(s)]);
    }
  }
}

const textEditor: Editor<string> = {
  join: (parts) => parts.join(""),
  // an odd mask flips the low byte of a code unit, an even one the high byte: surrogates and
  // other scripts come up (and a flipped half of a pair leaves a lone surrogate)
  flip: (unit, mask) => String.fromCharCode(unit.charCodeAt(0) ^ (mask % 2 === 1 ? mask : mask << 8)),
  encode: (token) => token,
};
const bytesEditor: Editor<Uint8Array> = {
  join: (parts) => Buffer.concat(parts),
  flip: (unit, mask) => Uint8Array.of(unit[0]! ^ mask),
  encode: (token) => encoder.encode(token),
};
const mutateText = (text: string, m: Mutation): string => mutate(text, m, textEditor);
const mutateBytes = (bytes: Uint8Array, m: Mutation): Uint8Array => mutate(bytes, m, bytesEditor);

const mutations = fc.array(mutation, { minLength: 1, maxLength: 4 });
const seedIndex = fc.nat({ max: seedFiles.length - 1 });
const mutatedText = fc.tuple(seedIndex, mutations).map(([i, ms]) => ms.reduce(mutateText, seedFiles[i]!.toString("utf8")));
const mutatedBytes = fc.tuple(seedIndex, mutations).map(([i, ms]) => ms.reduce(mutateBytes, new Uint8Array(seedFiles[i]!)));
/** Random bytes, and random language text as UTF-8 with random bytes put in (NUL, invalid sequences). */
const randomBytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc.tuple(tokenText, fc.array(mutation, { maxLength: 3 })).map(([text, ms]) => ms.reduce(mutateBytes, encoder.encode(text))),
);

function holdsForEvery<T>(inputs: fc.Arbitrary<T>, problemsOf: (input: T) => string[], numRuns = RUNS): void {
  fc.assert(fc.property(inputs, (input) => { expect(problemsOf(input)).toEqual([]); }), { numRuns, seed: SEED });
}

// ---- The tests: 5 properties of RUNS inputs each, 10,000 inputs in all ----

describe("the parser on random and mutated input", () => {
  it("finds the repository's spec files to mutate", () => {
    expect(seedFiles.length).toBeGreaterThanOrEqual(10);
  });

  it("places everything inside random text made of the language's tokens", () => {
    holdsForEvery(tokenText, problemsOfText);
  });

  it("places everything inside random unicode text, lone surrogates included", () => {
    holdsForEvery(unicodeText, problemsOfText);
  });

  it("places everything inside mutated spec files", () => {
    holdsForEvery(mutatedText, problemsOfText);
  });

  it("places everything inside mutated spec file bytes, invalid UTF-8 and NUL included", () => {
    holdsForEvery(mutatedBytes, problemsOfBytes);
  });

  it("places everything inside random bytes", () => {
    holdsForEvery(randomBytes, problemsOfBytes);
  });
});

describe("the parser on pathological input", () => {
  /** Each takes a few seconds; quadratic work on inputs this large would take minutes. */
  const PATHOLOGICAL_TIMEOUT = 20_000;

  function expectHandled(text: string): void {
    expect(problemsOfText(text)).toEqual([]);
  }

  it("handles 200,000 '{'", () => {
    expectHandled("{".repeat(200_000));
    expectHandled(`component a ${"{".repeat(200_000)}`);
  }, PATHOLOGICAL_TIMEOUT);

  it("handles 100,000 lines of unterminated strings", () => {
    expectHandled('"\n'.repeat(100_000));
    expectHandled(`component a {\n${'  description "open\n'.repeat(100_000)}}\n`);
  }, PATHOLOGICAL_TIMEOUT);

  it("handles 1 MB of random tokens", () => {
    const text = fc.sample(tokenText, { numRuns: 20_000, seed: SEED }).flatMap(closed).join("").slice(0, 1_000_000);
    expect(text).toHaveLength(1_000_000);
    const parsed = parseSpec(text, FILE);
    expect(problemsOfText(text, parsed)).toEqual([]);
    // the parser read it all: no nesting limit or runaway literal ended it early
    expect(parsed.ast.blocks.at(-1)!.span.end).toBeGreaterThan(990_000);
  }, PATHOLOGICAL_TIMEOUT);

  /**
   * Random text followed by the `}`s it left open, or nothing when an unterminated `"""` or
   * comment would swallow whatever follows: joined, such pieces never nest past the limit.
   */
  function closed(text: string): string[] {
    const lexed = lex(text, FILE);
    if (lexed.diagnostics.some((d) => d.code === "unterminated-triple-string" || d.code === "unterminated-comment")) return [];
    let depth = 0;
    for (const token of lexed.tokens) depth = Math.max(0, depth + (token.image === "{" ? 1 : token.image === "}" ? -1 : 0));
    return [`${text}\n${"}".repeat(depth)}\n`];
  }
});
