import { readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import vsctm from "vscode-textmate";
import oniguruma from "vscode-oniguruma";
import type { IGrammar, StateStack } from "vscode-textmate";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot } from "../../fixtures/run-phoenix.js";
import { lex } from "../lexer.js";
import { BLOCK_KEYWORDS, ITEM_KEYWORDS, LEVEL_WORDS, VALUE_WORDS } from "../tokens.js";
import { GRAMMAR_FILE, grammarJson, type RawGrammar } from "./textmate.js";

// The colorization tests load the committed file, the one the extension ships.
const committed = readFileSync(join(repoRoot, GRAMMAR_FILE), "utf8");
let grammar: IGrammar;

beforeAll(async () => {
  await oniguruma.loadWASM(readFileSync(join(repoRoot, "node_modules/vscode-oniguruma/release/onig.wasm")));
  const registry = new vsctm.Registry({
    onigLib: Promise.resolve({
      createOnigScanner: (sources) => new oniguruma.OnigScanner(sources),
      createOnigString: (text) => new oniguruma.OnigString(text),
    }),
    loadGrammar: async (scope) => (scope === "source.phx" ? vsctm.parseRawGrammar(committed, GRAMMAR_FILE) : null),
  });
  grammar = (await registry.loadGrammar("source.phx"))!;
});

interface Token {
  line: number;
  /** Offset of the token's first character in the whole text. */
  start: number;
  text: string;
  scopes: string[];
}

/** Tokenizes line by line, carrying the rule stack as an editor does. */
function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let stack: StateStack = vsctm.INITIAL;
  let offset = 0;
  text.split("\n").forEach((line, index) => {
    const result = grammar.tokenizeLine(line, stack);
    for (const t of result.tokens) {
      tokens.push({ line: index + 1, start: offset + t.startIndex, text: line.slice(t.startIndex, t.endIndex), scopes: t.scopes });
    }
    stack = result.ruleStack;
    offset += line.length + 1;
  });
  return tokens;
}

/** `[text, innermost scope]` of every token that is not blank. */
function colors(text: string): [string, string][] {
  return tokenize(text).filter((t) => t.text.trim() !== "").map((t) => [t.text, t.scopes.at(-1)!]);
}

/** The full scope stack of the first token whose text is `text`. */
function scopesOf(source: string, text: string): string[] | undefined {
  return tokenize(source).find((t) => t.text === text)?.scopes;
}

const KW = "keyword.other.phx";
const BLOCK = "storage.type.phx";
const RFC = "keyword.other.rfc2119.phx";
const IDENT = "variable.other.phx";
const REQ = "variable.other.constant.requirement.phx";
const COMPONENT = "entity.name.type.component.phx";
const STR = "string.quoted.double.phx";
const OPEN = "punctuation.definition.string.begin.phx";
const CLOSE = "punctuation.definition.string.end.phx";
const quoted = (text: string): [string, string][] => [['"', OPEN], [text, STR], ['"', CLOSE]];

describe("the committed grammar", () => {
  it("is what textmate.ts generates now", () => {
    expect(committed, `${GRAMMAR_FILE} is stale: run \`npm run grammar\` and commit the result`).toBe(grammarJson());
  });

  it("has exactly the keyword lists of tokens.ts as its keyword alternatives", () => {
    const { repository } = JSON.parse(committed) as RawGrammar;
    const words = (key: string) => [...new Set([...repository[key]!.match!.matchAll(/\(\?:([\w|-]+)\)/g)].flatMap((m) => m[1]!.split("|")))].sort();
    expect(words("block-keyword")).toEqual([...BLOCK_KEYWORDS].sort());
    expect(words("item-keyword")).toEqual([...ITEM_KEYWORDS].sort());
    expect(words("rfc2119-keyword")).toEqual([...LEVEL_WORDS].sort());
    expect(words("value-word")).toEqual([...VALUE_WORDS].sort());
  });
});

