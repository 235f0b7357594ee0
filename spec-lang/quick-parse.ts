/**
 * The fast path from text to AST, for well-formed files: one hand-written pass that scans and
 * parses together and allocates only the AST. Nearly every file phoenix reads is well formed,
 * and the full pipeline (Chevrotain's lexer, its CST and the CST-to-AST walk) spent five times
 * longer on them, most of it building and collecting objects that are thrown away.
 *
 * It gives up (returns undefined) at the first thing it does not expect: an unknown character,
 * an unterminated literal, an invalid escape or duration, a token out of place, an empty file.
 * parse.ts then hands the file to the full parser, which recovers and explains every problem.
 * So this path never reports anything, and where it does answer, its AST is exactly the full
 * parser's (quick-parse.test.ts holds the two to that on every fixture and on fuzzed input).
 */
import type {
  Block, Comment, DurationLit, Item, NameRef, NumberLit, RemoveTarget, RequirementLevel, Span, TextItemKind, TextLit,
} from "./ast.js";
import { cookString, cookTripleString, durationMs } from "./literals.js";
import { BLOCK_KEYWORDS, ITEM_KEYWORDS, LEVEL_WORDS } from "./keywords.js";

/** What the scanner found. Keywords are words too: a word's meaning depends on where it stands. */
const enum Kind { Word, String, TripleString, Duration, Number, LBrace, RBrace, Comma, Less, LessEqual, End }

const TEXT_ITEMS: ReadonlySet<string> = new Set<TextItemKind>([
  "description", "root", "container", "start", "ready", "interface", "run", "probe", "judge", "human",
]);
const REMOVE_TARGETS: ReadonlySet<string> = new Set<RemoveTarget>(["component", "requirement", "check", "depends_on"]);
/** Levels that may take a `NOT` (and the level they make with it), and those that stand alone. */
const NEGATED_LEVELS: ReadonlyMap<string, RequirementLevel> = new Map([
  ["MUST", "MUST NOT"], ["SHALL", "SHALL NOT"], ["SHOULD", "SHOULD NOT"], ["MAY", "MAY NOT"],
]);
const NEGATABLE_LEVELS: ReadonlySet<string> = new Set(NEGATED_LEVELS.keys());
const SINGLE_LEVELS: ReadonlySet<string> = new Set(["REQUIRED", "RECOMMENDED", "OPTIONAL"]);

/**
 * Blocks nest three deep in a meaningful file (delta, modify, check), but every body accepts
 * every item, so `check` in `check` parses. Both parsers recurse once per level and a file of a
 * thousand `{` exhausted the stack, so both stop well before that (the full one reports it).
 */
export const MAX_NESTING = 32;

/** Every keyword, by itself. */
const KEYWORDS: ReadonlyMap<string, string> = new Map([...BLOCK_KEYWORDS, ...ITEM_KEYWORDS, ...LEVEL_WORDS].map((w) => [w, w]));

/** Thrown inside the pass to give up; caught at its edge, never seen outside this module. */
const GIVE_UP = Symbol("give up");

/** The AST of a well-formed file and its comments, or undefined when the full parser must look. */
export function quickParse(text: string, file: string): { blocks: Block[]; comments: Comment[] } | undefined {
  try {
    const parser = new QuickParser(text, file);
    const blocks = parser.blocks();
    return blocks.length > 0 ? { blocks, comments: parser.comments } : undefined;
  } catch (error) {
    if (error === GIVE_UP) return undefined;
    throw error;
  }
}

function giveUp(): never {
  throw GIVE_UP;
}

class QuickParser {
  readonly comments: Comment[] = [];
  // the current token
  private kind = Kind.End;
  private start = 0;
  private end = 0;
  private line = 1;
  private column = 1;
  private endLine = 1;
  private endColumn = 1;
  // the end of the token before the current one: where an item's span ends
  private lastEnd = 0;
  private lastEndLine = 1;
  private lastEndColumn = 1;
  // the scanner's position
  private at = 0;
  private currentLine = 1;
  private lineStart = 0;
  private depth = 0;
  /** The current string holds a backslash: its value needs cooking. */
  private escaped = false;

  constructor(private readonly text: string, private readonly file: string) {
    this.next();
  }

  blocks(): Block[] {
    const blocks: Block[] = [];
    while (this.kind !== Kind.End) blocks.push(this.block());
    return blocks;
  }

