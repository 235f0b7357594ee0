import { describe, expect, it } from "vitest";
import { lex } from "./lexer.js";
import { allTokens, Name, NotBlockStart, Stray, Text, WhiteSpace } from "./tokens.js";

/** `Kind:image@line:column` for every token, the form the assertions below compare. */
function tokensOf(text: string): string[] {
  return lex(text, "t.phx").tokens.map((t) => `${t.tokenType.name}:${t.image}@${t.startLine}:${t.startColumn}`);
}

function diagnosticsOf(text: string): string[] {
  return lex(text, "t.phx").diagnostics.map((d) => `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`);
}

describe("lex: token kinds", () => {
  // One sample per token a user can write; categories and whitespace are not tokens of their own.
  const tokenSamples: Record<string, string> = {
    TripleString: '"""text"""',
    UnterminatedTripleString: '"""text',
    StringLiteral: '"text"',
    UnterminatedString: '"text',
    Duration: "30s",
    NumberLiteral: "200",
    LBrace: "{",
    RBrace: "}",
    Comma: ",",
    LessEqual: "<=",
    Less: "<",
    Identifier: "AUTH-1",
  };
  // Comments are kept apart from the tokens, by kind.
  const commentSamples: Record<string, [string, "line" | "block"]> = {
    LineComment: ["// note", "line"],
    BlockComment: ["/* note */", "block"],
    UnterminatedBlockComment: ["/* note", "block"],
  };

  it("has a sample for every concrete token, so a new token cannot go untested", () => {
    const categories = [Name, Text, Stray, NotBlockStart, WhiteSpace];
    const concrete = allTokens.filter((t) => !categories.includes(t) && !t.name.startsWith("Kw_")).map((t) => t.name);
    expect([...Object.keys(tokenSamples), ...Object.keys(commentSamples)].sort()).toEqual(concrete.sort());
  });

  it.each(Object.entries(tokenSamples))("lexes %s", (kind, sample) => {
    expect(lex(sample, "t.phx").tokens.map((t) => [t.tokenType.name, t.image])).toEqual([[kind, sample]]);
  });

  it.each(Object.entries(commentSamples))("lexes %s as a comment", (_kind, [sample, commentKind]) => {
    const result = lex(sample, "t.phx");
    expect(result.tokens).toEqual([]);
    expect(result.comments.map((c) => [c.kind, c.text])).toEqual([[commentKind, sample]]);
  });

  it("lexes every keyword as its own token, and a longer word as an identifier", () => {
    const keywords = allTokens.filter((t) => t.name.startsWith("Kw_")).map((t) => t.name.slice(3));
    expect(keywords.length).toBeGreaterThan(35);
    for (const word of keywords) {
      expect(tokensOf(word)).toEqual([`Kw_${word}:${word}@1:1`]);
      expect(tokensOf(`${word}x`)).toEqual([`Identifier:${word}x@1:1`]);
    }
  });

  it("keeps RFC 2119 words case-sensitive: `must` is an identifier", () => {
    expect(tokensOf("MUST must")).toEqual(["Kw_MUST:MUST@1:1", "Identifier:must@1:6"]);
  });

  it("lexes identifiers with digits, '_' and '-', and numbers glued to units as durations", () => {
    expect(tokensOf("_a-1_b 1.5s 500ms 5min 42 3.25")).toEqual([
      "Identifier:_a-1_b@1:1", "Duration:1.5s@1:8", "Duration:500ms@1:13", "Duration:5min@1:19",
      "NumberLiteral:42@1:24", "NumberLiteral:3.25@1:27",
    ]);
  });

  it("prefers `<=` over `<`", () => {
    expect(tokensOf("< <= <")).toEqual(["Less:<@1:1", "LessEqual:<=@1:3", "Less:<@1:6"]);
  });

  it("keeps comments apart from the tokens, with their kind and text", () => {
    const result = lex('a // line\n/* block\n */ b', "t.phx");
    expect(result.tokens.map((t) => t.image)).toEqual(["a", "b"]);
    expect(result.comments.map((c) => [c.kind, c.text, c.span.line, c.span.column])).toEqual([
      ["line", "// line", 1, 3],
      ["block", "/* block\n */", 2, 1],
    ]);
  });
});