describe("keywords", () => {
  it("scopes every block, item and value word of tokens.ts on its own", () => {
    for (const word of BLOCK_KEYWORDS) expect(colors(word), word).toEqual([[word, BLOCK]]);
    for (const word of ITEM_KEYWORDS) expect(colors(word), word).toEqual([[word, KW]]);
    for (const word of VALUE_WORDS) expect(colors(word), word).toEqual([[word, "constant.language.phx"]]);
  });

  it("scopes the value after autonomy, network, agent and expect as a constant", () => {
    expect(colors("autonomy supervised network allow agent claude-code expect status 200")).toEqual([
      ["autonomy", KW], ["supervised", "constant.language.phx"], ["network", KW], ["allow", "constant.language.phx"],
      ["agent", KW], ["claude-code", "constant.language.phx"], ["expect", KW], ["status", "constant.language.phx"],
      ["200", "constant.numeric.phx"],
    ]);
  });

  it("matches keywords only as whole words: identifiers may contain - and _", () => {
    for (const word of ["run-tests", "x-run", "run_all", "runner", "check-1", "claude-codex", "MUST-1", "system2"]) {
      expect(colors(word), word).toEqual([[word, IDENT]]);
    }
    // `-` cannot start an identifier: the lexer reads a stray `-`, then the keyword.
    expect(colors("-run")).toEqual([["-", "invalid.illegal.character.phx"], ["run", KW]]);
  });

  it.each(["MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "MAY NOT", "OPTIONAL"])(
    "scopes the RFC 2119 keyword %s as one token of its own scope",
    (level) => {
      expect(colors(`requirement AUTH-1 ${level} "Text."`)).toEqual([["requirement", KW], ["AUTH-1", REQ], [level, RFC], ...quoted("Text.")]);
    },
  );

  it("counts RFC 2119 words only in capitals", () => {
    expect(colors('requirement AUTH-1 must "x"')).toEqual([["requirement", KW], ["AUTH-1", REQ], ["must", IDENT], ...quoted("x")]);
    expect(colors("Must MUSTNOT NOTE shall")).toEqual([["Must", IDENT], ["MUSTNOT", IDENT], ["NOTE", IDENT], ["shall", IDENT]]);
    expect(colors("MUST NOTE")).toEqual([["MUST", RFC], ["NOTE", IDENT]]);
  });
});

describe("names", () => {
  it("scopes the names after system, component, delta and check", () => {
    expect(colors("system signin {")).toEqual([["system", BLOCK], ["signin", "entity.name.type.system.phx"], ["{", "punctuation.section.block.begin.phx"]]);
    expect(colors("component web-ui {}")).toEqual([
      ["component", BLOCK], ["web-ui", COMPONENT], ["{", "punctuation.section.block.begin.phx"], ["}", "punctuation.section.block.end.phx"],
    ]);
    expect(colors('delta blue-button "MUST be blue" {')).toEqual([
      ["delta", BLOCK], ["blue-button", "entity.name.type.delta.phx"], ...quoted("MUST be blue"), ["{", "punctuation.section.block.begin.phx"],
    ]);
    expect(colors("check run-tests {")).toEqual([["check", KW], ["run-tests", "entity.name.function.check.phx"], ["{", "punctuation.section.block.begin.phx"]]);
  });

  it("scopes a keyword used as a name as the name", () => {
    expect(colors('check run { run "make" }')).toEqual([
      ["check", KW], ["run", "entity.name.function.check.phx"], ["{", "punctuation.section.block.begin.phx"],
      ["run", KW], ...quoted("make"), ["}", "punctuation.section.block.end.phx"],
    ]);
  });

  it("scopes the names in modify, add and remove items", () => {
    expect(colors('modify store base "sha256:3f1c" {')).toEqual([
      ["modify", KW], ["store", COMPONENT], ["base", KW], ...quoted("sha256:3f1c"), ["{", "punctuation.section.block.begin.phx"],
    ]);
    expect(colors("add component audit {")).toEqual([["add", KW], ["component", BLOCK], ["audit", COMPONENT], ["{", "punctuation.section.block.begin.phx"]]);
    expect(colors("remove component legacy")).toEqual([["remove", KW], ["component", BLOCK], ["legacy", COMPONENT]]);
    expect(colors("remove requirement WEB-5")).toEqual([["remove", KW], ["requirement", KW], ["WEB-5", REQ]]);
    expect(colors("remove check screenshot")).toEqual([["remove", KW], ["check", KW], ["screenshot", "entity.name.function.check.phx"]]);
    expect(colors("remove depends_on crypto")).toEqual([["remove", KW], ["depends_on", KW], ["crypto", COMPONENT]]);
  });

  it("scopes requirement and decision IDs, and the lists after covers and depends_on", () => {
    expect(colors('decision STORE-Q1 "Which?" answer "scrypt"')).toEqual([
      ["decision", KW], ["STORE-Q1", "variable.other.constant.decision.phx"], ...quoted("Which?"), ["answer", KW], ...quoted("scrypt"),
    ]);
    expect(colors("covers STORE-1, STORE-3,STORE-4 timeout 5s")).toEqual([
      ["covers", KW], ["STORE-1", REQ], [",", "punctuation.separator.comma.phx"], ["STORE-3", REQ],
      [",", "punctuation.separator.comma.phx"], ["STORE-4", REQ], ["timeout", KW], ["5s", "constant.numeric.duration.phx"],
    ]);
    expect(colors("depends_on crypto, store")).toEqual([["depends_on", KW], ["crypto", COMPONENT], [",", "punctuation.separator.comma.phx"], ["store", COMPONENT]]);
  });
});

describe("strings", () => {
  it("scopes a double-quoted string with its quotes, and nothing inside it as code", () => {
    expect(colors('description "run MUST 5s // not a comment {"')).toEqual([["description", KW], ...quoted("run MUST 5s // not a comment {")]);
    expect(colors('protect "test/**", ".ci/**"')).toEqual([["protect", KW], ...quoted("test/**"), [",", "punctuation.separator.comma.phx"], ...quoted(".ci/**")]);
  });

  it.each(['\\"', "\\\\", "\\n", "\\t"])("scopes the escape %s inside a string", (escape) => {
    expect(scopesOf(`run "a${escape}b"`, escape)).toEqual(["source.phx", STR, "constant.character.escape.phx"]);
    expect(colors(`run "a${escape}b" timeout 5s`).slice(-3)).toEqual([['"', CLOSE], ["timeout", KW], ["5s", "constant.numeric.duration.phx"]]);
  });

  it("scopes the system's start command and ready request as keyword and string", () => {
    expect(colors('start "node --import tsx src/server.ts" // for probes\nready "GET /health"')).toEqual([
      ["start", KW], ...quoted("node --import tsx src/server.ts"), ["//", "punctuation.definition.comment.phx"],
      [" for probes", "comment.line.double-slash.phx"], ["ready", KW], ...quoted("GET /health"),
    ]);
    expect(colors("check start { ready }")).toEqual([
      ["check", KW], ["start", "entity.name.function.check.phx"], ["{", "punctuation.section.block.begin.phx"],
      ["ready", KW], ["}", "punctuation.section.block.end.phx"],
    ]);
  });

  it("marks an unknown escape as invalid", () => {
    expect(scopesOf('run "a\\qb"', "\\q")).toEqual(["source.phx", STR, "invalid.illegal.escape.phx"]);
  });

  it("ends an unterminated string at the end of its line", () => {
    expect(colors('run "npm test\ntimeout 5s')).toEqual([["run", KW], ['"', OPEN], ["npm test", STR], ["timeout", KW], ["5s", "constant.numeric.duration.phx"]]);
  });

  it("scopes a triple-quoted string over several lines as raw text that a lone quote does not end", () => {
    // A whole line as one token: no escape, comment or keyword scope was found inside it.
    expect(colors('description """\n  Says "hi" \\n // raw, MUST\n  two\n"""\nowns "x"')).toEqual([
      ["description", KW], ['"""', OPEN], ['  Says "hi" \\n // raw, MUST', "string.quoted.triple.phx"], ["  two", "string.quoted.triple.phx"],
      ['"""', CLOSE], ["owns", KW], ...quoted("x"),
    ]);
  });

  it("scopes a triple-quoted string on one line", () => {
    expect(colors('judge """It says "yes"."""')).toEqual([["judge", KW], ['"""', OPEN], ['It says "yes".', "string.quoted.triple.phx"], ['"""', CLOSE]]);
  });
});

describe("comments", () => {
  it("scopes a line comment with its punctuation", () => {
    expect(colors('owns "x" // the files, run MUST')).toEqual([
      ["owns", KW], ...quoted("x"), ["//", "punctuation.definition.comment.phx"], [" the files, run MUST", "comment.line.double-slash.phx"],
    ]);
  });

  it("scopes a block comment over several lines, then code after it", () => {
    expect(colors('/* first\n   run "x" MUST\n*/ system s')).toEqual([
      ["/*", "punctuation.definition.comment.phx"], [" first", "comment.block.phx"], ['   run "x" MUST', "comment.block.phx"],
      ["*/", "punctuation.definition.comment.phx"], ["system", BLOCK], ["s", "entity.name.type.system.phx"],
    ]);
    expect(scopesOf("a /* b */ c", " b ")).toEqual(["source.phx", "comment.block.phx"]);
  });
});

describe("numbers and operators", () => {
  it.each(["500ms", "30s", "5m", "2h", "1.5s"])("scopes the duration %s", (duration) => {
    expect(colors(`timeout ${duration}`)).toEqual([["timeout", KW], [duration, "constant.numeric.duration.phx"]]);
  });

  it("marks a number glued to an unknown unit as an invalid duration", () => {
    expect(colors("timeout 5min")).toEqual([["timeout", KW], ["5min", "invalid.illegal.duration.phx"]]);
  });

  it("scopes plain numbers", () => {
    expect(colors("samples 20 votes 3 expect status 200")).toEqual([
      ["samples", KW], ["20", "constant.numeric.phx"], ["votes", KW], ["3", "constant.numeric.phx"],
      ["expect", KW], ["status", "constant.language.phx"], ["200", "constant.numeric.phx"],
    ]);
  });

  it("scopes < and <= as comparison operators", () => {
    expect(colors("expect p95 < 100ms")).toEqual([["expect", KW], ["p95", "constant.language.phx"], ["<", "keyword.operator.comparison.phx"], ["100ms", "constant.numeric.duration.phx"]]);
    expect(colors("expect p99 <= 1.5s")).toEqual([["expect", KW], ["p99", "constant.language.phx"], ["<=", "keyword.operator.comparison.phx"], ["1.5s", "constant.numeric.duration.phx"]]);
  });

  it("marks characters the lexer rejects as invalid", () => {
    expect(colors("owns = @")).toEqual([["owns", KW], ["=", "invalid.illegal.character.phx"], ["@", "invalid.illegal.character.phx"]]);
  });
});

describe("fixtures/valid/every-construct.phx", () => {
  const source = readFileSync(join(repoRoot, "fixtures/valid/every-construct.phx"), "utf8");
  const keywordScopes: Record<string, string> = Object.fromEntries([
    ...BLOCK_KEYWORDS.map((w) => [w, BLOCK]), ...ITEM_KEYWORDS.map((w) => [w, KW]),
    ...LEVEL_WORDS.map((w) => [w, RFC]), ...VALUE_WORDS.map((w) => [w, "constant.language.phx"]),
  ]);
  const isText = (t: Token) => t.scopes.some((s) => s.startsWith("string.") || s.startsWith("comment."));

  it("gives every keyword of tokens.ts outside strings and comments its keyword scope (drift check)", () => {
    const wrong: string[] = [];
    const seen = new Set<string>();
    for (const token of tokenize(source).filter((t) => !isText(t))) {
      for (const [word] of token.text.matchAll(/[A-Za-z_][A-Za-z0-9_-]*/g)) {
        const expected = keywordScopes[word];
        if (expected === undefined) continue;
        seen.add(word);
        if (!token.scopes.includes(expected)) wrong.push(`line ${token.line}: ${word} is ${token.scopes.join(" ")}`);
      }
    }
    expect(wrong).toEqual([]);
    const unused = [...BLOCK_KEYWORDS, ...ITEM_KEYWORDS, ...LEVEL_WORDS].filter((w) => !seen.has(w));
    expect(unused, "every keyword should appear in every-construct.phx so this check covers it").toEqual([]);
  });

  it("marks nothing in a valid file as invalid", () => {
    const invalid = tokenize(source).filter((t) => t.scopes.some((s) => s.startsWith("invalid.")));
    expect(invalid.map((t) => `line ${t.line}: ${t.text}`)).toEqual([]);
  });
});

describe("agreement with the lexer", () => {
  // The scopes a grammar token may have where the lexer starts a token of each type.
  const expectedScope: [RegExp, RegExp][] = [
    [/^Identifier$/, /^(variable\.other|entity\.name|constant\.language)\./],
    [/^Kw_/, /^(keyword\.other|storage\.type|entity\.name|variable\.other\.constant)\./],
    [/String/, /^punctuation\.definition\.string\.begin\.phx$/],
    [/^Duration$/, /^(constant\.numeric\.duration|invalid\.illegal\.duration)\.phx$/],
    [/^NumberLiteral$/, /^constant\.numeric\.phx$/],
    [/^(LBrace|RBrace|Comma)$/, /^punctuation\.(section\.block|separator\.comma)\./],
    [/^Less/, /^keyword\.operator\.comparison\.phx$/],
    [/Comment$/, /^punctuation\.definition\.comment\.phx$/],
  ];

  /** Lexer tokens whose first character the grammar scopes as something else, or not as a token start. */
  function disagreements(text: string): string[] {
    const colored = tokenize(text);
    const { tokens, comments } = lex(text, "f.phx");
    const lexed = [
      ...tokens.map((t) => ({ type: t.tokenType.name, start: t.startOffset, image: t.image })),
      ...comments.map((c) => ({ type: c.kind === "line" ? "LineComment" : "BlockComment", start: c.span.offset, image: c.text })),
    ];
    return lexed.flatMap(({ type, start, image }) => {
      const covering = colored.filter((t) => t.start <= start).at(-1)!;
      const scope = covering.scopes.at(-1)!;
      // `MUST NOT` is one grammar token but two lexer tokens.
      const starts = covering.start === start || scope === "keyword.other.rfc2119.phx";
      const fits = expectedScope.some(([lexType, scopes]) => lexType.test(type) && scopes.test(scope));
      return starts && fits ? [] : [`${type} ${JSON.stringify(image)} at ${start} is ${scope}`];
    });
  }

  const pieces = [
    ...BLOCK_KEYWORDS, ...ITEM_KEYWORDS, ...LEVEL_WORDS, ...VALUE_WORDS, "must", "run-tests", "_x", "AUTH-1",
    '"text"', '"a\\"b\\n"', '"bad \\q"', '"open', '"""raw "x"\n  line"""', '"""open', '""',
    "// line", "/* block\n */", "/* open", "500ms", "1.5s", "5min", "200", "{", "}", ",", "<", "<=", "-", "@", "=",
  ];
  const text = fc.array(fc.tuple(fc.constantFrom(...pieces), fc.constantFrom("", " ", "\n")), { maxLength: 12 })
    .map((parts) => parts.map(([piece, gap]) => piece + gap).join(""));

  it("starts a token with a matching scope wherever the lexer starts one", () => {
    fc.assert(fc.property(text, (source) => {
      expect(disagreements(source)).toEqual([]);
    }), { numRuns: 500 });
  });

  it("agrees on every-construct.phx", () => {
    expect(disagreements(readFileSync(join(repoRoot, "fixtures/valid/every-construct.phx"), "utf8"))).toEqual([]);
  });
});
