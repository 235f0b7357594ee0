/**
 * Stage 3: the concrete syntax tree to the typed AST. Literals are cooked here (escapes,
 * durations), stray tokens become "unknown keyword" diagnostics, and items that recovery left
 * without a required part are dropped (the parser already reported why).
 */
import type { CstNode, IToken } from "chevrotain";
import type {
  Block, DurationLit, Item, NameRef, NumberLit, RemoveTarget, RequirementLevel, Span, TextItemKind, TextLit,
} from "./ast.js";
import { diagnostic, didYouMean, type Diagnostic } from "./diagnostics.js";
import { joinSpans, tokenSpan } from "./lexer.js";
import { cookString, cookTripleString, durationMs } from "./literals.js";
import {
  BLOCK_KEYWORDS, Identifier, ITEM_KEYWORDS, LEVEL_WORDS, StringLiteral, TripleString, UnterminatedTripleString,
} from "./tokens.js";

/** A body whose closing brace recovery had to invent; reported as a missing brace. */
export interface UnclosedBody {
  open: Span;
  /** What the brace belongs to, e.g. "component store". */
  owner: string;
  /** The offset just past the body's last token: where recovery left it. */
  end: number;
}

/** Builds AST nodes from CST nodes of one file, collecting diagnostics on the way. */
export class AstBuilder {
  readonly diagnostics: Diagnostic[] = [];
  readonly unclosed: UnclosedBody[] = [];

  constructor(private readonly file: string) {}

  /** The blocks of a `specFile` node. */
  blocks(root: CstNode): Block[] {
    for (const stray of nodes(root, "stray")) this.reportStray(tokens(stray, "tokens"), "at the top level", true);
    return nodes(root, "blocks").flatMap((node) => this.block(node) ?? []);
  }

  private block(node: CstNode): Block | undefined {
    const keyword = token(node, "keyword");
    const name = this.name(node, "name");
    if (!keyword || !name) return undefined;
    const kind = keyword.image as (typeof BLOCK_KEYWORDS)[number];
    const owner = `${kind} ${name.name}`;
    const items = this.body(node, owner);
    const span = this.spanOf(node, keyword);
    if (kind !== "delta") return { kind, name, items, span };
    const summary = this.text(node, "summary");
    return summary ? { kind, name, summary, items, span } : undefined;
  }

  private body(parent: CstNode, owner: string): Item[] {
    const body = node(parent, "body");
    if (!body) return [];
    const open = token(body, "open");
    if (open && !token(body, "close")) {
      const last = lastToken(body) ?? open;
      this.unclosed.push({ open: this.span(open), owner, end: last.startOffset + last.image.length });
    }
    for (const stray of nodes(body, "stray")) this.reportStray(tokens(stray, "tokens"), `in ${owner}`, false);
    return nodes(body, "items").flatMap((item) => this.item(item, owner) ?? []);
  }

