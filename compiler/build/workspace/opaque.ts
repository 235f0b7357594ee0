/**
 * Reading which of an overlay's upper folders are opaque (removed and made anew, so nothing of
 * the lower layer shows through them) from the pax archive GNU tar makes of them: the kernel marks
 * them with the user.overlay.opaque attribute, which Node cannot read, and tar writes attributes
 * into pax headers.
 */
const BLOCK = 512;
const OPAQUE = "SCHILY.xattr.user.overlay.opaque";

/** The entries of a pax tar archive whose extended header carries the opaque attribute. */
export function opaqueInArchive(archive: Buffer): string[] {
  const out: string[] = [];
  let pending = new Map<string, string>();
  for (let at = 0; at + BLOCK <= archive.length;) {
    const header = archive.subarray(at, at + BLOCK);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(text(header, 124, 12).trim() || "0", 8);
    const type = String.fromCharCode(header[156]!);
    const body = archive.subarray(at + BLOCK, at + BLOCK + size);
    at += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
    if (type === "x") {
      pending = paxRecords(body);
      continue;
    }
    if (type === "g") continue;
    const prefix = text(header, 345, 155);
    const name = pending.get("path") ?? (prefix ? `${prefix}/${text(header, 0, 100)}` : text(header, 0, 100));
    if (pending.get(OPAQUE) === "y") out.push(name.replace(/\/+$/, "").replace(/^\.\//, ""));
    pending = new Map();
  }
  return out;
}

function text(block: Buffer, offset: number, length: number): string {
  const field = block.subarray(offset, offset + length);
  const end = field.indexOf(0);
  return field.subarray(0, end === -1 ? length : end).toString("utf8");
}

/** pax records: `LENGTH KEY=VALUE\n`, LENGTH counting the whole record in bytes. */
function paxRecords(body: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  for (let at = 0; at < body.length;) {
    const space = body.indexOf(0x20, at);
    if (space === -1) break;
    const length = Number(body.subarray(at, space).toString("ascii"));
    if (!Number.isInteger(length) || length <= 0) break;
    const record = body.subarray(space + 1, at + length - 1).toString("utf8");
    const equals = record.indexOf("=");
    if (equals > 0) records.set(record.slice(0, equals), record.slice(equals + 1));
    at += length;
  }
  return records;
}
