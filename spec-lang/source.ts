/**
 * From the bytes of a spec file to its text. Refuses, with a placed diagnostic, what is not a
 * spec: binary data, invalid UTF-8, files too large to be written by hand.
 */
import { isUtf8 } from "node:buffer";
import type { Span } from "./ast.js";
import { diagnostic, type Diagnostic } from "./diagnostics.js";

/** Spec files are written by people; anything larger is a mistake (a generated dump, a wrong file). */
export const MAX_SPEC_FILE_BYTES = 4 * 1024 * 1024;

/** The text of a spec file, or the diagnostic that says why there is none. */
export type DecodedSource = { ok: true; text: string } | { ok: false; diagnostic: Diagnostic };

/** Decodes a spec file's bytes as UTF-8, refusing binary, invalid and oversized input. */
export function decodeSpecBytes(bytes: Uint8Array, file: string): DecodedSource {
  if (bytes.length > MAX_SPEC_FILE_BYTES) {
    const args = { size: formatBytes(bytes.length), limit: formatBytes(MAX_SPEC_FILE_BYTES) };
    return { ok: false, diagnostic: diagnostic("file-too-large", spanAtByte(bytes, 0, file), args) };
  }
  const nul = bytes.indexOf(0);
  if (nul >= 0) return { ok: false, diagnostic: diagnostic("file-binary", spanAtByte(bytes, nul, file)) };
  // Node's validator (RFC 3629 too) answers for nearly every file; ours finds where it breaks
  const bad = isUtf8(bytes) ? -1 : firstInvalidUtf8Byte(bytes);
  if (bad >= 0) {
    const byte = bytes[bad]!.toString(16).toUpperCase().padStart(2, "0");
    return { ok: false, diagnostic: diagnostic("file-not-utf8", spanAtByte(bytes, bad, file), { byte }) };
  }
  return { ok: true, text: utf8.decode(bytes) };
}

const utf8 = new TextDecoder("utf-8");

/** Offset of the first byte that breaks UTF-8 (RFC 3629: no overlongs, no surrogates), or -1. */
export function firstInvalidUtf8Byte(bytes: Uint8Array): number {
  let i = 0;
  while (i < bytes.length) {
    const b = bytes[i]!;
    if (b < 0x80) { i++; continue; }
    let length: number;
    let min: number;
    let max = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) { length = 2; min = 0x80; }
    else if (b >= 0xe0 && b <= 0xef) { length = 3; min = b === 0xe0 ? 0xa0 : 0x80; if (b === 0xed) max = 0x9f; }
    else if (b >= 0xf0 && b <= 0xf4) { length = 4; min = b === 0xf0 ? 0x90 : 0x80; if (b === 0xf4) max = 0x8f; }
    else return i;
    for (let k = 1; k < length; k++) {
      const c = bytes[i + k];
      const lo = k === 1 ? min : 0x80; // the second byte's range excludes overlongs and surrogates
      const hi = k === 1 ? max : 0xbf;
      if (c === undefined || c < lo || c > hi) return i;
    }
    i += length;
  }
  return -1;
}

/** A one-character span at a byte offset, with line and column counted in the valid text before it. */
function spanAtByte(bytes: Uint8Array, byteOffset: number, file: string): Span {
  const before = new TextDecoder("utf-8").decode(bytes.subarray(0, Math.min(byteOffset, 64 * 1024 * 1024)));
  const lines = before.split(/\r\n|\r|\n/);
  const line = lines.length;
  const column = lines[line - 1]!.length + 1;
  const offset = before.length;
  return { file, line, column, offset, end: offset, endLine: line, endColumn: column };
}

function formatBytes(n: number): string {
  return n >= 1024 * 1024 ? `${(n / (1024 * 1024)).toFixed(1)} MB` : `${Math.ceil(n / 1024)} KB`;
}
