/**
 * The TextMate grammar of .phx (scope `source.phx`), built as a typed object from the keyword
 * lists and token patterns of ../tokens.ts, so editor colouring cannot drift from the lexer.
 * write-grammar.ts writes it to editor/syntaxes/phx.tmLanguage.json; a test keeps that file fresh.
 */
import type { TokenType } from "../chevrotain.js";
import {
  BLOCK_KEYWORDS, Duration, DURATION_UNITS, Identifier, ITEM_KEYWORDS, LEVEL_WORDS, NumberLiteral,
  VALUE_WORDS, type BlockKeyword, type ItemKeyword,
} from "../tokens.js";

/** Every scope name the grammar assigns; a typo in a rule is a type error. */
export type PhxScope =
  | "source.phx"
  | "comment.line.double-slash.phx"
  | "comment.block.phx"
  | "punctuation.definition.comment.phx"
  | "string.quoted.double.phx"
  | "string.quoted.triple.phx"
  | "punctuation.definition.string.begin.phx"
  | "punctuation.definition.string.end.phx"
  | "constant.character.escape.phx"
  | "invalid.illegal.escape.phx"
  | "storage.type.phx"
  | "keyword.other.phx"
  | "keyword.other.rfc2119.phx"
  | "constant.language.phx"
  | "entity.name.type.system.phx"
  | "entity.name.type.component.phx"
  | "entity.name.type.delta.phx"
  | "entity.name.function.check.phx"
  | "variable.other.constant.requirement.phx"
  | "variable.other.constant.decision.phx"
  | "variable.other.phx"
  | "constant.numeric.duration.phx"
  | "constant.numeric.phx"
  | "invalid.illegal.duration.phx"
  | "keyword.operator.comparison.phx"
  | "punctuation.section.block.begin.phx"
  | "punctuation.section.block.end.phx"
  | "punctuation.separator.comma.phx"
  | "invalid.illegal.character.phx";

/** Scopes of numbered capture groups; a capture may be tokenized again by its own patterns. */
export type Captures = Readonly<Record<number, { scope?: PhxScope; patterns?: readonly Rule[] }>>;

/** Fields every rule has: `key` names it in the JSON repository. */
interface RuleBase {
  key: string;
  scope?: PhxScope;
}

/** A rule that scopes one match of a single-line regex. */
export interface MatchRule extends RuleBase {
  match: string;
  captures?: Captures;
}

/** A rule that scopes everything from `begin` to `end`, possibly over several lines. */
export interface BeginEndRule extends RuleBase {
  begin: string;
  end: string;
  beginCaptures?: Captures;
  endCaptures?: Captures;
  patterns?: readonly Rule[];
}

/** A named group of rules, tried in order. */
export interface IncludeRule extends RuleBase {
  patterns: readonly Rule[];
}

/** A grammar rule; rules refer to each other as objects and become `#key` includes in JSON. */
export type Rule = MatchRule | BeginEndRule | IncludeRule;

/** A whole grammar before it is written as JSON. */
export interface Grammar {
  name: string;
  scopeName: PhxScope;
  fileTypes: readonly string[];
  patterns: readonly Rule[];
}

/** Where the generated grammar is committed, relative to the package root. */
export const GRAMMAR_FILE = "spec-lang/editor/syntaxes/phx.tmLanguage.json";

// --- Regex building blocks -------------------------------------------------------------------

// The characters that continue an identifier (tokens.ts Identifier): a keyword followed by one
// of these is part of an identifier (`run-tests`). Before a keyword, a `-` does not count: it
// cannot start an identifier, so the lexer reads `-run` as a stray `-` and the keyword `run`.
// (`x-run` is an identifier anyway: the identifier rule matches it from the earlier `x`.)
const IDENT_CHAR = "[A-Za-z0-9_-]";
const IDENT_START_OR_DIGIT = "[A-Za-z0-9_]";
// A duration's unit is a run of these in the lexer, so `30s-x` is the duration `30s` then `-`.
const UNIT_CHAR = "[A-Za-z0-9_]";
const NAME = regexOf(Identifier);
const NUMBER = regexOf(NumberLiteral);

/** The lexer's own regex for a token, so identifiers and numbers are read the same way. */
function regexOf(token: TokenType): string {
  if (!(token.PATTERN instanceof RegExp)) throw new Error(`token ${token.name} has no regex pattern`);
  return token.PATTERN.source;
}

function anyOf(words: readonly string[]): string {
  return `(?:${words.map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("|")})`;
}

function wholeWord(pattern: string): string {
  return `(?<!${IDENT_START_OR_DIGIT})${pattern}(?!${IDENT_CHAR})`;
}

function keywordScope(word: BlockKeyword | ItemKeyword): PhxScope {
  return (BLOCK_KEYWORDS as readonly string[]).includes(word) ? "storage.type.phx" : "keyword.other.phx";
}