  private block(): Block {
    const keyword = this.word();
    if (keyword !== "system" && keyword !== "component" && keyword !== "delta") giveUp();
    const first = this.span();
    this.next();
    const name = this.name();
    if (keyword !== "delta") {
      const items = this.body();
      return { kind: keyword, name, items, span: this.joined(first) };
    }
    const summary = this.textLit();
    const items = this.body();
    return { kind: keyword, name, summary, items, span: this.joined(first) };
  }

  /** `{ item* }`, nested no deeper than the full parser allows (it reports deeper ones). */
  private body(): Item[] {
    if (this.kind !== Kind.LBrace || ++this.depth > MAX_NESTING) giveUp();
    this.next();
    const items: Item[] = [];
    while (!this.is(Kind.RBrace)) items.push(this.item());
    this.next();
    this.depth--;
    return items;
  }

  private item(): Item {
    const keyword = this.word();
    const first = this.span();
    this.next();
    if (TEXT_ITEMS.has(keyword)) {
      const value = this.textLit();
      return { kind: keyword as TextItemKind, value, span: this.joined(first) };
    }
    switch (keyword) {
      case "owns":
      case "protect": {
        const values = [this.textLit()];
        while (this.kind === Kind.Comma) { this.next(); values.push(this.textLit()); }
        return { kind: keyword, values, span: this.joined(first) };
      }
      case "depends_on":
      case "covers": {
        const names = [this.name()];
        while (this.kind === Kind.Comma) { this.next(); names.push(this.name()); }
        return { kind: keyword, names, span: this.joined(first) };
      }
      case "agent": {
        const provider = this.name();
        const argument = this.isText() ? this.textLit() : undefined;
        return { kind: "agent", provider, ...(argument && { argument }), span: this.joined(first) };
      }
      case "autonomy":
      case "network":
        return { kind: keyword, value: this.name(), span: this.joined(first) };
      case "requirement":
        return this.requirement(first);
      case "decision": {
        const id = this.name();
        const question = this.textLit();
        if (this.word() !== "answer") giveUp();
        this.next();
        const answer = this.textLit();
        return { kind: "decision", id, question, answer, span: this.joined(first) };
      }
      case "check": {
        const name = this.name();
        const items = this.body();
        return { kind: "check", name, items, span: this.joined(first) };
      }
      case "timeout":
        return { kind: "timeout", duration: this.duration(), span: this.joined(first) };
      case "expect": {
        const metric = this.name();
        const comparison = this.kind === Kind.Less ? "<" : this.kind === Kind.LessEqual ? "<=" : undefined;
        if (comparison) this.next();
        const value = this.kind === Kind.Duration ? this.duration() : this.number();
        return { kind: "expect", metric, ...(comparison && { comparison }), value, span: this.joined(first) };
      }
      case "samples":
      case "votes":
        return { kind: keyword, count: this.number(), span: this.joined(first) };
      case "advisory":
        return { kind: "advisory", span: first };
      case "modify": {
        const component = this.name();
        let base: TextLit | undefined;
        if (this.kind === Kind.Word && this.image() === "base") {
          this.next();
          base = this.textLit();
        }
        const items = this.body();
        return { kind: "modify", component, ...(base && { base }), items, span: this.joined(first) };
      }
      case "add": {
        if (this.word() !== "component") giveUp();
        this.next();
        const component = this.name();
        const items = this.body();
        return { kind: "add", component, items, span: this.joined(first) };
      }
      case "remove": {
        const target = this.word();
        if (!REMOVE_TARGETS.has(target)) giveUp();
        this.next();
        return { kind: "remove", target: target as RemoveTarget, name: this.name(), span: this.joined(first) };
      }
      default:
        return giveUp();
    }
  }

  private requirement(first: Span): Item {
    const id = this.name();
    const level = this.word();
    const levelStart = this.span();
    let levelSpan = levelStart;
    let words = level;
    if (NEGATABLE_LEVELS.has(level)) {
      this.next();
      if (this.kind === Kind.Word && this.image() === "NOT") {
        words = NEGATED_LEVELS.get(level)!;
        this.next();
        levelSpan = this.joined(levelStart);
      }
    } else if (SINGLE_LEVELS.has(level)) {
      this.next();
    } else {
      giveUp();
    }
    const text = this.textLit();
    let because: TextLit | undefined;
    if (this.kind === Kind.Word && this.image() === "because") {
      this.next();
      because = this.textLit();
    }
    return { kind: "requirement", id, level: words as RequirementLevel, levelSpan, text, ...(because && { because }), span: this.joined(first) };
  }

