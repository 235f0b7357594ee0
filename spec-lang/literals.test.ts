import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { cookString, cookTripleString, durationMs, quoteString } from "./literals.js";
import { lex } from "./lexer.js";

describe("cookString", () => {
  it('resolves the escapes \\" \\\\ \\n \\t', () => {
    expect(cookString(String.raw`"say \"hi\" \\ then\nnext\tcolumn"`, true)).toEqual({
      value: 'say "hi" \\ then\nnext\tcolumn',
      problems: [],
    });
  });

  it("reports an unknown escape at its backslash and keeps the character", () => {
    const raw = String.raw`"a\qb\x"`;
    const { value, problems } = cookString(raw, true);
    expect(value).toBe("aqbx");
    expect(problems).toEqual([{ offset: 2, length: 2, char: "q" }, { offset: 5, length: 2, char: "x" }]);
    expect(raw[problems[0]!.offset]).toBe("\\");
  });

  it("cooks an unterminated string up to its end, a trailing lone backslash dropped", () => {
    expect(cookString('"open', false).value).toBe("open");
    expect(cookString('"open\\', false).value).toBe("open");
  });
});

describe("cookTripleString", () => {
  it("drops the line break after the opening quotes and a last line of only spaces", () => {
    expect(cookTripleString('"""\n    Keeps users.\n  """', true)).toBe("Keeps users.");
  });

  it("removes the indentation common to all non-blank lines, keeping relative indentation", () => {
    const raw = '"""\n    first\n\n      indented\n    last\n  """';
    expect(cookTripleString(raw, true)).toBe("first\n\n  indented\nlast");
  });

  it("treats a blank line of spaces as blank, not as the common indentation", () => {
    expect(cookTripleString('"""\n    a\n  \n    b\n"""', true)).toBe("a\n\nb");
  });

  it("keeps text on the first line and counts it as unindented", () => {
    expect(cookTripleString('"""one\n   two"""', true)).toBe("one\n   two");
  });

  it("turns CRLF and lone CR line endings into LF", () => {
    expect(cookTripleString('"""\r\n  a\r\n  b\r\n  """', true)).toBe("a\nb");
    expect(cookTripleString('"""\r  a\r  b\r"""', true)).toBe("a\nb");
  });

  it("is raw: backslashes are kept as written", () => {
    expect(cookTripleString(String.raw`"""a\nb\q"""`, true)).toBe(String.raw`a\nb\q`);
  });

  it("cooks an unterminated one up to the end of the file", () => {
    expect(cookTripleString('"""\n  text\n  more\n', false)).toBe("text\nmore");
  });
});

describe("durationMs", () => {
  it.each([
    ["500ms", 500], ["30s", 30_000], ["5m", 300_000], ["2h", 7_200_000],
    ["1.5s", 1500], ["0.5m", 30_000], ["0s", 0],
  ])("%s is %d ms", (text, ms) => {
    expect(durationMs(text)).toBe(ms);
  });

  it.each(["5min", "30S", "10sec", "1d", "s", "1.5", "1.s"])("%s is not a duration", (text) => {
    expect(durationMs(text)).toBeUndefined();
  });
});

describe("quoteString", () => {
  it("escapes quotes, backslashes, line breaks and tabs", () => {
    expect(quoteString('a "b" \\ c\nd\te')).toBe(String.raw`"a \"b\" \\ c\nd\te"`);
  });

  it("writes any value (without CR, which no literal can hold) as one string token that cooks back to it", () => {
    fc.assert(fc.property(fc.string({ unit: "binary" }).filter((s) => !s.includes("\r")), (value) => {
      const quoted = quoteString(value);
      const tokens = lex(quoted, "t.phx").tokens;
      expect(tokens.map((t) => t.tokenType.name)).toEqual(["StringLiteral"]);
      expect(cookString(quoted, true)).toEqual({ value, problems: [] });
    }), { seed: 2119, numRuns: 500 });
  });
});
