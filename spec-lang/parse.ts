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

/**
 * Blocks nest three deep at most (delta, modify, check). The parser recurses once per level and
 * a file of a thousand `{` exhausted its stack, so parsing stops well before that.
 */
const MAX_NESTING = 32;

/** A file's AST and every problem found on the way to it. */
export interface ParseResult {
  ast: SpecFile;
  diagnostics: Diagnostic[];
}

/** Parses the text of one .phx file. */
export function parseSpec(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  const { tokens, tooDeep } = limitNesting(lexed.tokens, file);
  specParser.input = tokens;
  const cst = specParser.specFile();
  const builder = new AstBuilder(file);
  const blocks = builder.blocks(cst);
  const ast: SpecFile = { path: file, blocks, comments: lexed.comments };
  const parseErrors = parserDiagnostics(specParser.errors, builder.unclosed, text, file)
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
 */
function parserDiagnostics(errors: IRecognitionException[], unclosed: UnclosedBody[], text: string, file: string): Diagnostic[] {
  const bodies = [...unclosed].sort((a, b) => a.open.offset - b.open.offset);
  const opened: UnclosedBody[] = [];
  let next = 0;
  let missingAtEnd = false;
  const located = errors.map((error) => ({ error, at: errorSpan(error.token, text, file) }));
  const out = located.sort((a, b) => a.at.offset - b.at.offset).map(({ error, at }) => {
    if (error.message.startsWith("expected '}'")) {
      while (next < bodies.length && bodies[next]!.open.offset < at.offset) opened.push(bodies[next++]!);
      const owner = opened.pop();
      if (owner) {
        missingAtEnd ||= at.offset === text.length;
        return diagnostic("missing-brace", at, { block: owner.owner, line: owner.open.line });
      }
    }
    return diagnostic("syntax-error", at, { message: error.message });
  });
  const stillOpen = missingAtEnd ? opened : [];
  return [...out, ...stillOpen.map((body) => diagnostic("missing-brace", body.open, { block: body.owner, line: body.open.line }))];
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

/** Recovery can report one problem twice at one place; keep the earliest stage's word on it. */
function dedupe(diagnostics: Diagnostic[]): Diagnostic[] {
  const seen = new Set<number>();
  return diagnostics.filter((d) => {
    if (seen.has(d.span.offset)) return false;
    seen.add(d.span.offset);
    return true;
  });
}
