import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { repoRoot } from "../fixtures/run-phoenix.js";
import { parseSpec } from "./parse.js";
import { formatSpecFile, sameSpecContent } from "./format.js";
import { quoteString } from "./literals.js";
import { BLOCK_KEYWORDS, ITEM_KEYWORDS, VALUE_WORDS } from "./tokens.js";
import type { ComponentBlock, CountItem, DecisionItem, SpecFile } from "./ast.js";

/**
 * The AST without positions. `triple` goes too: the formatter chooses the quoting (a one-line
 * `"""` value becomes `"..."`), and what must survive is the value.
 */
function stripLayout(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(stripLayout);
  if (typeof value !== "object" || value === null) return value;
  const kept = Object.entries(value).filter(([key]) => !["span", "levelSpan", "path", "triple"].includes(key));
  return Object.fromEntries(kept.map(([key, v]) => [key, stripLayout(v)]));
}

function parseClean(text: string, file = "test.phx"): SpecFile {
  const { ast, diagnostics } = parseSpec(text, file);
  expect(diagnostics.filter((d) => d.severity === "error"), text).toEqual([]);
  return ast;
}

function fmt(text: string): string {
  return formatSpecFile(parseClean(text));
}

/** Formats `text` and checks every promise the formatter makes about it; returns the output. */
function expectFaithful(text: string): string {
  const before = parseClean(text);
  const out = formatSpecFile(before);
  const after = parseClean(out);
  expect(stripLayout(after), out).toEqual(stripLayout(before));
  expect(after.comments.map((c) => c.text)).toEqual(before.comments.map((c) => c.text));
  expect(formatSpecFile(after)).toBe(out);
  expect(out).toMatch(/[^\n]\n$/);
  return out;
}

function specFilesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".phx")).map((f) => join(dir, f)).sort();
}

describe("formatSpecFile on the repository's spec files", () => {
  const files = [...specFilesUnder(join(repoRoot, "fixtures")), ...specFilesUnder(join(repoRoot, "specs"))];
  const clean = files.filter((file) => {
    const { diagnostics } = parseSpec(readFileSync(file, "utf8"), file);
    return !diagnostics.some((d) => d.severity === "error");
  });

  it("finds the fixtures and the example specs", () => {
    expect(clean.length).toBeGreaterThanOrEqual(8);
  });

  it.each(clean.map((file) => [relative(repoRoot, file)]))("keeps the meaning and comments of %s, idempotently", (file) => {
    expectFaithful(readFileSync(join(repoRoot, file), "utf8"));
  });

  const goldens = specFilesUnder(join(repoRoot, "fixtures", "format")).filter((f) => f.endsWith(".input.phx"));
  it.each(goldens.map((file) => [relative(repoRoot, file)]))("prints %s exactly as its .expected.phx", (file) => {
    const input = readFileSync(join(repoRoot, file), "utf8");
    const expected = readFileSync(join(repoRoot, file.replace(/\.input\.phx$/, ".expected.phx")), "utf8");
    expect(fmt(input)).toBe(expected);
  });
});