  private item(itemNode: CstNode, owner: string): Item | undefined {
    const [ruleName, inner] = Object.entries(itemNode.children)[0] ?? [];
    const child = (inner?.[0] ?? undefined) as CstNode | undefined;
    const keyword = child ? token(child, "keyword") : undefined;
    if (!child || !keyword) return undefined;
    const span = this.spanOf(child, keyword);
    switch (ruleName) {
      case "textItem": {
        const value = this.text(child, "value");
        return value && { kind: keyword.image as TextItemKind, value, span };
      }
      case "textListItem": {
        const values = this.texts(child, "values");
        return values.length > 0 ? { kind: keyword.image as "owns" | "protect", values, span } : undefined;
      }
      case "nameListItem": {
        const names = this.names(child, "names");
        return names.length > 0 ? { kind: keyword.image as "depends_on" | "covers", names, span } : undefined;
      }
      case "agentItem": {
        const provider = this.name(child, "provider");
        const argument = this.text(child, "argument");
        return provider && { kind: "agent", provider, ...(argument && { argument }), span };
      }
      case "wordItem": {
        const value = this.name(child, "value");
        return value && { kind: keyword.image as "autonomy" | "network", value, span };
      }
      case "requirementItem":
        return this.requirement(child, span);
      case "decisionItem": {
        const id = this.name(child, "id");
        const question = this.text(child, "question");
        const answer = this.text(child, "answer");
        return id && question && answer && { kind: "decision", id, question, answer, span };
      }
      case "checkItem": {
        const name = this.name(child, "name");
        return name && { kind: "check", name, items: this.body(child, `check ${name.name}`), span };
      }
      case "timeoutItem": {
        const duration = this.duration(token(child, "value"));
        return duration && { kind: "timeout", duration, span };
      }
      case "expectItem":
        return this.expect(child, span);
      case "countItem": {
        const count = this.number(token(child, "value"));
        return count && { kind: keyword.image as "samples" | "votes", count, span };
      }
      case "advisoryItem":
        return { kind: "advisory", span };
      case "modifyItem": {
        const component = this.name(child, "component");
        const base = this.text(child, "base");
        if (!component) return undefined;
        const items = this.body(child, `modify ${component.name}`);
        return { kind: "modify", component, ...(base && { base }), items, span };
      }
      case "addItem": {
        const component = this.name(child, "component");
        return component && { kind: "add", component, items: this.body(child, `component ${component.name}`), span };
      }
      case "removeItem":
        return this.remove(child, span);
      case "orphanItem": {
        const hint = keyword.image === "base" ? ": it follows `modify NAME`" : keyword.image === "because"
          ? ": it follows a requirement's text" : ": it follows a decision's question";
        this.diagnostics.push(diagnostic("misplaced-item", this.span(keyword), { keyword: keyword.image, context: `${owner} on its own`, hint }));
        return undefined;
      }
      default:
        return undefined;
    }
  }

  private requirement(child: CstNode, span: Span): Item | undefined {
    const id = this.name(child, "id");
    const levelNode = node(child, "level");
    const text = this.text(child, "text");
    const because = this.text(child, "because");
    const words = levelNode ? tokens(levelNode, "words") : [];
    const unknown = levelNode ? token(levelNode, "unknown") : undefined;
    if (unknown) {
      const upper = unknown.image.toUpperCase();
      const hint = (LEVEL_WORDS as readonly string[]).includes(upper)
        ? ` (RFC 2119 keywords count only in capitals: write ${upper})` : "";
      this.diagnostics.push(diagnostic("unknown-level", this.span(unknown), { word: unknown.image, hint }));
      return undefined;
    }
    if (!id || !text || words.length === 0) return undefined;
    const level = words.map((w) => w.image).join(" ") as RequirementLevel;
    const levelSpan = joinSpans(this.span(words[0]!), this.span(words[words.length - 1]!));
    return { kind: "requirement", id, level, levelSpan, text, ...(because && { because }), span };
  }

  private expect(child: CstNode, span: Span): Item | undefined {
    const metric = this.name(child, "metric");
    const comparison = token(child, "comparison")?.image as "<" | "<=" | undefined;
    const valueToken = token(child, "value");
    if (!metric || !valueToken) return undefined;
    const value = valueToken.tokenType.name === "Duration" ? this.duration(valueToken) : this.number(valueToken);
    return value && { kind: "expect", metric, ...(comparison && { comparison }), value, span };
  }

  private remove(child: CstNode, span: Span): Item | undefined {
    const target = token(child, "target");
    const name = this.name(child, "name");
    if (!target || !name) return undefined;
    if (target.tokenType === Identifier) {
      this.diagnostics.push(diagnostic("unknown-remove-target", this.span(target), { word: target.image }));
      return undefined;
    }
    return { kind: "remove", target: target.image as RemoveTarget, name, span };
  }