  // ---- tokens to AST leaves ----

  /**
   * `first` (the span of a construct's first token, made for this and used for nothing else)
   * stretched to the end of the last token consumed: in place, for a span made per item only to
   * be copied was a sixth of what parsing allocated.
   */
  private joined(first: Span): Span {
    first.end = this.lastEnd;
    first.endLine = this.lastEndLine;
    first.endColumn = this.lastEndColumn;
    return first;
  }

  private name(): NameRef {
    if (this.kind !== Kind.Word) giveUp();
    const ref = { name: this.image(), span: this.span() };
    this.next();
    return ref;
  }

  /** The current token's kind is `kind` (a call, so the compiler does not narrow across next()). */
  private is(kind: Kind): boolean {
    return this.kind === kind;
  }

  private isText(): boolean {
    return this.kind === Kind.String || this.kind === Kind.TripleString;
  }

  private textLit(): TextLit {
    let value: string;
    const triple = this.kind === Kind.TripleString;
    if (triple) {
      value = cookTripleString(this.image(), true);
    } else if (this.kind === Kind.String) {
      if (this.escaped) {
        const cooked = cookString(this.image(), true);
        if (cooked.problems.length > 0) giveUp();
        value = cooked.value;
      } else {
        value = this.text.slice(this.start + 1, this.end - 1);
      }
    } else {
      return giveUp();
    }
    const lit = { value, triple, span: this.span() };
    this.next();
    return lit;
  }

  private duration(): DurationLit {
    if (this.kind !== Kind.Duration) giveUp(); // a bare number has no unit: the full parser says so
    const text = this.image();
    const ms = durationMs(text);
    if (ms === undefined) giveUp();
    const lit = { ms, text, span: this.span() };
    this.next();
    return lit;
  }

  private number(): NumberLit {
    if (this.kind !== Kind.Number) giveUp();
    const lit = { value: Number(this.image()), span: this.span() };
    this.next();
    return lit;
  }

  /**
   * The current token's word; gives up on anything else. A keyword comes back as the one shared
   * string of it: the AST holds a `kind` per item, and a copy per item was memory to collect.
   */
  private word(): string {
    if (this.kind !== Kind.Word) giveUp();
    const image = this.image();
    return KEYWORDS.get(image) ?? image;
  }

  private image(): string {
    return this.text.slice(this.start, this.end);
  }

  private span(): Span {
    return {
      file: this.file, line: this.line, column: this.column, offset: this.start, end: this.end, endLine: this.endLine, endColumn: this.endColumn,
    };
  }

  // ---- the scanner: the same tokens as tokens.ts, for well-formed text only ----

  /** Moves past the current token to the next, collecting the comments between. */
  private next(): void {
    this.lastEnd = this.end;
    this.lastEndLine = this.endLine;
    this.lastEndColumn = this.endColumn;
    const text = this.text;
    for (;;) {
      this.skipWhitespace();
      const at = this.at;
      if (at >= text.length) {
        this.kind = Kind.End;
        return;
      }
      const ch = text.charCodeAt(at);
      if (ch === 0x2f /* / */ && text.charCodeAt(at + 1) === 0x2f) {
        this.scanLineComment(at);
        continue;
      }
      if (ch === 0x2f && text.charCodeAt(at + 1) === 0x2a /* * */) {
        this.scanBlockComment(at);
        continue;
      }
      this.scanToken(at, ch);
      return;
    }
  }