describe("the canonical layout", () => {
  it("puts one item per line, two spaces deep, and checks on several lines", () => {
    expect(fmt(`system s { description "d" check typecheck { run "npm run typecheck" } }`)).toBe([
      "system s {",
      '  description "d"',
      "  check typecheck {",
      '    run "npm run typecheck"',
      "  }",
      "}",
      "",
    ].join("\n"));
  });

  it("separates top-level blocks by exactly one blank line", () => {
    expect(fmt("component a { owns \"a\" }\ncomponent b { owns \"b\" }\n\n\n\ncomponent c { owns \"c\" }")).toBe(
      'component a {\n  owns "a"\n}\n\ncomponent b {\n  owns "b"\n}\n\ncomponent c {\n  owns "c"\n}\n',
    );
  });

  it("keeps blank lines between items (several become one), none after { or before }", () => {
    const out = fmt('component a {\n\n\n  owns "a"\n\n\n\n  interface "i"\n  depends_on b\n\n}\n');
    expect(out).toBe('component a {\n  owns "a"\n\n  interface "i"\n  depends_on b\n}\n');
  });

  it("writes an empty body as {} and lists with a comma and a space", () => {
    expect(fmt('component a { owns "x" ,"y" depends_on b,c covers A-1 ,A-2 check c { } }')).toBe(
      'component a {\n  owns "x", "y"\n  depends_on b, c\n  covers A-1, A-2\n  check c {}\n}\n',
    );
  });

  it("puts because on the next line and keeps the level's words", () => {
    expect(fmt('component a { requirement A-1 MUST    NOT "x" requirement A-2 SHOULD "y" because "z" }')).toBe(
      'component a {\n  requirement A-1 MUST NOT "x"\n  requirement A-2 SHOULD "y"\n    because "z"\n}\n',
    );
  });

  it("keeps a decision on one line and durations as written", () => {
    expect(fmt('component a { decision Q "q"\n answer "a" check c { probe "GET /" timeout 1.50s expect p99 <= 0100ms samples 007 } }')).toBe([
      "component a {",
      '  decision Q "q" answer "a"',
      "  check c {",
      '    probe "GET /"',
      "    timeout 1.50s",
      "    expect p99 <= 0100ms",
      "    samples 7",
      "  }",
      "}",
      "",
    ].join("\n"));
  });

  it("prints start and ready one to a line beside root and container, in the order written", () => {
    const source = 'system s { root "r"   start\n"node --import tsx src/server.ts"  ready   """GET /health""" // up?\n container "c" }';
    expect(expectFaithful(source)).toBe([
      "system s {",
      '  root "r"',
      '  start "node --import tsx src/server.ts"',
      '  ready "GET /health"  // up?',
      '  container "c"',
      "}",
      "",
    ].join("\n"));
  });

  it("prints delta, modify with base, add and remove", () => {
    expect(fmt('delta d "s" { modify w base "h" { remove check c } add component x { owns "x" } remove component y }')).toBe([
      'delta d "s" {',
      '  modify w base "h" {',
      "    remove check c",
      "  }",
      "  add component x {",
      '    owns "x"',
      "  }",
      "  remove component y",
      "}",
      "",
    ].join("\n"));
  });
});

describe("strings", () => {
  const description = (value: string) => formatSpecFile(withDescription(value));

  it("writes a value with line breaks as a \"\"\" block indented under its item", () => {
    expect(description("one\n  two\n\nthree")).toBe('component a {\n  description """\n    one\n      two\n\n    three\n  """\n}\n');
  });

  it("indents a because block under the because line", () => {
    expect(fmt('component a { requirement A MAY "x" because "one\\ntwo" }')).toBe(
      'component a {\n  requirement A MAY "x"\n    because """\n      one\n      two\n    """\n}\n',
    );
  });

  it("writes a one-line \"\"\" value as \"...\" with escapes", () => {
    // the common indentation of its one line goes, as for any """ value
    expect(fmt('component a { description """  say "hi"\t\\ """ }')).toBe('component a {\n  description "say \\"hi\\"\\t\\\\ "\n}\n');
  });

  it.each([
    ["a common indentation", "  one\n  two"],
    ["tabs that would be taken as indentation", "\tone\n\ttwo"],
    ["\"\"\" inside", 'one\n"""two'],
    ["a carriage return", "one\r\ntwo"],
  ])("falls back to \"...\" for a value with %s", (_, value) => {
    expect(description(value)).toBe(`component a {\n  description ${quoteString(value)}\n}\n`);
  });

  it.each([
    ["leading and trailing blank lines", "\none\n"],
    ["a whitespace-only line", "one\n   \ntwo"],
    ["a tab after the indentation", "one\n\ttwo"],
    ["quotes at the ends", '"one\ntwo""'],
    ["only line breaks", "\n\n"],
  ])("keeps a \"\"\" block for a value with %s, which reads back exactly", (_, value) => {
    const out = description(value);
    expect(out).toContain('"""\n');
    const parsed = parseClean(out).blocks[0]!.items[0]!;
    expect(parsed.kind === "description" && parsed.value.value).toBe(value);
  });
});

