/**
 * The canonical layout of a .phx file, printed from its AST. Pure: text out, no IO.
 *
 * Layout. The output depends on the source's layout only through blank lines and comments.
 * - Two-space indentation, one item per line. A body opens with `{` at the end of its header and
 *   closes with `}` on its own line at the header's indentation; checks are always multi-line.
 *   A body with no items and no comments is `{}`.
 * - Exactly one blank line after each top-level block. Elsewhere a blank line is kept where the
 *   source had one or more between two items or comments; never right after `{` or before `}`.
 * - `because` goes on the line after its requirement, indented two more. A requirement level
 *   keeps its words (`MUST NOT`). `decision ID "question" answer "answer"` is one line.
 * - Lists are separated by `, `: `owns "a", "b"`, `depends_on a, b`, `covers A-1, A-2`.
 * - A string value with a line break is a `"""` block: its lines indented two more than the line
 *   it starts on, the closing quotes at that line's indentation, blank lines left empty. When
 *   such a block would not read back as exactly the same value (common indentation, leading or
 *   trailing blanks, tabs, `"""` inside...), and for every single-line value, it is `"..."`.
 * - Durations as written; numbers as plain decimals (the AST keeps only their value).
 *
 * Comments. Every comment is printed once, in source order, and its text is never changed.
 * - A comment on its own line stays on its own line, at the indentation of the body it is in.
 * - A comment that starts on the line where an item, a header or another comment ends stays at
 *   the end of that line. Trailing comments on consecutive lines of one indentation are aligned
 *   two spaces past the longest of those lines.
 * - A comment inside an item moves to the end of the item's line (in a requirement, of the text's
 *   line or of the `because` line, whichever it was written on or after); one between a header's
 *   first word and its `{` moves after the `{`. Nothing may follow a `//` comment on a line, so
 *   a comment that would goes to the `because` line, or else on a line of its own.
 *
 * Placement is computed from spans. A node a program adds to a parsed file should carry a span
 * whose `file` differs from the SpecFile's `path`: it then takes no comments and no blank lines.
 */
import type { Block, Comment, DurationLit, Item, NumberLit, RequirementItem, Span, SpecFile, TextLit } from "./ast.js";
import { cookTripleString, quoteString } from "./literals.js";

const INDENT = "  ";
/** Spaces between the longest line of an aligned run and its trailing comments. */
const COMMENT_GAP = 2;

/** Prints a spec file in the canonical layout, keeping every comment. */
export function formatSpecFile(ast: SpecFile): string {
  const printer = new Printer(ast);
  printer.topLevel(ast.blocks);
  return render(printer.lines);
}

/** True when two parsed files say the same thing with the same comments, however laid out and quoted. */
export function sameSpecContent(a: SpecFile, b: SpecFile): boolean {
  return JSON.stringify(withoutLayout(a.blocks)) === JSON.stringify(withoutLayout(b.blocks))
    && JSON.stringify(a.comments.map((c) => c.text)) === JSON.stringify(b.comments.map((c) => c.text));
}

/** Keys that record where and how something was written, not what it says. */
const LAYOUT_KEYS: ReadonlySet<string> = new Set(["span", "levelSpan", "triple"]);

function withoutLayout(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(withoutLayout);
  if (typeof value !== "object" || value === null) return value;
  return Object.fromEntries(Object.entries(value).filter(([k]) => !LAYOUT_KEYS.has(k)).map(([k, v]) => [k, withoutLayout(v)]));
}

/** One output line: code at an indentation, then comments (a block comment may span lines). */
interface Line {
  indent: string;
  code: string;
  comment: string;
  /** The line ends in a `//` comment: nothing more may be appended. */
  closed: boolean;
}

/** Where printing stands inside one body (or at the top level). */
interface Flow {
  indent: string;
  /** Comments before this offset belong to the body. */
  end: number;
  /** Source line where the last placed element ended; undefined before any. */
  lastLine: number | undefined;
  /** Something was printed in this body: a blank line may now come. */
  started: boolean;
  /** The top level separates blocks by a blank line whatever the source did. */
  blankAfterItem: boolean;
  /** The last element printed was an item, not a comment on its own line. */
  afterItem: boolean;
}

