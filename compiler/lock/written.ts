/**
 * The last phoenix.lock text phoenix wrote, remembered by its hash in `.phoenix/lock-written`
 * (a cache: missing or wrong, it only costs a full check). Reading that exact text back needs
 * JSON.parse alone: phoenix serialized it from a lock it had checked against the schema, so the
 * same build of phoenix cannot find fault with it. Checking a 10,000-component lock took over a
 * second and held a second copy of it (zod returns what it checked, copied). Any other text (a
 * hand edit, a checkout, a merge, another build of phoenix) gets the full check.
 */
import { hash } from "node:crypto";
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { codeIdentity } from "../memo/code-identity.js";

/** Relative to the project directory. */
export const LOCK_WRITTEN_FILE = join(".phoenix", "lock-written");

/** What the remembered line says about `text`: this build of phoenix and the text's hash. */
function fingerprint(text: string | Uint8Array): string {
  return `${codeIdentity()} ${hash("sha256", text, "hex")}\n`;
}

/** Remembers `text` as what phoenix just wrote to phoenix.lock. Never fails: it is a cache. */
export function rememberWritten(projectDir: string, text: string): void {
  const path = join(projectDir, LOCK_WRITTEN_FILE);
  try {
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.tmp`, fingerprint(text));
    renameSync(`${path}.tmp`, path);
  } catch {
    // a read-only checkout: every read checks the lock in full
  }
}

/** True when `bytes` are exactly the lock text this build of phoenix wrote last. */
export function wasWritten(projectDir: string, bytes: Uint8Array): boolean {
  try {
    return readFileSync(join(projectDir, LOCK_WRITTEN_FILE), "utf8") === fingerprint(bytes);
  } catch {
    return false;
  }
}