  private scanToken(at: number, ch: number): void {
    const text = this.text;
    this.start = at;
    this.line = this.currentLine;
    this.column = at - this.lineStart + 1;
    let end = at + 1;
    if (isWordStart(ch)) {
      while (end < text.length && isWordPart(text.charCodeAt(end))) end++;
      this.kind = Kind.Word;
    } else if (ch === 0x22 /* " */) {
      if (text.startsWith('"""', at)) {
        const close = text.indexOf('"""', at + 3);
        if (close < 0) giveUp();
        this.setMultiLine(Kind.TripleString, at, close + 3);
        return;
      }
      end = this.stringEnd(at);
      this.kind = Kind.String;
    } else if (isDigit(ch)) {
      while (end < text.length && isDigit(text.charCodeAt(end))) end++;
      if (text.charCodeAt(end) === 0x2e /* . */ && isDigit(text.charCodeAt(end + 1))) {
        end += 2;
        while (end < text.length && isDigit(text.charCodeAt(end))) end++;
      }
      this.kind = Kind.Number;
      if (end < text.length && isWordStart(text.charCodeAt(end))) {
        while (end < text.length && isUnitPart(text.charCodeAt(end))) end++;
        this.kind = Kind.Duration;
      }
    } else if (ch === 0x7b) {
      this.kind = Kind.LBrace;
    } else if (ch === 0x7d) {
      this.kind = Kind.RBrace;
    } else if (ch === 0x2c) {
      this.kind = Kind.Comma;
    } else if (ch === 0x3c /* < */) {
      if (text.charCodeAt(at + 1) === 0x3d /* = */) end++;
      this.kind = end - at === 2 ? Kind.LessEqual : Kind.Less;
    } else {
      giveUp();
    }
    this.end = end;
    this.at = end;
    this.endLine = this.currentLine;
    this.endColumn = end - this.lineStart + 1;
  }

  /** The end of a `"..."` string on one line; gives up on one left open. */
  private stringEnd(at: number): number {
    const text = this.text;
    this.escaped = false;
    for (let i = at + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) return i + 1;
      if (c === 0x0a || c === 0x0d) break;
      if (c === 0x5c /* \ */) {
        const escaped = text.charCodeAt(i + 1);
        if (escaped === 0x0a || escaped === 0x0d || Number.isNaN(escaped)) break;
        this.escaped = true;
        i++;
      }
    }
    return giveUp();
  }

  private scanLineComment(at: number): void {
    const text = this.text;
    let end = at + 2;
    while (end < text.length && text.charCodeAt(end) !== 0x0a && text.charCodeAt(end) !== 0x0d) end++;
    const span: Span = {
      file: this.file, line: this.currentLine, column: at - this.lineStart + 1, offset: at, end, endLine: this.currentLine, endColumn: end - this.lineStart + 1,
    };
    this.comments.push({ kind: "line", text: text.slice(at, end), span });
    this.at = end;
  }

  private scanBlockComment(at: number): void {
    const close = this.text.indexOf("*/", at + 2);
    if (close < 0) giveUp();
    const line = this.currentLine;
    const column = at - this.lineStart + 1;
    const end = close + 2;
    this.countLines(at, end);
    const span: Span = { file: this.file, line, column, offset: at, end, endLine: this.currentLine, endColumn: end - this.lineStart + 1 };
    this.comments.push({ kind: "block", text: this.text.slice(at, end), span });
    this.at = end;
  }

  /** A token that may hold line breaks: its end is placed after counting them. */
  private setMultiLine(kind: Kind, at: number, end: number): void {
    this.kind = kind;
    this.countLines(at, end);
    this.end = end;
    this.at = end;
    this.endLine = this.currentLine;
    this.endColumn = end - this.lineStart + 1;
  }

  private skipWhitespace(): void {
    const text = this.text;
    let at = this.at;
    for (; at < text.length; at++) {
      const c = text.charCodeAt(at);
      if (c === 0x20 || c === 0x09 || c === 0x0b || c === 0x0c || c === 0xfeff) continue;
      if (c === 0x0a) {
        this.currentLine++;
        this.lineStart = at + 1;
      } else if (c === 0x0d) {
        if (text.charCodeAt(at + 1) === 0x0a) at++;
        this.currentLine++;
        this.lineStart = at + 1;
      } else {
        break;
      }
    }
    this.at = at;
  }

  /** Counts `\n`, `\r\n` and `\r` in [from, to) as one line break each, as the full lexer does. */
  private countLines(from: number, to: number): void {
    const text = this.text;
    for (let i = from; i < to; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x0a) {
        this.currentLine++;
        this.lineStart = i + 1;
      } else if (c === 0x0d) {
        if (text.charCodeAt(i + 1) === 0x0a) i++;
        this.currentLine++;
        this.lineStart = i + 1;
      }
    }
  }
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** `[A-Za-z_]` */
function isWordStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f;
}

/** `[A-Za-z0-9_-]` */
function isWordPart(c: number): boolean {
  return isWordStart(c) || isDigit(c) || c === 0x2d;
}

/** `[A-Za-z0-9_]`: a duration's unit has no `-`. */
function isUnitPart(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}
