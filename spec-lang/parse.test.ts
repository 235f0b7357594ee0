import { describe, expect, it } from "vitest";
import { readFileSync } from "node:fs";
import { parseSpec } from "./parse.js";
import { itemsOfKind, type Block, type Item } from "./ast.js";

const everyConstruct = readFileSync(new URL("../fixtures/valid/every-construct.phx", import.meta.url), "utf8");

/** A node without its spans: the shape the assertions compare. */
function shape(value: unknown): unknown {
  return JSON.parse(JSON.stringify(value, (key, v: unknown) => (key === "span" || key === "levelSpan" ? undefined : v)));
}

/** The items of the one block in `text`, which must parse without problems. */
function itemsOf(text: string): unknown {
  const { ast, diagnostics } = parseSpec(text, "t.phx");
  expect(diagnostics).toEqual([]);
  expect(ast.blocks).toHaveLength(1);
  return shape(ast.blocks[0]!.items);
}

/** Diagnostics as `line:column code: message`. */
function problems(text: string): string[] {
  return parseSpec(text, "t.phx").diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`);
}

function block(name: string): Block {
  const found = parseSpec(everyConstruct, "every.phx").ast.blocks.find((b) => b.name.name === name);
  if (!found) throw new Error(`no block ${name}`);
  return found;
}

describe("parseSpec: every construct", () => {
  it("parses the every-construct fixture without a problem, in file order", () => {
    const { ast, diagnostics } = parseSpec(everyConstruct, "every.phx");
    expect(diagnostics).toEqual([]);
    expect(ast.blocks.map((b) => `${b.kind} ${b.name.name}`)).toEqual([
      "system signin", "component store", "component crypto", "component legacy", "delta blue-button",
    ]);
    expect(ast.comments.map((c) => c.kind)).toEqual(["block", "line"]);
  });

  it("gives the system block its items", () => {
    const system = block("signin");
    expect(system.items.map((i) => i.kind)).toEqual(["description", "root", "container", "start", "ready", "agent", "protect", "check"]);
    expect(shape([...itemsOfKind(system.items, "start"), ...itemsOfKind(system.items, "ready")])).toEqual([
      { kind: "start", value: { value: "node --import tsx src/server.ts", triple: false } },
      { kind: "ready", value: { value: "GET /health", triple: false } },
    ]);
    expect(shape(itemsOfKind(system.items, "protect"))).toEqual([
      { kind: "protect", values: [{ value: "test/**", triple: false }, { value: ".ci/**", triple: false }] },
    ]);
  });

  it("reads every requirement level, two-word ones included, with its reason", () => {
    const levels = itemsOfKind(block("store").items, "requirement").map((r) => [r.id.name, r.level, r.because?.value]);
    expect(levels).toEqual([
      ["STORE-1", "MUST", undefined],
      ["STORE-2", "SHOULD", "sign-in has a 100 ms budget"],
      ["STORE-3", "MUST NOT", undefined],
      ["STORE-4", "REQUIRED", undefined],
      ["STORE-5", "SHALL", undefined],
      ["STORE-6", "SHALL NOT", undefined],
      ["STORE-7", "SHOULD NOT", "memory is shared"],
      ["STORE-8", "RECOMMENDED", "hardware differs"],
      ["STORE-9", "MAY", "the web page greets users"],
      ["STORE-10", "MAY NOT", "no export is designed yet"],
      ["STORE-11", "OPTIONAL", "useful for support"],
    ]);
  });

  it("places a two-word level's span over both words", () => {
    const [r] = itemsOfKind(parseSpec('component a { requirement A-1 MUST  NOT "x" }', "t.phx").ast.blocks[0]!.items, "requirement");
    expect([r!.levelSpan.column, r!.levelSpan.endColumn]).toEqual([31, 40]);
  });

  it("cooks a triple-quoted description and a string with escapes", () => {
    const store = block("store");
    expect(shape(store.items.slice(0, 1))).toEqual([{
      kind: "description",
      value: { value: "Keeps user records and password hashes in memory.\n  Indented line kept relative to the rest.", triple: true },
    }]);
    expect(shape(itemsOfKind(store.items, "agent"))).toEqual([{
      kind: "agent", provider: { name: "command" },
      argument: { value: 'node tools/gen.js --quote "x" --tab\t--backslash \\', triple: false },
    }]);
  });

  it("reads the component items and a decision", () => {
    const store = block("store");
    expect(shape(store.items.filter((i) => ["owns", "interface", "depends_on", "autonomy", "decision"].includes(i.kind)))).toEqual([
      { kind: "owns", values: [{ value: "src/store/**", triple: false }] },
      { kind: "interface", value: { value: "src/store/index.ts", triple: false } },
      { kind: "depends_on", names: [{ name: "crypto" }] },
      { kind: "autonomy", value: { name: "supervised" } },
      { kind: "decision", id: { name: "STORE-Q1" }, question: { value: "Which hash function?", triple: false }, answer: { value: "scrypt, N=16384", triple: false } },
    ]);
  });

  it("reads each check kind with its options", () => {
    const checks = itemsOfKind(block("store").items, "check");
    expect(shape(checks)).toEqual([
      { kind: "check", name: { name: "unit" }, items: [
        { kind: "run", value: { value: "npx vitest run test/store", triple: false } },
        { kind: "covers", names: ["STORE-1", "STORE-3", "STORE-4", "STORE-5", "STORE-6"].map((name) => ({ name })) },
        { kind: "timeout", duration: { ms: 60_000, text: "60s" } },
        { kind: "network", value: { name: "allow" } },
      ] },
      { kind: "check", name: { name: "health" }, items: [
        { kind: "probe", value: { value: "GET http://127.0.0.1:3000/health", triple: false } },
        { kind: "expect", metric: { name: "status" }, value: { value: 200 } },
        { kind: "expect", metric: { name: "p95" }, comparison: "<", value: { ms: 100, text: "100ms" } },
        { kind: "expect", metric: { name: "p99" }, comparison: "<=", value: { ms: 1500, text: "1.5s" } },
        { kind: "samples", count: { value: 20 } },
      ] },
      { kind: "check", name: { name: "readable" }, items: [
        { kind: "judge", value: { value: "Names say what things are; no function is longer than 40 lines.", triple: false } },
        { kind: "votes", count: { value: 3 } },
        { kind: "advisory" },
      ] },
      { kind: "check", name: { name: "reviewed" }, items: [
        { kind: "human", value: { value: "A person has read the hashing code.", triple: false } },
      ] },
    ]);
  });

  it("reads a delta: modify with base, its adds and removes, add component, remove component", () => {
    const delta = block("blue-button");
    expect(delta.kind).toBe("delta");
    if (delta.kind !== "delta") return;
    expect(delta.summary.value).toBe("The sign-in button MUST change to blue");
    const [modify, add, remove] = delta.items as [Item, Item, Item];
    expect(modify).toMatchObject({ kind: "modify", component: { name: "store" }, base: { value: "sha256:53e81c73" } });
    if (modify.kind !== "modify") return;
    expect(modify.items.map((i) => (i.kind === "remove" ? `remove ${i.target} ${i.name.name}` : i.kind))).toEqual([
      "requirement", "remove requirement STORE-9", "remove check readable", "remove depends_on crypto",
      "depends_on", "owns", "description", "interface", "decision", "check",
    ]);
    expect(add).toMatchObject({ kind: "add", component: { name: "audit" } });
    expect(add.kind === "add" && add.items.map((i) => i.kind)).toEqual(["owns", "requirement", "check"]);
    expect(shape(remove)).toEqual({ kind: "remove", target: "component", name: { name: "legacy" } });
  });

  it("makes base optional in modify", () => {
    expect(itemsOf('delta d "s" { modify web { remove check old } }')).toEqual([
      { kind: "modify", component: { name: "web" }, items: [{ kind: "remove", target: "check", name: { name: "old" } }] },
    ]);
  });

  it("accepts keywords as names", () => {
    expect(itemsOf('component check { owns "x" check run { run "run" covers check } depends_on system, delta }')).toEqual([
      { kind: "owns", values: [{ value: "x", triple: false }] },
      { kind: "check", name: { name: "run" }, items: [
        { kind: "run", value: { value: "run", triple: false } },
        { kind: "covers", names: [{ name: "check" }] },
      ] },
      { kind: "depends_on", names: [{ name: "system" }, { name: "delta" }] },
    ]);
  });

  it("gives every node a span that covers its source text", () => {
    const text = 'component store {\n  owns "src/**"\n  check unit { run "x" }\n}\n';
    const [component] = parseSpec(text, "t.phx").ast.blocks;
    expect(text.slice(component!.span.offset, component!.span.end)).toBe(text.trim());
    const check = component!.items[1]!;
    expect(text.slice(check.span.offset, check.span.end)).toBe('check unit { run "x" }');
    expect([check.span.line, check.span.column, check.span.endLine, check.span.endColumn]).toEqual([3, 3, 3, 25]);
  });
});

describe("parseSpec: problems", () => {
  it("reports an empty file, and a file of only comments, as declaring nothing", () => {
    const message = "1:1 file-empty: file declares nothing: add a `system`, `component` or `delta` block, or delete the file";
    expect(problems("")).toEqual([message]);
    expect(problems("// nothing yet\n/* really */\n")).toEqual([message]);
  });

  it("reports a missing '}' naming the block and the line it opened", () => {
    expect(problems('component store {\n  owns "src/**"\n  check unit { run "x" }\n')).toEqual([
      "4:1 missing-brace: missing '}' to close component store (opened at line 1)",
    ]);
  });

  it("reports every block left open at the end of the file, the outer ones at their '{'", () => {
    expect(problems('component audit {\n  owns "x"\n  check unit { run "x"\n')).toEqual([
      "1:17 missing-brace: missing '}' to close component audit (opened at line 1)",
      "4:1 missing-brace: missing '}' to close check unit (opened at line 3)",
    ]);
  });

  it("reports a check's missing '}' where the next block starts, and parses that block", () => {
    const text = 'component a {\n  owns "x"\n  check unit {\n    run "x"\n}\ncomponent b { owns "y" }\n';
    const { ast, diagnostics } = parseSpec(text, "t.phx");
    expect(diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`)).toEqual([
      "6:1 missing '}' to close component a (opened at line 1)",
    ]);
    expect(ast.blocks.map((b) => b.name.name)).toEqual(["a", "b"]);
  });

  it("reports a check and its component both left open before the next block, and parses that block", () => {
    const text = 'component a {\n  owns "x"\n  check unit {\n    run "x"\n\ncomponent b { owns "y" }\ndelta d "s" {\n  modify b {\n    check t { run "y"\n\ncomponent c { owns "z" }\n';
    const { ast, diagnostics } = parseSpec(text, "t.phx");
    expect(diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.message}`)).toEqual([
      "6:1 missing '}' to close check unit (opened at line 3)",
      "6:1 missing '}' to close component a (opened at line 1)",
      "11:1 missing '}' to close check t (opened at line 9)",
      "11:1 missing '}' to close modify b (opened at line 8)",
      "11:1 missing '}' to close delta d (opened at line 7)",
    ]);
    expect(ast.blocks.map((b) => b.name.name)).toEqual(["a", "b", "d", "c"]);
  });

  it("reports a lower-case level with the hint to write it in capitals", () => {
    expect(problems('component a {\n  owns "x"\n  requirement A-1 must "t"\n}')).toEqual([
      "3:19 unknown-level: 'must' is not an RFC 2119 keyword: use MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, " +
      "SHOULD, SHOULD NOT, RECOMMENDED, MAY, MAY NOT or OPTIONAL (RFC 2119 keywords count only in capitals: write MUST)",
    ]);
    expect(problems('component a { requirement A-1 HAVE "t" }')[0]).toMatch(/'HAVE' is not an RFC 2119 keyword: .* or OPTIONAL$/);
  });

  it("reports a misspelled keyword with a suggestion, once per line", () => {
    expect(problems('component a {\n  ownz "src/**", "lib/**"\n  owns "x"\n}')).toEqual([
      "2:3 unknown-keyword: unknown keyword 'ownz' in component a (did you mean 'owns'?)",
    ]);
    expect(problems("sytem s {}\ncomponent a {}")).toEqual([
      "1:1 unknown-keyword: unknown keyword 'sytem' at the top level (did you mean 'system'?)",
    ]);
  });

  it("suggests the keyword a cut-short word begins, and nothing for a word too far from any", () => {
    expect(problems('component a {\n  require A-1 MUST "t"\n}')).toEqual([
      "2:3 unknown-keyword: unknown keyword 'require' in component a (did you mean 'requirement'?)",
    ]);
    expect(problems('component a {\n  zebra "t"\n}')).toEqual(["2:3 unknown-keyword: unknown keyword 'zebra' in component a"]);
  });

  it("reports a misspelled keyword inside a check, not at the top level", () => {
    expect(problems('component a { owns "x"\n  check c {\n    rn "make"\n    timeout 1s\n  }\n}')).toEqual([
      "3:5 unknown-keyword: unknown keyword 'rn' in check c (did you mean 'run'?)",
    ]);
  });

  it("reports an unknown escape at the backslash's column", () => {
    expect(problems('component a {\n  owns "src\\q/**"\n}')).toEqual([
      "2:12 invalid-escape: unknown escape \\q in string: use \\\", \\\\, \\n or \\t",
    ]);
  });

  it("reports a duration with an unknown unit", () => {
    expect(problems('component a { check c { run "x"\n timeout 5min } }')).toEqual([
      "2:10 invalid-duration: '5min' is not a duration: write a number followed by ms, s, m or h (for example 30s)",
    ]);
  });

  it("ends an unterminated string at the end of its line and parses the next line", () => {
    const { ast, diagnostics } = parseSpec('component a {\n  owns "src/**\n  requirement A-1 MUST "t"\n}', "t.phx");
    expect(diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}`)).toEqual(["2:8 unterminated-string"]);
    expect(ast.blocks[0]!.items.map((i) => i.kind)).toEqual(["owns", "requirement"]);
  });

  it("reports an unterminated triple-quoted string at its opening, not the '}' it swallowed", () => {
    expect(problems('component a {\n  description """\n  Keeps users.\n}\n')).toEqual([
      '2:15 unterminated-triple-string: unterminated """ string: it runs to the end of the file; close it with """',
    ]);
  });

  it("reports a stray '}' and an unknown remove target", () => {
    expect(problems('component a { owns "x" } }\ndelta d "s" { remove thing x }')).toEqual([
      "1:26 unexpected-token: unexpected '}' at the top level: expected system, component or delta",
      "2:22 unknown-remove-target: cannot remove 'thing': `remove` takes component, requirement, check or depends_on",
    ]);
  });

  it("reports `because` on its own, saying what it follows", () => {
    expect(problems('component a { owns "x"\n because "why" }')).toEqual([
      "2:2 misplaced-item: `because` is not allowed in component a on its own: it follows a requirement's text",
    ]);
  });

  it("keeps reading a block after a syntax error, reporting each later error in it", () => {
    const text = [
      "component a {",
      '  owns "x"',
      '  requirement A-1 "no level"',
      "  requirement A-2 MUST",
      '  decision D-1 "question" "no answer keyword"',
      "  check { run \"x\" }",
      '  requirement A-3 MUST "fine" because',
      "}",
      'component b { owns "y" }',
    ].join("\n");
    const { ast, diagnostics } = parseSpec(text, "t.phx");
    expect(diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`)).toEqual([
      "3:19 syntax-error: expected an RFC 2119 keyword (MUST, SHOULD, MAY, ...) but found '\"no level\"'",
      "5:3 syntax-error: expected a string but found 'decision'",
      "5:27 syntax-error: expected 'answer' but found '\"no answer keyword\"'",
      "6:9 syntax-error: expected a name but found '{'",
      "8:1 syntax-error: expected a string but found '}'",
    ]);
    expect(ast.blocks.map((b) => b.name.name)).toEqual(["a", "b"]);
  });

  it("recovers in every block of a file with many mistakes, reporting all of them in order", () => {
    const text = readFileSync(new URL("../fixtures/bad/several-errors.phx", import.meta.url), "utf8");
    expect(problems(text)).toEqual([
      "7:3 unknown-keyword: unknown keyword 'ownz' in component store (did you mean 'owns'?)",
      expect.stringMatching(/^8:23 unknown-level: 'must' .*write MUST\)$/),
      expect.stringMatching(/^14:54 invalid-duration: '5min'/),
      expect.stringMatching(/^18:8 unterminated-string: /),
      expect.stringMatching(/^19:23 invalid-escape: unknown escape \\q/),
      "32:1 missing-brace: missing '}' to close component audit (opened at line 28)",
    ]);
    expect(parseSpec(text, "t.phx").ast.blocks.map((b) => b.name.name)).toEqual(["signin", "store", "api", "sessions", "web", "audit"]);
  });

  it("stops at a '{' nested absurdly deep instead of exhausting the stack", () => {
    const text = `component a { owns "x"\n${"check c { ".repeat(5000)}`;
    expect(problems(text)).toEqual([
      "2:319 nesting-too-deep: '{' opens a block 33 levels deep; blocks nest at most three deep (delta, modify, check), and phoenix reads no further than 32",
    ]);
  });

  it("reports each problem once, though recovery may see it twice", () => {
    const offsets = parseSpec('component a { requirement A-1 "t" "u" }', "t.phx").diagnostics.map((d) => d.span.offset);
    expect(new Set(offsets).size).toBe(offsets.length);
  });
});

describe("parseSpec: speed", () => {
  it("takes linear time on a file of many unclosed blocks (was quadratic)", () => {
    const unclosed = (n: number) => 'component a { owns "x" check c { run "x"\n'.repeat(n);
    const time = (text: string) => {
      const start = performance.now();
      parseSpec(text, "t.phx");
      return performance.now() - start;
    };
    time(unclosed(500)); // warm up the JIT
    const small = time(unclosed(1000));
    const large = time(unclosed(8000));
    // 8x the input: quadratic work would take ~64x as long; allow generous noise around 8x.
    expect(large / small).toBeLessThan(25);
  });
});