type Node = { span: Span };
type BodyNode = { span: Span; items: Item[] };

/** Walks the AST in source order, emitting lines and taking each comment when its place comes. */
class Printer {
  readonly lines: Line[] = [];
  private readonly comments: Comment[];
  private next = 0;

  constructor(private readonly ast: SpecFile) {
    this.comments = [...ast.comments].sort((a, b) => a.span.offset - b.span.offset);
  }

  /** The whole file; comments left over (after the last block) end it. */
  topLevel(blocks: Block[]): void {
    const flow: Flow = { indent: "", end: Infinity, lastLine: undefined, started: false, blankAfterItem: true, afterItem: false };
    this.sequence(blocks, flow, (block) => this.block(block));
  }

  private sequence<T extends Node>(nodes: readonly T[], flow: Flow, print: (node: T) => void): void {
    nodes.forEach((node, i) => {
      const placed = this.placed(node);
      if (placed) this.commentsBefore(node.span.offset, flow);
      this.separate(flow, placed ? node.span.line : undefined);
      print(node);
      flow.started = true;
      flow.afterItem = true;
      // a node without a position keeps the blank-line reckoning of the one before it
      if (placed) flow.lastLine = node.span.endLine;
      // a comment after the next item on the same line (`a "x" b "y" // c`) trails that item
      this.trailing(flow, this.nextPlacedOffset(nodes, i + 1) ?? flow.end);
    });
    this.commentsBefore(flow.end, flow);
  }

  /** Comments that start on the line where the last element ended stay on it. */
  private trailing(flow: Flow, limit: number): void {
    for (let c = this.peek(limit); c && c.span.line === flow.lastLine; c = this.peek(limit)) {
      this.next++;
      this.appendComment(c, flow.indent);
      flow.lastLine = c.span.endLine;
    }
  }

  /** Comments before `limit`: trailing when they start on the line just printed, else on their own line. */
  private commentsBefore(limit: number, flow: Flow): void {
    for (let c = this.peek(limit); c; c = this.peek(limit)) {
      this.next++;
      if (c.span.line === flow.lastLine) this.appendComment(c, flow.indent);
      else this.ownLine(c, flow);
      flow.lastLine = c.span.endLine;
    }
  }

  private ownLine(c: Comment, flow: Flow): void {
    this.separate(flow, c.span.line);
    this.lines.push({ indent: flow.indent, code: "", comment: c.text, closed: c.kind === "line" });
    flow.started = true;
    flow.afterItem = false;
  }

  /** A blank line before the next element, when the source had one or the top level wants one. */
  private separate(flow: Flow, line: number | undefined): void {
    if (!flow.started) return;
    const sourceBlank = line !== undefined && flow.lastLine !== undefined && line - flow.lastLine >= 2;
    if (sourceBlank || (flow.blankAfterItem && flow.afterItem)) this.lines.push({ indent: "", code: "", comment: "", closed: false });
  }

  /** Appends comments before `limit` (while `accept` holds) to the last line. */
  private take(limit: number, indent: string, accept: (c: Comment) => boolean = () => true): void {
    for (let c = this.peek(limit); c && accept(c); c = this.peek(limit)) {
      this.next++;
      this.appendComment(c, indent);
    }
  }

  /** Puts a comment at the end of the last line, or on a line of its own after a `//` comment. */
  private appendComment(c: Comment, indent: string): void {
    const last = this.lines.at(-1);
    if (!last || last.closed) {
      this.lines.push({ indent, code: "", comment: c.text, closed: c.kind === "line" });
      return;
    }
    last.comment = last.comment === "" ? c.text : `${last.comment} ${c.text}`;
    last.closed = c.kind === "line";
  }

