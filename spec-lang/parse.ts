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

/** A file's AST and every problem found on the way to it. */
export interface ParseResult {
  ast: SpecFile;
  diagnostics: Diagnostic[];
}

/** Parses the text of one .phx file. */
export function parseSpec(text: string, file: string): ParseResult {
  const lexed = lex(text, file);
  specParser.input = lexed.tokens;
  const cst = specParser.specFile();
  const builder = new AstBuilder(file);
  const blocks = builder.blocks(cst);
  const ast: SpecFile = { path: file, blocks, comments: lexed.comments };
  const parseErrors = parserDiagnostics(specParser.errors, builder.unclosed, text, file);
  const diagnostics = [...lexed.diagnostics, ...parseErrors, ...builder.diagnostics];
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
 * Parser errors as diagnostics. A `'}'` that recovery had to invent is reported against the
 * block it closes: the innermost unclosed body opened before the place the brace was expected.
 */
function parserDiagnostics(errors: IRecognitionException[], unclosed: UnclosedBody[], text: string, file: string): Diagnostic[] {
  const open = [...unclosed];
  return errors.map((error) => {
    const at = errorSpan(error.token, text, file);
    if (error.message.startsWith("expected '}'")) {
      const owner = innermostOpenedBefore(open, at.offset);
      if (owner) return diagnostic("missing-brace", at, { block: owner.owner, line: owner.open.line });
    }
    return diagnostic("syntax-error", at, { message: error.message });
  });
}

function innermostOpenedBefore(open: UnclosedBody[], offset: number): UnclosedBody | undefined {
  let best = -1;
  open.forEach((body, i) => {
    if (body.open.offset < offset && (best < 0 || body.open.offset > open[best]!.open.offset)) best = i;
  });
  return best < 0 ? undefined : open.splice(best, 1)[0];
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
