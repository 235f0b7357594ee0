/**
 * Stage 1: text to tokens. Unknown characters and unterminated literals become diagnostics;
 * lexing always reaches the end of the input.
 */
import { Lexer, type IToken, type TokenType } from "./chevrotain.js";
import type { Comment, Span } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";
import {
  allTokens, BlockComment, UnterminatedBlockComment, UnterminatedString, UnterminatedTripleString,
} from "./tokens.js";

let lexer: InstanceType<typeof Lexer> | undefined;

/** Made on first use: building it costs ~30 ms, and well-formed files never need it (quick-parse.ts). */
function theLexer(): InstanceType<typeof Lexer> {
  return (lexer ??= new Lexer(allTokens, { positionTracking: "full", ensureOptimizations: false, recoveryEnabled: true }));
}

/** The tokens of one file, its comments, and the problems found while lexing. */
export interface LexResult {
  tokens: IToken[];
  comments: Comment[];
  diagnostics: Diagnostic[];
}

/** Splits `text` into tokens. Never throws. */
export function lex(text: string, file: string): LexResult {
  const result = theLexer().tokenize(text);
  const diagnostics: Diagnostic[] = [];
  for (const error of result.errors) {
    const shown = describeCharacters(text.slice(error.offset, error.offset + error.length));
    const line = error.line ?? 1;
    const column = error.column ?? 1;
    const span: Span = { file, line, column, offset: error.offset, end: error.offset + error.length, endLine: line, endColumn: column + error.length };
    diagnostics.push(diagnostic("unexpected-character", span, { char: shown }));
  }
  for (const token of result.tokens) {
    if (token.tokenType === UnterminatedString) diagnostics.push(diagnostic("unterminated-string", tokenSpan(token, file)));
    if (token.tokenType === UnterminatedTripleString) diagnostics.push(diagnostic("unterminated-triple-string", openingSpan(token, file, 3)));
  }
  const comments: Comment[] = [];
  for (const token of result.groups["comments"] ?? []) {
    if (token.tokenType === UnterminatedBlockComment) diagnostics.push(diagnostic("unterminated-comment", openingSpan(token, file, 2)));
    const kind = token.tokenType === BlockComment || token.tokenType === UnterminatedBlockComment ? "block" : "line";
    comments.push({ kind, text: token.image, span: tokenSpan(token, file) });
  }
  return { tokens: result.tokens, comments, diagnostics };
}

/** The span a token covers. */
export function tokenSpan(token: IToken, file: string): Span {
  const end = token.endOffset === undefined || Number.isNaN(token.endOffset) ? token.startOffset : token.endOffset + 1;
  const endLine = token.endLine ?? token.startLine ?? 1;
  // Chevrotain places a token's end on its last character; when that is a line break (a literal
  // or comment left open runs to the end of the file), the span ends at the start of the next line.
  const endsWithBreak = /[\r\n]$/.test(token.image);
  return {
    file,
    line: token.startLine ?? 1,
    column: token.startColumn ?? 1,
    offset: token.startOffset,
    end,
    endLine: endsWithBreak ? endLine + 1 : endLine,
    endColumn: endsWithBreak ? 1 : (token.endColumn ?? token.startColumn ?? 0) + 1,
  };
}

/** The span from the start of `from` to the end of `to`. */
export function joinSpans(from: Span, to: Span): Span {
  return { ...from, end: to.end, endLine: to.endLine, endColumn: to.endColumn };
}

/** True when a token of this type is one of the unterminated forms. */
export function isUnterminated(type: TokenType): boolean {
  return type === UnterminatedString || type === UnterminatedTripleString;
}

function openingSpan(token: IToken, file: string, length: number): Span {
  const span = tokenSpan(token, file);
  return { ...span, end: span.offset + length, endLine: span.line, endColumn: span.column + length };
}

/**
 * `'é' (U+00E9)`, `'ü$' (U+00FC U+0024)`: the code points say which character it is when the
 * glyph is invisible or looks like ASCII. Control characters are shown by code point only.
 */
function describeCharacters(run: string): string {
  const chars = [...run];
  const codes = chars.slice(0, 8).map((ch) => `U+${ch.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`);
  const hex = `${codes.join(" ")}${chars.length > 8 ? " …" : ""}`;
  return /[\u0000-\u001f\u007f]/.test(run) ? hex : `'${chars.slice(0, 8).join("")}${chars.length > 8 ? "…" : ""}' (${hex})`;
}