// --- Comments and strings --------------------------------------------------------------------

const commentPunctuation: Captures = { 0: { scope: "punctuation.definition.comment.phx" } };

const lineComment: MatchRule = {
  key: "line-comment",
  scope: "comment.line.double-slash.phx",
  match: "(//).*",
  captures: { 1: { scope: "punctuation.definition.comment.phx" } },
};

const blockComment: BeginEndRule = {
  key: "block-comment",
  scope: "comment.block.phx",
  begin: "/\\*",
  end: "\\*/",
  beginCaptures: commentPunctuation,
  endCaptures: commentPunctuation,
};

const comment: IncludeRule = { key: "comment", patterns: [lineComment, blockComment] };

const stringBegin: Captures = { 0: { scope: "punctuation.definition.string.begin.phx" } };
const stringEnd: Captures = { 0: { scope: "punctuation.definition.string.end.phx" } };

// The escapes literals.ts cooks; any other is an error there, so it is shown as one here.
const escape: MatchRule = { key: "escape", scope: "constant.character.escape.phx", match: '\\\\["\\\\nt]' };
const invalidEscape: MatchRule = { key: "invalid-escape", scope: "invalid.illegal.escape.phx", match: "\\\\." };

// A "..." string ends at the end of its line even when unterminated, as in the lexer, so one
// missing quote does not colour the rest of the file as a string.
const doubleString: BeginEndRule = {
  key: "double-string",
  scope: "string.quoted.double.phx",
  begin: '"',
  end: '"|$',
  beginCaptures: stringBegin,
  endCaptures: stringEnd,
  patterns: [escape, invalidEscape],
};

// Raw text: no patterns inside, so neither escapes nor a lone `"` end it early.
const tripleString: BeginEndRule = {
  key: "triple-string",
  scope: "string.quoted.triple.phx",
  begin: '"""',
  end: '"""',
  beginCaptures: stringBegin,
  endCaptures: stringEnd,
};

// Triple first: at the same position the earlier rule wins, and `"""` also starts a "..." string.
const string: IncludeRule = { key: "string", patterns: [tripleString, doubleString] };

// --- Names after keywords --------------------------------------------------------------------

const componentReference: MatchRule = { key: "component-reference", scope: "entity.name.type.component.phx", match: NAME };
const requirementReference: MatchRule = { key: "requirement-reference", scope: "variable.other.constant.requirement.phx", match: NAME };
const comma: MatchRule = { key: "comma", scope: "punctuation.separator.comma.phx", match: "," };

/** `KEYWORD NAME`: the keyword keeps its keyword scope and the name gets `scope`. */
function named(word: BlockKeyword | ItemKeyword, scope: PhxScope): MatchRule {
  return {
    key: `${word}-name`,
    match: `${wholeWord(`(${word})`)}[ \\t]+(${NAME})`,
    captures: { 1: { scope: keywordScope(word) }, 2: { scope } },
  };
}

/** `KEYWORD NAME, NAME, ...` on one line: each name is scoped by `item`. */
function namedList(word: ItemKeyword, item: MatchRule): MatchRule {
  return {
    key: `${word}-list`,
    match: `${wholeWord(`(${word})`)}[ \\t]+(${NAME}(?:[ \\t]*,[ \\t]*${NAME})*)`,
    captures: { 1: { scope: keywordScope(word) }, 2: { patterns: [item, comma] } },
  };
}

// `add component X` and `remove component X` are covered by `component`, `remove check X` by
// `check`, `remove requirement X` by `requirement` and `remove depends_on X` by `depends_on`.
const declaration: IncludeRule = {
  key: "declaration",
  patterns: [
    named("system", "entity.name.type.system.phx"),
    named("component", "entity.name.type.component.phx"),
    named("delta", "entity.name.type.delta.phx"),
    named("modify", "entity.name.type.component.phx"),
    named("check", "entity.name.function.check.phx"),
    named("requirement", "variable.other.constant.requirement.phx"),
    named("decision", "variable.other.constant.decision.phx"),
    namedList("depends_on", componentReference),
    namedList("covers", requirementReference),
  ],
};

// --- Keywords and words ----------------------------------------------------------------------

const blockKeyword: MatchRule = { key: "block-keyword", scope: "storage.type.phx", match: wholeWord(anyOf(BLOCK_KEYWORDS)) };
const itemKeyword: MatchRule = { key: "item-keyword", scope: "keyword.other.phx", match: wholeWord(anyOf(ITEM_KEYWORDS)) };

// A run of RFC 2119 words is one token, so `MUST NOT` is coloured as one keyword. The regex is
// case-sensitive: `must` is an identifier (the parser reports it), not a requirement level.
const levels = anyOf(LEVEL_WORDS);
const rfc2119Keyword: MatchRule = {
  key: "rfc2119-keyword",
  scope: "keyword.other.rfc2119.phx",
  match: wholeWord(`${levels}(?:[ \\t]+${levels})*`),
};