  /**
   * Reports a run of tokens that cannot start an item: its first token, then each word that
   * begins a line (an unknown keyword with its arguments is one run per line).
   */
  private reportStray(run: IToken[], context: string, topLevel: boolean): void {
    const candidates = topLevel ? BLOCK_KEYWORDS : ITEM_KEYWORDS;
    const expected = topLevel ? "system, component or delta" : "an item such as owns, requirement or check";
    let reportedWord = false;
    let previousLine = -1;
    run.forEach((t, i) => {
      const startsLine = t.startLine !== previousLine;
      previousLine = t.endLine ?? t.startLine ?? previousLine;
      if (t.tokenType === Identifier && (i === 0 || startsLine || !reportedWord)) {
        const hint = didYouMean(t.image, candidates);
        this.diagnostics.push(diagnostic("unknown-keyword", this.span(t), { word: t.image, context, hint }));
        reportedWord = true;
      } else if (i === 0) {
        this.diagnostics.push(diagnostic("unexpected-token", this.span(t), { token: describe(t), context, expected }));
      }
    });
  }

  private name(parent: CstNode, label: string): NameRef | undefined {
    const t = token(parent, label);
    return t && { name: t.image, span: this.span(t) };
  }

  private names(parent: CstNode, label: string): NameRef[] {
    return tokens(parent, label).map((t) => ({ name: t.image, span: this.span(t) }));
  }

  private text(parent: CstNode, label: string): TextLit | undefined {
    const t = token(parent, label);
    return t && this.cook(t);
  }

  private texts(parent: CstNode, label: string): TextLit[] {
    return tokens(parent, label).map((t) => this.cook(t));
  }

  private cook(t: IToken): TextLit {
    const span = this.span(t);
    if (t.tokenType === TripleString || t.tokenType === UnterminatedTripleString) {
      return { value: cookTripleString(t.image, t.tokenType === TripleString), triple: true, span };
    }
    const { value, problems } = cookString(t.image, t.tokenType === StringLiteral);
    for (const p of problems) {
      const at = t.startOffset + p.offset;
      const column = span.column + p.offset;
      const where: Span = { ...span, offset: at, end: at + p.length, column, endLine: span.line, endColumn: column + p.length };
      this.diagnostics.push(diagnostic("invalid-escape", where, { char: p.char }));
    }
    return { value, triple: false, span };
  }

  private duration(t: IToken | undefined): DurationLit | undefined {
    if (!t) return undefined;
    const ms = durationMs(t.image);
    if (ms === undefined) {
      this.diagnostics.push(diagnostic("invalid-duration", this.span(t), { text: t.image }));
      return undefined;
    }
    return { ms, text: t.image, span: this.span(t) };
  }

  private number(t: IToken | undefined): NumberLit | undefined {
    return t && { value: Number(t.image), span: this.span(t) };
  }

  private span(t: IToken): Span {
    return tokenSpan(t, this.file);
  }

  /** From `first` to the last real token anywhere under `n`. */
  private spanOf(n: CstNode, first: IToken): Span {
    const last = lastToken(n);
    return last ? joinSpans(this.span(first), this.span(last)) : this.span(first);
  }
}

function describe(t: IToken): string {
  return t.tokenType === StringLiteral || t.tokenType === TripleString ? "string" : `'${t.image.slice(0, 30)}'`;
}

/** Tokens recovery inserted have no position; they count as missing. */
function real(t: IToken): boolean {
  return !t.isInsertedInRecovery && !Number.isNaN(t.startOffset);
}

function token(n: CstNode, label: string): IToken | undefined {
  return tokens(n, label)[0];
}

function tokens(n: CstNode, label: string): IToken[] {
  return ((n.children[label] ?? []) as IToken[]).filter(real);
}

function node(n: CstNode, label: string): CstNode | undefined {
  return nodes(n, label)[0];
}

function nodes(n: CstNode, label: string): CstNode[] {
  return (n.children[label] ?? []) as CstNode[];
}

/**
 * The last real token under `n`. Each label's children are in source order, so only the last
 * one with a real token is a candidate: the walk follows one path down, not the whole subtree.
 */
function lastToken(n: CstNode): IToken | undefined {
  let last: IToken | undefined;
  for (const label in n.children) {
    const children = n.children[label]!;
    for (let i = children.length - 1; i >= 0; i--) {
      const child = children[i]!;
      const candidate = "children" in child ? lastToken(child) : real(child) ? child : undefined;
      if (!candidate) continue;
      if (!last || candidate.startOffset > last.startOffset) last = candidate;
      break;
    }
  }
  return last;
}
