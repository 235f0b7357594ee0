/**
 * Stage 2: tokens to a concrete syntax tree. Grammar only; meaning is given by to-ast.ts.
 *
 * Every block body accepts every item, so a misplaced item is reported by validate.ts with a
 * precise message ("`root` is not allowed in a component") instead of a generic parse error.
 * Tokens that cannot start an item are collected as a stray run and reported once; together with
 * Chevrotain's recovery this means the parser always reaches the end of the file.
 */
import { CstParser, EOF, tokenMatcher, type CstNode, type IParserErrorMessageProvider, type IToken, type TokenType } from "./chevrotain.js";
import {
  allTokens, Comma, Duration, Identifier, Keyword, LBrace, Less, LessEqual, Name, NotBlockStart,
  NumberLiteral, RBrace, Stray, Text,
} from "./tokens.js";

/** How a token is named in a message: `'}'`, "a name", "end of file". */
export function describeTokenType(type: TokenType): string {
  if (type === EOF) return "end of file";
  if (type === Name || type === Identifier) return "a name";
  if (type === Text) return "a string";
  if (type === Duration) return "a duration such as 30s";
  if (type === NumberLiteral) return "a number";
  return type.LABEL ?? type.name;
}

function describeToken(token: IToken): string {
  if (token.tokenType === EOF) return "end of file";
  const image = token.image.length > 30 ? `${token.image.slice(0, 30)}…` : token.image;
  return `'${image.replace(/\r?\n/g, "\\n")}'`;
}

function oneOf(types: TokenType[]): string {
  const names = [...new Set(types.map(describeTokenType))];
  if (names.length <= 1) return names[0] ?? "something else";
  const shown = names.length > 8 ? [...names.slice(0, 8), "…"] : names;
  return `one of ${shown.join(", ")}`;
}

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage: ({ expected, actual }) => `expected ${describeTokenType(expected)} but found ${describeToken(actual)}`,
  buildNotAllInputParsedMessage: ({ firstRedundant }) => `unexpected ${describeToken(firstRedundant)}`,
  buildNoViableAltMessage: ({ expectedPathsPerAlt, actual, ruleName }) => ruleName === "level"
    ? `expected an RFC 2119 keyword (MUST, SHOULD, MAY, ...) but found ${describeToken(actual[0]!)}`
    : `expected ${oneOf(expectedPathsPerAlt.flat().map((path) => path[0]!).filter(Boolean))} but found ${describeToken(actual[0]!)}`,
  buildEarlyExitMessage: ({ expectedIterationPaths, actual }) =>
    `expected ${oneOf(expectedIterationPaths.map((path) => path[0]!).filter(Boolean))} but found ${describeToken(actual[0]!)}`,
};

const K = Keyword;