describe("comments", () => {
  it("keeps leading, trailing, end-of-body and end-of-file comments in place", () => {
    const source = [
      "  // file start",
      "",
      "component a { // header",
      "     // before owns",
      '  owns "a" /* after owns */ // and more',
      "  // end of body",
      "} // after the block",
      "/* between",
      "   blocks */ component b { owns \"b\" }",
      "// end of file",
    ].join("\n");
    expect(expectFaithful(source)).toBe([
      "// file start",
      "",
      "component a {  // header",
      "  // before owns",
      '  owns "a"  /* after owns */ // and more',
      "  // end of body",
      "}  // after the block",
      "",
      "/* between",
      "   blocks */",
      "component b {",
      '  owns "b"',
      "}",
      "",
      "// end of file",
      "",
    ].join("\n"));
  });

  it("aligns trailing comments on consecutive lines", () => {
    expect(fmt('component a {\n owns "a" // one\n interface "a/b/c" // two\n\n depends_on x // three\n}')).toBe([
      "component a {",
      '  owns "a"           // one',
      '  interface "a/b/c"  // two',
      "",
      "  depends_on x  // three",
      "}",
      "",
    ].join("\n"));
  });

  it("moves comments inside an item or a header to the end of its line", () => {
    const source = 'component /* h */ a {\n  requirement A-1 /* x */ MUST // y\n  "t" // z\n  because /* w */ "r"\n  depends_on b, // v\n  c\n}';
    expect(expectFaithful(source)).toBe([
      "component a {  /* h */",
      '  requirement A-1 MUST "t"  /* x */ // y',
      '    because "r"  // z',
      "  /* w */",
      "  depends_on b, c  // v",
      "}",
      "",
    ].join("\n"));
  });

  it("puts a comment that would follow a // comment on the next line", () => {
    expect(expectFaithful('component a {\n  owns // one\n  "a" /* two */\n}')).toBe('component a {\n  owns "a"  // one\n  /* two */\n}\n');
  });

  it("keeps a comment that trails an item on a crowded line with that item", () => {
    expect(expectFaithful('component a { owns "a" interface "i" // on interface\n}')).toBe(
      'component a {\n  owns "a"\n  interface "i"  // on interface\n}\n',
    );
  });

  it("keeps a file of comments only", () => {
    expect(formatSpecFile({ path: "x", blocks: [], comments: parseSpec("// a\n\n\n/* b */", "x").ast.comments })).toBe("// a\n\n/* b */\n");
  });

  it("prints nothing for an empty file", () => {
    expect(formatSpecFile({ path: "x", blocks: [], comments: [] })).toBe("");
  });
});

describe("formatting an AST a program changed", () => {
  it("prints an added item without moving the file's comments", () => {
    const ast = parseClean('component a { // header\n  owns "a" // mine\n\n  // last words\n}\n');
    const decision: DecisionItem = {
      kind: "decision",
      id: { name: "Q1", span: nowhere },
      question: { value: "Which?", triple: false, span: nowhere },
      answer: { value: "This.\nAnd that.", triple: false, span: nowhere },
      span: nowhere,
    };
    (ast.blocks[0] as ComponentBlock).items.push(decision);
    expect(formatSpecFile(ast)).toBe([
      "component a {  // header",
      '  owns "a"  // mine',
      '  decision Q1 "Which?" answer """',
      "    This.",
      "    And that.",
      '  """',
      "",
      "  // last words",
      "}",
      "",
    ].join("\n"));
  });

  it.each([[1e21, "1000000000000000000000"], [1.5e-7, "0.00000015"], [Infinity, `1${"0".repeat(309)}`]])(
    "writes the number %d without an exponent so it reads back the same",
    (value, written) => {
      const ast = parseClean('component a { check c { samples 1 } }');
      const check = (ast.blocks[0] as ComponentBlock).items[0]!;
      if (check.kind !== "check") throw new Error("expected a check");
      (check.items[0] as CountItem).count.value = value;
      const out = formatSpecFile(ast);
      expect(out).toContain(`samples ${written}\n`);
      expect(stripLayout(parseClean(out))).toEqual(stripLayout(ast));
    },
  );
});

