/**
 * This build of phoenix: the stats of its compiled files and its installed dependencies' lock.
 * What phoenix remembers between runs (answers, verified lock texts) is kept with it: a rebuilt
 * phoenix may judge differently, so it never trusts what an older build remembered.
 */
import { createHash } from "node:crypto";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { witness } from "./witness.js";

let identity: string | undefined;

/** A hash that changes whenever phoenix's code or its dependencies change. */
export function codeIdentity(): string {
  if (identity !== undefined) return identity;
  const packageDir = fileURLToPath(new URL("../../../", import.meta.url));
  const stamps = witness(packageDir, ["dist"], ["package.json", join("node_modules", ".package-lock.json")]).stamps;
  identity = createHash("sha256").update(JSON.stringify(stamps)).digest("hex");
  return identity;
}