/** The grammar of a .phx file. Create once and reuse: self-analysis is costly. */
export class SpecParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: true, maxLookahead: 2, errorMessageProvider: messages });
    this.performSelfAnalysis();
  }

  specFile = this.RULE("specFile", () => {
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.systemBlock, { LABEL: "blocks" }) },
      { ALT: () => this.SUBRULE(this.componentBlock, { LABEL: "blocks" }) },
      { ALT: () => this.SUBRULE(this.deltaBlock, { LABEL: "blocks" }) },
      { ALT: () => this.SUBRULE(this.topLevelStray, { LABEL: "stray" }) },
    ]));
  });

  systemBlock = this.RULE("systemBlock", () => {
    this.CONSUME(K.system, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "name" });
    this.SUBRULE(this.body);
  });

  componentBlock = this.RULE("componentBlock", () => {
    this.CONSUME(K.component, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "name" });
    this.SUBRULE(this.body);
  });

  deltaBlock = this.RULE("deltaBlock", () => {
    this.CONSUME(K.delta, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "name" });
    this.CONSUME(Text, { LABEL: "summary" });
    this.SUBRULE(this.body);
  });

  /** `{ item* }`, shared by every block, check, modify and add. */
  body = this.RULE("body", () => {
    this.CONSUME(LBrace, { LABEL: "open" });
    this.MANY(() => this.OR([
      { ALT: () => this.SUBRULE(this.item, { LABEL: "items" }) },
      { ALT: () => this.SUBRULE(this.strayRun, { LABEL: "stray" }) },
    ]));
    this.CONSUME(RBrace, { LABEL: "close" });
  });

  /** Tokens inside a body that cannot start an item (an unknown keyword and its arguments). */
  strayRun = this.RULE("strayRun", () => {
    this.AT_LEAST_ONE(() => this.CONSUME(Stray, { LABEL: "tokens" }));
  });

  /** Tokens at the top level that cannot start a block. */
  topLevelStray = this.RULE("topLevelStray", () => {
    this.AT_LEAST_ONE(() => this.CONSUME(NotBlockStart, { LABEL: "tokens" }));
  });

  item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.SUBRULE(this.textItem) },
      { ALT: () => this.SUBRULE(this.textListItem) },
      { ALT: () => this.SUBRULE(this.nameListItem) },
      { ALT: () => this.SUBRULE(this.agentItem) },
      { ALT: () => this.SUBRULE(this.wordItem) },
      { ALT: () => this.SUBRULE(this.requirementItem) },
      { ALT: () => this.SUBRULE(this.decisionItem) },
      { ALT: () => this.SUBRULE(this.checkItem) },
      { ALT: () => this.SUBRULE(this.timeoutItem) },
      { ALT: () => this.SUBRULE(this.expectItem) },
      { ALT: () => this.SUBRULE(this.countItem) },
      { ALT: () => this.SUBRULE(this.advisoryItem) },
      { ALT: () => this.SUBRULE(this.modifyItem) },
      { ALT: () => this.SUBRULE(this.addItem) },
      { ALT: () => this.SUBRULE(this.removeItem) },
      // `because` and `answer` only continue a requirement or decision; alone they are stray.
      { ALT: () => this.SUBRULE(this.orphanItem) },
    ]);
  });

  textItem = this.RULE("textItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(K.description, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.root, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.container, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.start, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.ready, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.interface, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.run, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.probe, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.judge, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.human, { LABEL: "keyword" }) },
    ]);
    this.CONSUME(Text, { LABEL: "value" });
  });

  textListItem = this.RULE("textListItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(K.owns, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.protect, { LABEL: "keyword" }) },
    ]);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME(Text, { LABEL: "values" }) });
  });

  nameListItem = this.RULE("nameListItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(K.depends_on, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.covers, { LABEL: "keyword" }) },
    ]);
    this.AT_LEAST_ONE_SEP({ SEP: Comma, DEF: () => this.CONSUME(Name, { LABEL: "names" }) });
  });

  agentItem = this.RULE("agentItem", () => {
    this.CONSUME(K.agent, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "provider" });
    this.OPTION(() => this.CONSUME(Text, { LABEL: "argument" }));
  });

  wordItem = this.RULE("wordItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(K.autonomy, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.network, { LABEL: "keyword" }) },
    ]);
    this.CONSUME(Name, { LABEL: "value" });
  });

  requirementItem = this.RULE("requirementItem", () => {
    this.CONSUME(K.requirement, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "id" });
    this.SUBRULE(this.level);
    this.CONSUME(Text, { LABEL: "text" });
    this.OPTION(() => {
      this.CONSUME(K.because, { LABEL: "becauseKeyword" });
      this.CONSUME1(Text, { LABEL: "because" });
    });
  });

  /** An RFC 2119 keyword; a plain identifier (`must`) is accepted here to be reported precisely. */
  level = this.RULE("level", () => {
    this.OR([
      { ALT: () => { this.CONSUME(K.MUST, { LABEL: "words" }); this.OPTION(() => this.CONSUME(K.NOT, { LABEL: "words" })); } },
      { ALT: () => { this.CONSUME(K.SHALL, { LABEL: "words" }); this.OPTION1(() => this.CONSUME1(K.NOT, { LABEL: "words" })); } },
      { ALT: () => { this.CONSUME(K.SHOULD, { LABEL: "words" }); this.OPTION2(() => this.CONSUME2(K.NOT, { LABEL: "words" })); } },
      { ALT: () => { this.CONSUME(K.MAY, { LABEL: "words" }); this.OPTION3(() => this.CONSUME3(K.NOT, { LABEL: "words" })); } },
      { ALT: () => this.CONSUME(K.REQUIRED, { LABEL: "words" }) },
      { ALT: () => this.CONSUME(K.RECOMMENDED, { LABEL: "words" }) },
      { ALT: () => this.CONSUME(K.OPTIONAL, { LABEL: "words" }) },
      { ALT: () => this.CONSUME(Identifier, { LABEL: "unknown" }) },
    ]);
  });

  decisionItem = this.RULE("decisionItem", () => {
    this.CONSUME(K.decision, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "id" });
    this.CONSUME(Text, { LABEL: "question" });
    this.CONSUME(K.answer, { LABEL: "answerKeyword" });
    this.CONSUME1(Text, { LABEL: "answer" });
  });

  checkItem = this.RULE("checkItem", () => {
    this.CONSUME(K.check, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "name" });
    this.SUBRULE(this.body);
  });

  timeoutItem = this.RULE("timeoutItem", () => {
    this.CONSUME(K.timeout, { LABEL: "keyword" });
    this.OR([
      { ALT: () => this.CONSUME(Duration, { LABEL: "value" }) },
      { ALT: () => this.CONSUME(NumberLiteral, { LABEL: "value" }) },
    ]);
  });

  expectItem = this.RULE("expectItem", () => {
    this.CONSUME(K.expect, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "metric" });
    this.OPTION(() => this.OR([
      { ALT: () => this.CONSUME(Less, { LABEL: "comparison" }) },
      { ALT: () => this.CONSUME(LessEqual, { LABEL: "comparison" }) },
    ]));
    this.OR1([
      { ALT: () => this.CONSUME(Duration, { LABEL: "value" }) },
      { ALT: () => this.CONSUME(NumberLiteral, { LABEL: "value" }) },
    ]);
  });

  countItem = this.RULE("countItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(K.samples, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.votes, { LABEL: "keyword" }) },
    ]);
    this.CONSUME(NumberLiteral, { LABEL: "value" });
  });

  advisoryItem = this.RULE("advisoryItem", () => {
    this.CONSUME(K.advisory, { LABEL: "keyword" });
  });

  modifyItem = this.RULE("modifyItem", () => {
    this.CONSUME(K.modify, { LABEL: "keyword" });
    this.CONSUME(Name, { LABEL: "component" });
    this.OPTION(() => {
      this.CONSUME(K.base, { LABEL: "baseKeyword" });
      this.CONSUME(Text, { LABEL: "base" });
    });
    this.SUBRULE(this.body);
  });

  addItem = this.RULE("addItem", () => {
    this.CONSUME(K.add, { LABEL: "keyword" });
    this.CONSUME(K.component, { LABEL: "componentKeyword" });
    this.CONSUME(Name, { LABEL: "component" });
    this.SUBRULE(this.body);
  });

  removeItem = this.RULE("removeItem", () => {
    this.CONSUME(K.remove, { LABEL: "keyword" });
    this.OR([
      { ALT: () => this.CONSUME(K.component, { LABEL: "target" }) },
      { ALT: () => this.CONSUME(K.requirement, { LABEL: "target" }) },
      { ALT: () => this.CONSUME(K.check, { LABEL: "target" }) },
      { ALT: () => this.CONSUME(K.depends_on, { LABEL: "target" }) },
      { ALT: () => this.CONSUME(Identifier, { LABEL: "target" }) },
    ]);
    this.CONSUME(Name, { LABEL: "name" });
  });

  orphanItem = this.RULE("orphanItem", () => {
    this.OR([
      { ALT: () => this.CONSUME(K.because, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.answer, { LABEL: "keyword" }) },
      { ALT: () => this.CONSUME(K.base, { LABEL: "keyword" }) },
    ]);
    this.OPTION(() => this.CONSUME(Text, { LABEL: "value" }));
  });

  /**
   * After an error, Chevrotain skips to a token that may follow one of the rules being parsed and
   * resumes in that rule. It tries the outermost rule first, and the top level accepts almost any
   * token (to report it as stray), so one error inside a block used to end the block: its other
   * errors went unreported and its `}` showed up as junk at the top level. Trying the innermost
   * rule first resumes at the next item of the same block.
   */
  protected findReSyncTokenType(): TokenType {
    const internals = this as unknown as RecoveryInternals;
    const follows = internals.buildFullFollowKeyStack().reverse().flatMap((key) => internals.getFollowSetFromFollowKey(key));
    // Terminates: the outermost follow set holds EOF, and LA past the end is EOF.
    for (let k = 1; ; k++) {
      const next = this.LA(k);
      const found = follows.find((type) => tokenMatcher(next, type));
      if (found) return found;
    }
  }
}

/** The parts of Chevrotain's (untyped) recovery machinery that `findReSyncTokenType` reads. */
interface RecoveryInternals {
  /** One key per rule being parsed, outermost first. */
  buildFullFollowKeyStack(): unknown[];
  /** The tokens that may follow the rule a key names, within the rule that called it. */
  getFollowSetFromFollowKey(key: unknown): TokenType[];
}

let instance: SpecParser | undefined;

/**
 * The one parser instance; Chevrotain parsers are reused by resetting their input. Made on first
 * use: its self-analysis costs ~50 ms, and well-formed files never need it (quick-parse.ts).
 */
export function specParser(): SpecParser {
  return (instance ??= new SpecParser());
}

/** The CST node of a whole file. */
export type SpecFileCst = CstNode;