describe("sameSpecContent", () => {
  it("is true for a file and its formatted form and false when a comment or a value differs", () => {
    const source = 'component a { owns """\n  x\n""" } // c';
    const ast = parseClean(source);
    expect(sameSpecContent(ast, parseClean(formatSpecFile(ast)))).toBe(true);
    expect(sameSpecContent(ast, parseClean(source.replace("// c", "// d")))).toBe(false);
    expect(sameSpecContent(ast, parseClean(source.replace("x", "y")))).toBe(false);
  });
});

describe("formatSpecFile on random spec texts", () => {
  it("keeps the AST and every comment, and formats its own output unchanged", () => {
    fc.assert(fc.property(specText, (text) => {
      expectFaithful(text);
    }), { numRuns: 400 });
  });
});

const nowhere = { file: "", line: 0, column: 0, offset: 0, end: 0, endLine: 0, endColumn: 0 };

function withDescription(value: string): SpecFile {
  const ast = parseClean('component a { description "" }');
  const item = (ast.blocks[0] as ComponentBlock).items[0]!;
  if (item.kind === "description") item.value.value = value;
  return ast;
}

// Generators of random, syntactically valid spec texts: blocks of random items, written as
// tokens with random whitespace and comments between them.

const keywordName = fc.constantFrom(...BLOCK_KEYWORDS, ...ITEM_KEYWORDS, ...VALUE_WORDS);
const name = fc.oneof({ weight: 4, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,7}$/) }, { weight: 1, arbitrary: keywordName });

const valueChar = fc.constantFrom("a", "b", "Z", " ", "  ", "\t", "\n", '"', "\\", "é", "😀", "/", "*", "{", "}", "'", "`", "#");
const value = fc.string({ unit: valueChar, maxLength: 24 });

