/** The .phx spec language: parse, validate and format spec files. */
export * from "./ast.js";
export * from "./diagnostics.js";
export { parseSpec, parseSpecBytes, type ParseResult } from "./parse.js";
export { isUsableDuration, isValidRequest, isValidSamples, isValidVotes, validateSpecFile, validateSpecTree } from "./validate.js";
export { MAX_SPEC_FILE_BYTES } from "./source.js";
export { formatSpecFile, sameSpecContent } from "./format.js";

import { parseSpecBytes, type ParseResult } from "./parse.js";
import { validateSpecFile } from "./validate.js";
import { compareDiagnostics } from "./diagnostics.js";

/** Parses a file's bytes and runs every single-file check: what `phoenix check` reports per file. */
export function checkSpecBytes(bytes: Uint8Array, file: string): ParseResult {
  const parsed = parseSpecBytes(bytes, file);
  const brokenAt = parsed.diagnostics.filter((d) => d.severity === "error").map((d) => d.span.offset);
  const semantic = validateSpecFile(parsed.ast, brokenAt);
  return { ast: parsed.ast, diagnostics: [...parsed.diagnostics, ...semantic].sort(compareDiagnostics) };
}
