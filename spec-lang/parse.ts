/**
 * Text to AST: lex, parse, build. Every problem is a diagnostic; nothing here throws on any input.
 */
import type { IRecognitionException, IToken } from "chevrotain";
import type { Span, SpecFile } from "./ast.js";
import { compareDiagnostics, diagnostic, type Diagnostic } from "./diagnostics.js";
import { lex, tokenSpan } from "./lexer.js";
import { specParser } from "./parser.js";
import { AstBuilder, type UnclosedBody } from "./to-ast.js";
import { decodeSpecBytes } from "./source.js";
import { LBrace, RBrace } from "./tokens.js";
import { MAX_NESTING, quickParse } from "./quick-parse.js";


/** A file's AST and every problem found on the way to it. */
export interface ParseResult {
  ast: SpecFile;
  diagnostics: Diagnostic[];
}

/**
 * Parses the text of one .phx file: a well-formed file by the quick path, anything else by the
 * full parser, which recovers from every error and reports each one.
 */
export function parseSpec(text: string, file: string): ParseResult {
  const quick = quickParse(text, file);
  return quick ? { ast: { path: file, ...quick }, diagnostics: [] } : fullParse(text, file);
}

/** Lexes with Chevrotain, parses to a CST and builds the AST from it, with recovery. */
export function fullParse(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  const { tokens, tooDeep } = limitNesting(lexed.tokens, file);
  const parser = specParser();
  parser.input = tokens;
  const cst = parser.specFile();
  const builder = new AstBuilder(file);
  const blocks = builder.blocks(cst);
  const ast: SpecFile = { path: file, blocks, comments: lexed.comments };
  const parseErrors = parserDiagnostics(parser.errors, builder.unclosed, text, file)
    .filter((d) => !isEcho(d, lexed.diagnostics, tooDeep, text));
  const diagnostics = [...lexed.diagnostics, ...(tooDeep ? [tooDeep] : []), ...parseErrors, ...builder.diagnostics];
  if (blocks.length === 0 && diagnostics.length === 0) diagnostics.push(diagnostic("file-empty", startOfText(file)));
  return { ast, diagnostics: dedupe(diagnostics).sort(compareDiagnostics) };
}

/** Parses the bytes of one .phx file, refusing what is not UTF-8 text. */
export function parseSpecBytes(bytes: Uint8Array, file: string): ParseResult {
  const decoded = decodeSpecBytes(bytes, file);
  if (!decoded.ok) return { ast: { path: file, blocks: [], comments: [] }, diagnostics: [decoded.diagnostic] };
  return parseSpec(decoded.text, file);
}

/**
 * True for a parser error that only repeats an earlier problem: past the place parsing stopped,
 * or at the end of a file whose rest an unterminated `"""` or comment swallowed (its `}`s too).
 */
function isEcho(error: Diagnostic, lexed: readonly Diagnostic[], tooDeep: Diagnostic | undefined, text: string): boolean {
  if (tooDeep && error.span.offset >= tooDeep.span.offset) return true;
  const swallowed = lexed.some((d) => d.code === "unterminated-triple-string" || d.code === "unterminated-comment");
  return swallowed && error.span.offset === text.length;
}

/** The tokens before the first `{` nested deeper than MAX_NESTING, and the diagnostic for it. */
function limitNesting(tokens: IToken[], file: string): { tokens: IToken[]; tooDeep?: Diagnostic } {
  let depth = 0;
  for (const [i, token] of tokens.entries()) {
    if (token.tokenType === LBrace && ++depth > MAX_NESTING) {
      return { tokens: tokens.slice(0, i), tooDeep: diagnostic("nesting-too-deep", tokenSpan(token, file), { depth, limit: MAX_NESTING }) };
    }
    if (token.tokenType === RBrace && depth > 0) depth--;
  }
  return { tokens };
}

/**
 * Parser errors as diagnostics. A `'}'` that recovery had to invent is reported against the
 * block it closes: the innermost unclosed body opened before the place the brace was expected.
 * Errors and bodies are both in file order, so one pass with a stack pairs them (a search per
 * error made a file of many unclosed blocks take quadratic time). At the end of the file
 * Chevrotain reports only the innermost missing `'}'`; every other body still open there is
 * reported at its own `{`, so that a user adding one brace is not surprised by the next error.
 * Mid-file too, one error can leave several bodies (see leftWith); each is reported.
 */