  private peek(limit: number): Comment | undefined {
    const c = this.comments[this.next];
    return c && c.span.offset < limit ? c : undefined;
  }

  private nextPlacedOffset(nodes: readonly Node[], from: number): number | undefined {
    for (let i = from; i < nodes.length; i++) if (this.placed(nodes[i]!)) return nodes[i]!.span.offset;
    return undefined;
  }

  /** Whether a node was parsed from this file, so its span says where it and its comments were. */
  private placed(node: Node): boolean {
    return node.span.file === this.ast.path;
  }

  /** How far inside a node comments are its own: nowhere for a node without a position. */
  private limit(node: Node): number {
    return this.placed(node) ? node.span.end : -Infinity;
  }

  private block(block: Block): void {
    if (block.kind === "delta") this.body(`delta ${block.name.name} ${text(block.summary, "")}`, block.summary.span, block, "");
    else this.body(`${block.kind} ${block.name.name}`, block.name.span, block, "");
  }

  /** A header, its `{`, the items and the `}`; comments inside the header go after the `{`. */
  private body(header: string, headerEnd: Span, node: BodyNode, indent: string): void {
    this.code(`${header} {`, indent);
    const open = this.lines.length - 1;
    const inner = indent + INDENT;
    const placed = this.placed(node);
    this.take(placed ? headerEnd.end : -Infinity, inner);
    const flow: Flow = {
      indent: inner, end: this.limit(node), lastLine: placed ? headerEnd.endLine : undefined,
      started: false, blankAfterItem: false, afterItem: false,
    };
    this.sequence(node.items, flow, (item) => this.item(item, inner));
    const headerLine = this.lines[open]!;
    if (this.lines.length - 1 === open && headerLine.comment === "") headerLine.code += "}";
    else this.code("}", indent);
  }

  private item(item: Item, indent: string): void {
    switch (item.kind) {
      case "check":
        return this.body(`check ${item.name.name}`, item.name.span, item, indent);
      case "modify": {
        const base = item.base ? ` base ${text(item.base, indent)}` : "";
        return this.body(`modify ${item.component.name}${base}`, (item.base ?? item.component).span, item, indent);
      }
      case "add":
        return this.body(`add component ${item.component.name}`, item.component.span, item, indent);
      case "requirement":
        return this.requirement(item, indent);
      default:
        this.code(leafCode(item, indent), indent);
        this.take(this.limit(item), indent);
    }
  }

  private requirement(item: RequirementItem, indent: string): void {
    this.code(`requirement ${item.id.name} ${item.level} ${text(item.text, indent)}`, indent);
    if (item.because) {
      // the text's line keeps what starts on it or on a comment ending there; after a `//`
      // comment the rest go to the because line, where the next reading puts them too
      let line = item.text.span.endLine;
      this.take(this.limit(item), indent, (c) => {
        const stays = c.span.line <= line && !this.lines.at(-1)!.closed;
        if (stays) line = Math.max(line, c.span.endLine);
        return stays;
      });
      this.code(`because ${text(item.because, indent + INDENT)}`, indent + INDENT);
    }
    this.take(this.limit(item), indent);
  }

  /** Code that may span lines (a `"""` block); lines after the first carry their own indentation. */
  private code(code: string, indent: string): void {
    code.split("\n").forEach((line, i) => {
      const own = i === 0 ? indent : /^ */.exec(line)![0];
      this.lines.push({ indent: own, code: i === 0 ? line : line.slice(own.length), comment: "", closed: false });
    });
  }
}

type LeafItem = Exclude<Item, { kind: "check" | "modify" | "add" | "requirement" }>;

