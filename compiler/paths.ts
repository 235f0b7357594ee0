/**
 * A path question asked in many places: does a relative path leave the folder it is relative to?
 */
import { isAbsolute, sep } from "node:path";

/**
 * Whether `rel` (from path.relative, or the same with forward slashes) climbs out of its folder:
 * `..`, `../x`, or an absolute path. A name that only begins with two dots (`..foo`) is inside.
 */
export function climbsOut(rel: string): boolean {
  return rel === ".." || rel.startsWith("../") || rel.startsWith(`..${sep}`) || isAbsolute(rel);
}