const valueWord: MatchRule = { key: "value-word", scope: "constant.language.phx", match: wholeWord(anyOf(VALUE_WORDS)) };

const keyword: IncludeRule = { key: "keyword", patterns: [rfc2119Keyword, blockKeyword, itemKeyword, valueWord] };

// --- Literals, operators and punctuation -----------------------------------------------------

const duration: MatchRule = {
  key: "duration",
  scope: "constant.numeric.duration.phx",
  match: `${NUMBER}${anyOf(Object.keys(DURATION_UNITS))}(?!${UNIT_CHAR})`,
};
// The lexer reads any number glued to a word as a duration and rejects the unit later.
const invalidDuration: MatchRule = { key: "invalid-duration", scope: "invalid.illegal.duration.phx", match: regexOf(Duration) };
const number: MatchRule = { key: "number", scope: "constant.numeric.phx", match: NUMBER };
const literal: IncludeRule = { key: "literal", patterns: [duration, invalidDuration, number] };

const comparison: MatchRule = { key: "comparison", scope: "keyword.operator.comparison.phx", match: "<=|<" };
const punctuation: IncludeRule = {
  key: "punctuation",
  patterns: [
    { key: "block-begin", scope: "punctuation.section.block.begin.phx", match: "\\{" },
    { key: "block-end", scope: "punctuation.section.block.end.phx", match: "\\}" },
    comma,
  ],
};

const identifier: MatchRule = { key: "identifier", scope: "variable.other.phx", match: NAME };
// Last: anything no other rule takes is a character the lexer rejects.
const invalidCharacter: MatchRule = { key: "invalid-character", scope: "invalid.illegal.character.phx", match: "\\S" };

/** The .phx grammar. Order matters where two rules match at the same position: earlier wins. */
export const phxGrammar: Grammar = {
  name: "phx",
  scopeName: "source.phx",
  fileTypes: ["phx"],
  patterns: [comment, string, declaration, keyword, literal, comparison, punctuation, identifier, invalidCharacter],
};

// --- Writing JSON ----------------------------------------------------------------------------

/** A rule as it appears in a .tmLanguage.json file. */
export interface RawRule {
  include?: string;
  name?: string;
  match?: string;
  begin?: string;
  beginCaptures?: Record<string, RawRule>;
  end?: string;
  endCaptures?: Record<string, RawRule>;
  captures?: Record<string, RawRule>;
  patterns?: RawRule[];
}

/** A grammar as VS Code loads it from a .tmLanguage.json file. */
export interface RawGrammar {
  comment: string;
  name: string;
  scopeName: string;
  fileTypes: readonly string[];
  patterns: RawRule[];
  repository: Record<string, RawRule>;
}

// Every rule goes once into `repository`, under its key, and is referenced as `#key`.
function toRawGrammar(grammar: Grammar): RawGrammar {
  const repository: Record<string, RawRule> = {};
  const seen = new Map<string, Rule>();
  const include = (rule: Rule): RawRule => {
    const known = seen.get(rule.key);
    if (known !== undefined && known !== rule) throw new Error(`two grammar rules share the key ${rule.key}`);
    if (known === undefined) {
      seen.set(rule.key, rule);
      repository[rule.key] = {}; // reserve the slot: the repository lists rules in first-use order
      repository[rule.key] = rawRule(rule, include);
    }
    return { include: `#${rule.key}` };
  };
  return {
    comment: `Generated from spec-lang/grammar/textmate.ts by \`npm run grammar\`; do not edit.`,
    name: grammar.name,
    scopeName: grammar.scopeName,
    fileTypes: grammar.fileTypes,
    patterns: grammar.patterns.map(include),
    repository,
  };
}

function rawRule(rule: Rule, include: (rule: Rule) => RawRule): RawRule {
  const captures = (c: Captures | undefined) => c && rawCaptures(c, include);
  const patterns = "patterns" in rule ? rule.patterns?.map(include) : undefined;
  if ("match" in rule) return { name: rule.scope, match: rule.match, captures: captures(rule.captures) };
  if ("begin" in rule) {
    return {
      name: rule.scope, begin: rule.begin, beginCaptures: captures(rule.beginCaptures),
      end: rule.end, endCaptures: captures(rule.endCaptures), patterns,
    };
  }
  return { name: rule.scope, patterns };
}

function rawCaptures(captures: Captures, include: (rule: Rule) => RawRule): Record<string, RawRule> {
  return Object.fromEntries(Object.entries(captures).map(([group, c]) => [group, { name: c.scope, patterns: c.patterns?.map(include) }]));
}

/** The committed grammar file's exact text: pretty, stable, with a trailing newline. */
export function grammarJson(): string {
  return `${JSON.stringify(toRawGrammar(phxGrammar), null, 2)}\n`;
}
