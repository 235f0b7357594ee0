/**
 * The quick path's promise (quick-parse.ts): it answers exactly for the files the full parser
 * reads without a problem, and its AST is then the full parser's, span for span; for any other
 * file it steps aside. Held on every spec file of the repository, on generated well-formed specs
 * (every item, odd spacing, comments, escapes, line endings) and on mutations of both.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../fixtures/run-phoenix.js";
import { fullParse, parseSpec } from "./parse.js";
import { quickParse } from "./quick-parse.js";

const FILE = "specs/quick.phx";
const SEED = 1119;

/** What is wrong with the quick path on `text`, if anything. */
function disagreement(text: string): string | undefined {
  const quick = quickParse(text, FILE);
  const full = fullParse(text, FILE);
  const clean = full.diagnostics.length === 0 && full.ast.blocks.length > 0;
  if (!quick) return clean ? "the quick path gave up on a file the full parser reads cleanly" : undefined;
  if (!clean) return `the quick path answered for a file with problems: ${full.diagnostics.map((d) => d.message).join("; ")}`;
  try {
    expect({ path: FILE, ...quick }).toStrictEqual(full.ast);
    return undefined;
  } catch (error) {
    return `the ASTs differ: ${(error as Error).message.slice(0, 2000)}`;
  }
}

// ---- generated well-formed specs ----

const pick = <T>(...values: T[]) => fc.constantFrom(...values);
/** Space between tokens: any whitespace the lexer skips, comments, every line ending. */
const gap = fc.array(pick(" ", "  ", "\t", "\n", "\r\n", "\r", "\f", "\v", "\uFEFF", "// note\n", "/* a\r\n b */", "/**/", "//\r"), { minLength: 1, maxLength: 3 })
  .map((parts) => parts.join(""));
/** Names, keywords among them: a check may be called `run`. */
const name = pick("store", "web", "a_b", "x-1", "R-1", "run", "check", "component", "MUST", "NOT", "because", "claude-code", "_");
const plainString = pick('"x"', '""', '"a \\"quoted\\" word"', '"tab\\tnew\\nline\\\\"', '"é ü 😀"', '"/* not a comment */"', '"sha256:3f1c"', '"GET /health"');
const tripleString = pick('"""\n    two\n      lines\n    """', '"""one"""', '"""\r\n  crlf\r\n  text\r\n  """', '""""""', '"""a "quoted" ""word"""');
const text = fc.oneof({ weight: 3, arbitrary: plainString }, { weight: 1, arbitrary: tripleString });
const duration = pick("500ms", "30s", "5m", "1h", "1.5m", "0s", "2min", "10x");
const number = pick("0", "3", "200", "1.5", "007");
const level = pick("MUST", "MUST NOT", "SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT", "MAY", "MAY NOT", "REQUIRED", "RECOMMENDED", "OPTIONAL", "must");

/** Token lists joined by random gaps. */
function joined(...parts: fc.Arbitrary<string>[]): fc.Arbitrary<string> {
  return fc.tuple(...parts.map((p) => fc.tuple(p, gap))).map((pairs) => pairs.map(([p, g]) => p + g).join(""));
}
const list = (item: fc.Arbitrary<string>) => fc.array(item, { minLength: 1, maxLength: 3 }).chain((items) =>
  fc.array(gap, { minLength: items.length, maxLength: items.length }).map((gaps) => items.map((it, i) => it + (i < items.length - 1 ? `,${gaps[i]}` : "")).join("")));