function parserDiagnostics(errors: IRecognitionException[], unclosed: UnclosedBody[], text: string, file: string): Diagnostic[] {
  const bodies = [...unclosed].sort((a, b) => a.open.offset - b.open.offset);
  const enclosing = enclosingBodies(bodies);
  const reported = new Set<UnclosedBody>();
  const opened: UnclosedBody[] = [];
  let next = 0;
  let missingAtEnd = false;
  const located = errors.map((error) => ({ error, at: errorSpan(error.token, text, file) }));
  const out = located.sort((a, b) => a.at.offset - b.at.offset).flatMap(({ error, at }) => {
    if (error.message.startsWith("expected '}'")) {
      while (next < bodies.length && bodies[next]!.open.offset < at.offset) opened.push(bodies[next++]!);
      let owner = opened.pop();
      while (owner && reported.has(owner)) owner = opened.pop();
      if (owner) {
        missingAtEnd ||= at.offset === text.length;
        const around = missingAtEnd ? [] : leftWith(owner, enclosing, at.offset).filter((body) => !reported.has(body));
        const left = [owner, ...around];
        for (const body of left) reported.add(body);
        return left.map((body) => diagnostic("missing-brace", at, { block: body.owner, line: body.open.line }));
      }
    }
    return [diagnostic("syntax-error", at, { message: error.message })];
  });
  const stillOpen = missingAtEnd ? opened.filter((body) => !reported.has(body)) : [];
  return [...out, ...stillOpen.map((body) => diagnostic("missing-brace", body.open, { block: body.owner, line: body.open.line }))];
}

/** Each unclosed body's nearest unclosed body around it; bodies are sorted by where they open. */
function enclosingBodies(bodies: readonly UnclosedBody[]): Map<UnclosedBody, UnclosedBody> {
  const around = new Map<UnclosedBody, UnclosedBody>();
  const stack: UnclosedBody[] = [];
  for (const body of bodies) {
    while (stack.length > 0 && stack.at(-1)!.end < body.open.offset) stack.pop();
    if (stack.length > 0) around.set(body, stack.at(-1)!);
    stack.push(body);
  }
  return around;
}

/**
 * The bodies recovery left together with `inner` at `offset`: each unclosed body around it that
 * holds nothing past `offset` (a check and its component both open before the next `component`)
 * is missing its `}` at the same place. Bodies nest a few deep, so the walk is short.
 */
function leftWith(inner: UnclosedBody, enclosing: ReadonlyMap<UnclosedBody, UnclosedBody>, offset: number): UnclosedBody[] {
  const left: UnclosedBody[] = [];
  for (let body = enclosing.get(inner); body && body.end <= offset; body = enclosing.get(body)) left.push(body);
  return left;
}

/** Where an error points: its token, or the end of the text for errors at end of file. */
function errorSpan(token: IToken, text: string, file: string): Span {
  return Number.isNaN(token.startOffset) ? endOfText(text, file, 0) : tokenSpan(token, file);
}

function startOfText(file: string): Span {
  return { file, line: 1, column: 1, offset: 0, end: 0, endLine: 1, endColumn: 1 };
}

/** An empty span at the end of the text (or `length` characters before it). */
function endOfText(text: string, file: string, length: number): Span {
  const offset = text.length - length;
  const lines = text.slice(0, offset).split(/\r\n|\r|\n/);
  const line = lines.length;
  const column = lines[line - 1]!.length + 1;
  return { file, line, column, offset, end: text.length, endLine: line, endColumn: column };
}

/**
 * Recovery can report one problem twice at one place; keep the earliest stage's word on it. But
 * several blocks can be left open at one place (a check and its component, before the next
 * `component`): each missing `'}'` is a problem of its own.
 */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const first = new Map<number, Diagnostic>();
  const missingBraces = new Set<string>();
  return diagnostics.filter((d) => {
    const earlier = first.get(d.span.offset);
    if (!earlier) first.set(d.span.offset, d);
    const anotherBlock = d.code === "missing-brace" && earlier?.code === "missing-brace" && !missingBraces.has(`${d.span.offset}:${d.message}`);
    if (d.code === "missing-brace") missingBraces.add(`${d.span.offset}:${d.message}`);
    return !earlier || anotherBlock;
  });
}
