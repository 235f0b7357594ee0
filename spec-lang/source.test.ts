import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { isUtf8 } from "node:buffer";
import { decodeSpecBytes, firstInvalidUtf8Byte, MAX_SPEC_FILE_BYTES } from "./source.js";

const utf8 = (text: string): Uint8Array => new TextEncoder().encode(text);

/** The diagnostic of a refused input as `line:column code: message`. */
function refusal(bytes: Uint8Array): string {
  const decoded = decodeSpecBytes(bytes, "t.phx");
  if (decoded.ok) throw new Error("expected the bytes to be refused");
  const d = decoded.diagnostic;
  return `${d.span.line}:${d.span.column} ${d.code}: ${d.message}`;
}

describe("decodeSpecBytes", () => {
  it("decodes UTF-8 text, non-ASCII included", () => {
    expect(decodeSpecBytes(utf8('description "héllo ✓ 😀"'), "t.phx")).toEqual({ ok: true, text: 'description "héllo ✓ 😀"' });
  });

  it("drops a byte-order mark, so columns start at 1 as editors show them", () => {
    expect(decodeSpecBytes(utf8("\uFEFFsystem s {}"), "t.phx")).toEqual({ ok: true, text: "system s {}" });
  });

  it("accepts an empty file (the parser says it declares nothing)", () => {
    expect(decodeSpecBytes(new Uint8Array(), "t.phx")).toEqual({ ok: true, text: "" });
  });

  it("refuses invalid UTF-8 at the line and column of the bad byte, naming it", () => {
    const bytes = Uint8Array.from([...utf8('system s {\n  root "é'), 0xff, ...utf8('"\n}')]);
    expect(refusal(bytes)).toBe(
      "2:10 file-not-utf8: file is not valid UTF-8 (an invalid byte sequence starts with 0xFF); spec files must be UTF-8",
    );
  });

  it("refuses Latin-1 text, the usual way a file ends up not UTF-8", () => {
    const latin1 = Uint8Array.from([...utf8('owns "caf'), 0xe9, ...utf8('"')]);
    expect(refusal(latin1)).toMatch(/^1:10 file-not-utf8: .*0xE9/);
  });

  it("refuses a file holding a NUL byte as binary, at the NUL", () => {
    expect(refusal(Uint8Array.from([...utf8("ab\ncd"), 0, 1, 2]))).toBe(
      "2:3 file-binary: file looks binary (it contains a NUL byte); spec files are UTF-8 text",
    );
  });

  it("refuses a file over the size limit before reading it, saying how large it is", () => {
    const big = new Uint8Array(MAX_SPEC_FILE_BYTES + 1).fill(0x20);
    expect(refusal(big)).toBe(
      "1:1 file-too-large: file is 4.0 MB; spec files may be at most 4.0 MB: split it into several .phx files",
    );
    expect(decodeSpecBytes(new Uint8Array(MAX_SPEC_FILE_BYTES).fill(0x20), "t.phx").ok).toBe(true);
  });
});

describe("firstInvalidUtf8Byte", () => {
  it.each([
    ["an overlong encoding of '/'", [0x61, 0xc0, 0xaf], 1],
    ["an overlong three-byte form", [0xe0, 0x80, 0x80], 0],
    ["a UTF-16 surrogate", [0x61, 0x62, 0xed, 0xa0, 0x80], 2],
    ["a code point past U+10FFFF", [0xf4, 0x90, 0x80, 0x80], 0],
    ["a lone continuation byte", [0x61, 0x80], 1],
    ["a sequence cut off by the end", [0x61, 0xe2, 0x82], 1],
    ["a sequence cut off by ASCII", [0xe2, 0x82, 0x61], 0],
  ])("finds %s", (_what, bytes, at) => {
    expect(firstInvalidUtf8Byte(Uint8Array.from(bytes))).toBe(at);
  });

  it("accepts every well-formed sequence length", () => {
    expect(firstInvalidUtf8Byte(utf8("a é € 😀 \u{10FFFF}"))).toBe(-1);
  });

  it("judges every byte string as Node's validator does, which decoding asks first (property)", () => {
    // bytes near the edges of the encoding: lead bytes, continuations, surrogates, the top code points
    const edgy = fc.constantFrom(0x00, 0x41, 0x7f, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0xff);
    fc.assert(fc.property(fc.array(fc.oneof(edgy, fc.integer({ min: 0, max: 255 })), { maxLength: 12 }), (bytes) => {
      const buffer = Uint8Array.from(bytes);
      expect(firstInvalidUtf8Byte(buffer) < 0).toBe(isUtf8(buffer));
    }), { numRuns: 20_000, seed: 3629 });
  });
});
