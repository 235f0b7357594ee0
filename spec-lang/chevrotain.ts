/**
 * Chevrotain, loaded from the single-file bundle it ships. Its package entry imports hundreds of
 * lodash-es modules, which costs ~230 ms on every `phoenix` start; the bundle costs ~10 ms.
 * The package's `exports` map hides the bundle, so it is found next to the resolved entry.
 */
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import type * as ChevrotainApi from "chevrotain";

const entry = createRequire(import.meta.url).resolve("chevrotain"); // .../chevrotain/lib/src/api.js
const chevrotain = (await import(pathToFileURL(join(dirname(entry), "..", "chevrotain.mjs")).href)) as typeof ChevrotainApi;

export const { createToken, CstParser, EOF, Lexer, tokenMatcher } = chevrotain;
export type { CstNode, IParserErrorMessageProvider, IRecognitionException, IToken, TokenType } from "chevrotain";