const leafItem: fc.Arbitrary<string> = fc.oneof(
  joined(pick("description", "root", "container", "start", "ready", "interface", "run", "probe", "judge", "human"), text),
  joined(pick("owns", "protect"), list(text)),
  joined(pick("depends_on", "covers"), list(name)),
  joined(pick("agent"), name),
  joined(pick("agent"), name, text),
  joined(pick("autonomy", "network"), name),
  joined(pick("requirement"), name, level, text),
  joined(pick("requirement"), name, level, text, pick("because"), text),
  joined(pick("decision"), name, text, pick("answer"), text),
  joined(pick("timeout"), duration),
  joined(pick("expect"), name, pick("<", "<=", ""), fc.oneof(duration, number)),
  joined(pick("samples", "votes"), number),
  pick("advisory"),
  joined(pick("remove"), pick("component", "requirement", "check", "depends_on"), name),
);
const body = (items: fc.Arbitrary<string>) => fc.tuple(gap, fc.array(items, { maxLength: 5 })).map(([g, xs]) => `{${g}${xs.join("")}}`);
const innerItem: fc.Arbitrary<string> = fc.oneof(
  { weight: 6, arbitrary: leafItem },
  { weight: 1, arbitrary: joined(pick("check"), name, body(leafItem)) },
  { weight: 1, arbitrary: joined(pick("modify"), name, body(leafItem)) },
  { weight: 1, arbitrary: joined(pick("modify"), name, pick("base"), text, body(leafItem)) },
  { weight: 1, arbitrary: joined(pick("add"), pick("component"), name, body(leafItem)) },
);
const block = fc.oneof(
  joined(pick("system", "component"), name, body(innerItem)),
  joined(pick("delta"), name, text, body(innerItem)),
);
const wellFormed = fc.tuple(fc.oneof(gap, fc.constant("")), fc.array(block, { minLength: 1, maxLength: 3 })).map(([g, blocks]) => g + blocks.join("\n"));

/** Small edits that break a file, or do not. */
const mutated = fc.tuple(wellFormed, fc.nat(), fc.nat({ max: 6 }), pick("", "{", "}", '"', '"""', "/*", "\\", ",", "<", "@", "1.", "\n", "x")).map(
  ([source, at, length, insert]) => {
    const i = at % (source.length + 1);
    return source.slice(0, i) + insert + source.slice(i + length);
  });

const repositorySpecs = ["fixtures", "specs", "system-under-construction"].flatMap((dir) =>
  readdirSync(join(repoRoot, dir), { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".phx")).sort()
    .map((f) => ({ file: join(dir, f), text: readFileSync(join(repoRoot, dir, f), "utf8") })));

describe("the quick parse path", () => {
  it("gives the full parser's AST for every well-formed spec of the repository, and steps aside for the broken ones", () => {
    const answered = repositorySpecs.filter(({ text }) => quickParse(text, FILE));
    expect(answered.length).toBeGreaterThanOrEqual(5);
    for (const { file, text } of repositorySpecs) expect(disagreement(text), file).toBeUndefined();
  });

  it("agrees with the full parser on generated specs with every item, spacing, comment and line ending", () => {
    fc.assert(fc.property(wellFormed, (text) => { expect(disagreement(text)).toBeUndefined(); }), { numRuns: 2_000, seed: SEED });
  });

  it("answers for most generated specs (the agreement above is not vacuous)", () => {
    const samples = fc.sample(wellFormed, { numRuns: 500, seed: SEED });
    const answered = samples.filter((text) => quickParse(text, FILE)).length;
    expect(answered).toBeGreaterThan(samples.length / 2);
  });

  it("agrees with the full parser on generated specs with a small edit", () => {
    fc.assert(fc.property(mutated, (text) => { expect(disagreement(text)).toBeUndefined(); }), { numRuns: 2_000, seed: SEED });
  });

  it("leaves every problem to the full parser, which reports it", () => {
    for (const text of ["", "// only a comment\n", 'component a { owns "x }', "component a { owns \"x\" ", "component a { bogus }", 'component a { timeout 30 }', 'component a { description "\\q" }']) {
      expect(quickParse(text, FILE), JSON.stringify(text)).toBeUndefined();
      expect(parseSpec(text, FILE).diagnostics.length, JSON.stringify(text)).toBeGreaterThan(0);
    }
  });

  it("gives up on nesting deeper than the full parser allows, without exhausting the stack", () => {
    const deep = `component a {${"check c {".repeat(5_000)}${"}".repeat(5_001)}`;
    expect(quickParse(deep, FILE)).toBeUndefined();
    expect(parseSpec(deep, FILE).diagnostics.map((d) => d.code)).toContain("nesting-too-deep");
  });
});