/** A `"""` literal: raw lines with random indentation; `"""` inside or a `"` before the closing quotes would end it early. */
const tripleLiteral = fc.tuple(
  fc.array(fc.tuple(fc.constantFrom("", " ", "    ", "\t", "  \t"), fc.string({ unit: valueChar.filter((c) => c !== "\n"), maxLength: 12 })), { minLength: 1, maxLength: 4 }),
  fc.constantFrom("", "\n", "\r\n"),
  fc.constantFrom("", "\n", "\n    ", "\r\n  "),
).map(([lines, head, tail]) => {
  const raw = `${head}${lines.map(([indent, t]) => indent + t).join("\n")}${tail}`.replace(/"{3,}/g, '""');
  return `"""${raw.endsWith('"') ? `${raw}x` : raw}"""`;
});

const literal = fc.oneof({ weight: 3, arbitrary: value.map(quoteString) }, { weight: 1, arbitrary: tripleLiteral });
const numberText = fc.stringMatching(/^\d{1,4}(\.\d{1,3})?$/);
const durationText = fc.tuple(numberText, fc.constantFrom("ms", "s", "m", "h")).map(([n, unit]) => n + unit);
const level = fc.constantFrom("MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "MAY NOT", "OPTIONAL");

function commaList(item: fc.Arbitrary<string>): fc.Arbitrary<string[]> {
  return fc.array(item, { minLength: 1, maxLength: 3 }).map((xs) => xs.flatMap((x, i) => (i === 0 ? [x] : [",", x])));
}

const leafItem: fc.Arbitrary<string[]> = fc.oneof(
  fc.tuple(fc.constantFrom("description", "root", "container", "start", "ready", "interface", "run", "probe", "judge", "human"), literal).map((t) => [...t]),
  fc.tuple(fc.constantFrom("owns", "protect"), commaList(literal)).map(([k, xs]) => [k, ...xs]),
  fc.tuple(fc.constantFrom("depends_on", "covers"), commaList(name)).map(([k, xs]) => [k, ...xs]),
  fc.tuple(name, fc.option(literal, { nil: undefined })).map(([p, arg]) => ["agent", p, ...(arg === undefined ? [] : [arg])]),
  fc.tuple(fc.constantFrom("autonomy", "network"), name).map((t) => [...t]),
  fc.tuple(name, level, literal, fc.option(literal, { nil: undefined })).map(([id, l, t, why]) =>
    ["requirement", id, ...l.split(" "), t, ...(why === undefined ? [] : ["because", why])]),
  fc.tuple(name, literal, literal).map(([id, q, a]) => ["decision", id, q, "answer", a]),
  durationText.map((d) => ["timeout", d]),
  fc.tuple(name, fc.constantFrom([], ["<"], ["<="]), fc.oneof(durationText, numberText)).map(([m, c, v]) => ["expect", m, ...c, v]),
  fc.tuple(fc.constantFrom("samples", "votes"), numberText).map((t) => [...t]),
  fc.constant<string[]>(["advisory"]),
  fc.tuple(fc.constantFrom("component", "requirement", "check", "depends_on"), name).map(([t, n]) => ["remove", t, n]),
);

function body(items: fc.Arbitrary<string[]>): fc.Arbitrary<string[]> {
  return fc.array(items, { maxLength: 5 }).map((xs) => ["{", ...xs.flat(), "}"]);
}

const checkItem = fc.tuple(name, body(leafItem)).map(([n, b]) => ["check", n, ...b]);
const innerItem = fc.oneof({ weight: 5, arbitrary: leafItem }, { weight: 1, arbitrary: checkItem });
const bodyItem = fc.oneof(
  { weight: 8, arbitrary: leafItem },
  { weight: 2, arbitrary: checkItem },
  { weight: 1, arbitrary: fc.tuple(name, fc.option(literal, { nil: undefined }), body(innerItem)).map(([c, base, b]) => ["modify", c, ...(base === undefined ? [] : ["base", base]), ...b]) },
  { weight: 1, arbitrary: fc.tuple(name, body(innerItem)).map(([c, b]) => ["add", "component", c, ...b]) },
);

const block = fc.oneof(
  fc.tuple(fc.constantFrom("system", "component"), name, body(bodyItem)).map(([k, n, b]) => [k, n, ...b]),
  fc.tuple(name, literal, body(bodyItem)).map(([n, s, b]) => ["delta", n, s, ...b]),
);

const commentChar = fc.constantFrom("a", " ", "/", "*", '"', "{", "}", "\t", "é");
const lineComment = fc.string({ unit: commentChar, maxLength: 10 }).map((t) => `//${t}\n`);
const blockComment = fc.string({ unit: fc.oneof(commentChar, fc.constant("\n")), maxLength: 12 }).map((t) => `/*${t.replace(/\*\//g, "* /")}*/`);
const space = fc.constantFrom(" ", "  ", "\t", "\n", "\n\n\n", "\r\n", "\n    ", " \n\n  ");
const separator = fc.array(fc.oneof({ weight: 6, arbitrary: space }, { weight: 1, arbitrary: lineComment }, { weight: 1, arbitrary: blockComment }), { minLength: 1, maxLength: 3 })
  .map((pieces) => pieces.join(""));

/** A whole file: its tokens, with a random separator before, between and after them. */
const specText = fc.array(block, { minLength: 1, maxLength: 3 })
  .map((blocks) => blocks.flat())
  .chain((tokens) => fc.array(separator, { minLength: tokens.length + 1, maxLength: tokens.length + 1 })
    .map((seps) => seps.map((sep, i) => sep + (tokens[i] ?? "")).join("")));