/** An item without a body, on one line (but for `"""` blocks). */
function leafCode(item: LeafItem, indent: string): string {
  switch (item.kind) {
    case "owns":
    case "protect":
      return `${item.kind} ${item.values.map((v) => text(v, indent)).join(", ")}`;
    case "depends_on":
    case "covers":
      return `${item.kind} ${item.names.map((n) => n.name).join(", ")}`;
    case "agent":
      return `agent ${item.provider.name}${item.argument ? ` ${text(item.argument, indent)}` : ""}`;
    case "autonomy":
    case "network":
      return `${item.kind} ${item.value.name}`;
    case "decision":
      return `decision ${item.id.name} ${text(item.question, indent)} answer ${text(item.answer, indent)}`;
    case "timeout":
      return `timeout ${item.duration.text}`;
    case "expect":
      return ["expect", item.metric.name, ...(item.comparison ? [item.comparison] : []), quantity(item.value)].join(" ");
    case "samples":
    case "votes":
      return `${item.kind} ${plainNumber(item.count.value)}`;
    case "advisory":
      return "advisory";
    case "remove":
      return `remove ${item.target} ${item.name.name}`;
    default:
      return `${item.kind} ${text(item.value, indent)}`;
  }
}

function quantity(value: NumberLit | DurationLit): string {
  return "text" in value ? value.text : plainNumber(value.value);
}

/**
 * A number as the grammar writes it (digits, optional fraction; no exponent), reading back as
 * the same value. The shortest round-trip digits are kept and only the decimal point moves.
 */
function plainNumber(value: number): string {
  // a literal too long for a double reads as Infinity; so does this one
  if (!Number.isFinite(value)) return `1${"0".repeat(309)}`;
  const [mantissa, exponent] = String(value).split("e") as [string, string | undefined];
  if (exponent === undefined) return mantissa;
  const [whole, fraction = ""] = mantissa.split(".") as [string, string | undefined];
  const digits = whole + fraction;
  const point = whole.length + Number(exponent);
  if (point <= 0) return `0.${"0".repeat(-point)}${digits}`;
  if (point >= digits.length) return digits + "0".repeat(point - digits.length);
  return `${digits.slice(0, point)}.${digits.slice(point)}`;
}

/** A string literal for `lit`, whose first line sits at `indent`. */
function text(lit: TextLit, indent: string): string {
  return tripleBlock(lit.value, indent) ?? quoteString(lit.value);
}

/** The `"""` block for a multi-line value, or undefined when it would not read back exactly. */
function tripleBlock(value: string, indent: string): string | undefined {
  // `"""` would end the literal early; a carriage return would be read as a line break
  if (!value.includes("\n") || value.includes('"""') || value.includes("\r")) return undefined;
  const inner = indent + INDENT;
  const lines = value.split("\n").map((line) => (line === "" ? "" : inner + line));
  const block = `"""\n${lines.join("\n")}\n${indent}"""`;
  return cookTripleString(block, true) === value ? block : undefined;
}

function render(lines: readonly Line[]): string {
  if (lines.length === 0) return "";
  const columns = commentColumns(lines);
  return `${lines.map((line, i) => renderLine(line, columns[i])).join("\n")}\n`;
}

function renderLine(line: Line, column: number | undefined): string {
  const code = line.indent + line.code;
  if (line.comment === "") return code;
  if (line.code === "") return line.indent + line.comment;
  return code.padEnd(column ?? code.length + COMMENT_GAP) + line.comment;
}

/** The column of each aligned trailing comment: runs of consecutive code lines at one indentation. */
function commentColumns(lines: readonly Line[]): (number | undefined)[] {
  const columns: (number | undefined)[] = [];
  let start = 0;
  while (start < lines.length) {
    const first = lines[start]!;
    let end = start;
    while (alignable(first) && end + 1 < lines.length && alignable(lines[end + 1]!) && lines[end + 1]!.indent === first.indent) end++;
    const run = lines.slice(start, end + 1);
    const width = Math.max(...run.map((l) => l.indent.length + l.code.length));
    for (const line of run) columns.push(alignable(line) ? width + COMMENT_GAP : undefined);
    start = end + 1;
  }
  return columns;
}

function alignable(line: Line): boolean {
  return line.code !== "" && line.comment !== "" && !/[\r\n]/.test(line.comment);
}
