/**
 * Every token of the .phx language, made from the keyword lists (keywords.ts) that the TextMate
 * grammar and the quick parser are made from too (so editor colouring and parsing cannot drift apart).
 */
import { createToken, Lexer, type TokenType } from "./chevrotain.js";
import { BLOCK_KEYWORDS, ITEM_KEYWORDS, LEVEL_WORDS, type BlockKeyword, type ItemKeyword, type LevelWord } from "./keywords.js";

export {
  BLOCK_KEYWORDS, DURATION_UNITS, ITEM_KEYWORDS, LEVEL_WORDS, VALUE_WORDS, type BlockKeyword, type ItemKeyword, type LevelWord,
} from "./keywords.js";

// Categories let one grammar rule accept a family of tokens.
/** Anything usable as a name: identifiers and every keyword (a check may be called `run`). */
export const Name = createToken({ name: "Name", pattern: Lexer.NA });
/** Any string literal, terminated or not (an unterminated one is reported by the lexer). */
export const Text = createToken({ name: "Text", pattern: Lexer.NA });
/** Tokens that cannot start an item: skipped, with a diagnostic, when found there. */
export const Stray = createToken({ name: "Stray", pattern: Lexer.NA });
/** Tokens that cannot start a top-level block. */
export const NotBlockStart = createToken({ name: "NotBlockStart", pattern: Lexer.NA });

const stray = [Stray, NotBlockStart];

export const WhiteSpace = createToken({
  name: "WhiteSpace", pattern: /[ \t\r\n\f\v\uFEFF]+/, group: Lexer.SKIPPED, line_breaks: true,
});
export const LineComment = createToken({ name: "LineComment", pattern: /\/\/[^\r\n]*/, group: "comments" });
export const BlockComment = createToken({
  name: "BlockComment", pattern: /\/\*[\s\S]*?\*\//, group: "comments", line_breaks: true,
});
export const UnterminatedBlockComment = createToken({
  name: "UnterminatedBlockComment", pattern: /\/\*[\s\S]*/, group: "comments", line_breaks: true,
});
export const TripleString = createToken({
  name: "TripleString", pattern: /"""[\s\S]*?"""/, categories: [Text, ...stray], line_breaks: true,
});
export const UnterminatedTripleString = createToken({
  name: "UnterminatedTripleString", pattern: /"""[\s\S]*/, categories: [Text, ...stray], line_breaks: true,
});
export const StringLiteral = createToken({
  name: "StringLiteral", pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*"/, categories: [Text, ...stray],
});
/** A string cut off by the end of its line; it ends there, so the next line still parses. */
export const UnterminatedString = createToken({
  name: "UnterminatedString", pattern: /"(?:[^"\\\r\n]|\\[^\r\n])*\\?/, categories: [Text, ...stray],
});
/** A number glued to a unit (`30s`, `5min`); the unit is checked when the AST is built. */
export const Duration = createToken({
  name: "Duration", pattern: /\d+(?:\.\d+)?[A-Za-z_][A-Za-z0-9_]*/, categories: stray,
});
export const NumberLiteral = createToken({ name: "NumberLiteral", pattern: /\d+(?:\.\d+)?/, categories: stray });
export const LBrace = createToken({ name: "LBrace", pattern: "{", label: "'{'", categories: [NotBlockStart] });
export const RBrace = createToken({ name: "RBrace", pattern: "}", label: "'}'", categories: [NotBlockStart] });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "','", categories: stray });
export const LessEqual = createToken({ name: "LessEqual", pattern: "<=", label: "'<='", categories: stray });
export const Less = createToken({ name: "Less", pattern: "<", label: "'<'", categories: stray });
export const Identifier = createToken({
  name: "Identifier", pattern: /[A-Za-z_][A-Za-z0-9_-]*/, categories: [Name, ...stray],
});

function keyword(word: string, categories: TokenType[]): TokenType {
  return createToken({
    name: keywordTokenName(word), pattern: word, label: `'${word}'`, longer_alt: Identifier,
    categories: [Name, ...categories],
  });
}

/** The token name of a keyword, e.g. `depends_on` -> `Kw_depends_on`. */
export function keywordTokenName(word: string): string {
  return `Kw_${word}`;
}

/** Keyword tokens by word. */
export const Keyword: Readonly<Record<BlockKeyword | ItemKeyword | LevelWord, TokenType>> = Object.fromEntries([
  ...BLOCK_KEYWORDS.map((w) => [w, keyword(w, [])]),
  ...ITEM_KEYWORDS.map((w) => [w, keyword(w, [NotBlockStart])]),
  ...LEVEL_WORDS.map((w) => [w, keyword(w, stray)]),
]) as Record<BlockKeyword | ItemKeyword | LevelWord, TokenType>;

/** All tokens in matching order: comments and strings before punctuation, keywords before identifiers. */
export const allTokens: TokenType[] = [
  WhiteSpace, LineComment, BlockComment, UnterminatedBlockComment,
  TripleString, UnterminatedTripleString, StringLiteral, UnterminatedString,
  Duration, NumberLiteral, LBrace, RBrace, Comma, LessEqual, Less,
  ...Object.values(Keyword), Identifier,
  Name, Text, Stray, NotBlockStart,
];