describe("lex: positions", () => {
  it("counts lines and columns from 1 across LF, CRLF and lone CR line endings", () => {
    const lf = tokensOf('a\n  "x"\n    b');
    expect(lf).toEqual(["Identifier:a@1:1", 'StringLiteral:"x"@2:3', "Identifier:b@3:5"]);
    expect(tokensOf('a\r\n  "x"\r\n    b')).toEqual(lf);
    expect(tokensOf('a\r  "x"\r    b')).toEqual(lf);
  });

  it("counts lines inside multi-line tokens with CRLF, so what follows is placed right", () => {
    expect(tokensOf('a\r\n/* c\r\n d */ e\r\n"""\r\n q"""  f')).toEqual([
      "Identifier:a@1:1", "Identifier:e@3:7", 'TripleString:"""\r\n q"""@4:1', "Identifier:f@5:8",
    ]);
  });

  it("accepts a byte-order mark at the start as whitespace", () => {
    const result = lex("\uFEFFsystem s {}", "t.phx");
    expect(result.diagnostics).toEqual([]);
    expect(result.tokens.map((t) => t.image)).toEqual(["system", "s", "{", "}"]);
  });
});

describe("lex: problems", () => {
  it("ends an unterminated string at its line's end, so the next line lexes normally", () => {
    expect(tokensOf('owns "src/**\nrequirement')).toEqual([
      "Kw_owns:owns@1:1", 'UnterminatedString:"src/**@1:6', "Kw_requirement:requirement@2:1",
    ]);
    expect(diagnosticsOf('owns "src/**\nrequirement')).toEqual([
      '1:6 unterminated-string: unterminated string: add the closing " on the same line, or use """ for text over several lines',
    ]);
  });

  it("reports an unterminated triple-quoted string at its opening quotes", () => {
    const result = lex('description """\n  text\n  more\n', "t.phx");
    expect(result.diagnostics.map((d) => [d.code, d.span.line, d.span.column, d.span.end - d.span.offset])).toEqual([
      ["unterminated-triple-string", 1, 13, 3],
    ]);
    expect(result.diagnostics[0]!.message).toContain('close it with """');
  });

  it("reports an unterminated block comment at its opening", () => {
    expect(diagnosticsOf("system s {}\n  /* to do\n\n")).toEqual([
      "2:3 unterminated-comment: unterminated /* comment: it runs to the end of the file; close it with */",
    ]);
  });

  it("accepts any character inside strings, comments and triple-quoted strings", () => {
    expect(diagnosticsOf('"héllo ✓ 😀" // ünïcode\n/* ∑ */ """ü\n€"""')).toEqual([]);
  });

  it("reports a non-ASCII character outside strings with its code point", () => {
    expect(diagnosticsOf("owns é x")).toEqual(["1:6 unexpected-character: unexpected character 'é' (U+00E9)"]);
    expect(diagnosticsOf("a 😀")).toEqual(["1:3 unexpected-character: unexpected character '😀' (U+1F600)"]);
    expect(diagnosticsOf("a ü$")).toEqual(["1:3 unexpected-character: unexpected character 'ü$' (U+00FC U+0024)"]);
  });

  it("shows a control character by its code point only", () => {
    expect(diagnosticsOf("a\u0007b")).toEqual(["1:2 unexpected-character: unexpected character U+0007"]);
  });

  it("places a problem after CRLF lines at the right line and column", () => {
    expect(diagnosticsOf('a\r\nb\r\n  # "x')).toEqual([
      "3:3 unexpected-character: unexpected character '#' (U+0023)",
      '3:5 unterminated-string: unterminated string: add the closing " on the same line, or use """ for text over several lines',
    ]);
  });

  it("lexes to the end whatever the input, every span inside it", () => {
    const text = '\u0000}{"\\\n"""/*é\r';
    const result = lex(text, "t.phx");
    for (const d of [...result.diagnostics, ...result.comments]) {
      expect(d.span.offset).toBeGreaterThanOrEqual(0);
      expect(d.span.end).toBeLessThanOrEqual(text.length);
    }
    expect(result.tokens.at(-1)!.tokenType.name).toBe("UnterminatedTripleString");
  });
});
