/**
 * Drift: the actual state (the owned files on disk) minus its representation (the outputs
 * phoenix.lock recorded). Pure: the files come in already hashed (owned-files.ts).
 */
import type { Hash } from "../hash.js";
import type { Lock } from "../lock/schema.js";

/** An owned file that differs from what the lock recorded. Same shape as plan.ts's FileDrift. */
export interface FileDrift {
  path: string;
  change: "modified" | "added" | "deleted";
  /** The hash the lock recorded; absent for an added file. */
  expected?: Hash;
  /** The hash on disk now; absent for a deleted file. */
  actual?: Hash;
}

/** Owned files on disk: component name -> (path relative to the root -> sha256). */
export type ActualFiles = ReadonlyMap<string, ReadonlyMap<string, Hash>>;

/**
 * The drift of every component that is both in the lock and in `actual` (the specs), each list
 * sorted by path and possibly empty. A component never built has nothing to drift from, and one
 * in the lock but gone from the specs is the plan's to remove, so neither appears.
 */
export function detectDrift(lock: Lock, actual: ActualFiles): Map<string, FileDrift[]> {
  const out = new Map<string, FileDrift[]>();
  for (const [name, state] of Object.entries(lock.components)) {
    const files = actual.get(name);
    if (files) out.set(name, componentDrift(state.outputs, files));
  }
  return out;
}

/** One component's drift: recorded outputs against the files on disk, sorted by path. */
export function componentDrift(outputs: Readonly<Record<string, string>>, files: ReadonlyMap<string, Hash>): FileDrift[] {
  // a Map, not the record, so a file named `constructor` or `__proto__` is just a file
  // (the lock schema guarantees every recorded value is a `sha256:` hash)
  const recorded = new Map(Object.entries(outputs) as [string, Hash][]);
  const drift: FileDrift[] = [];
  for (const [path, expected] of recorded) {
    const actual = files.get(path);
    if (actual === undefined) drift.push({ path, change: "deleted", expected });
    else if (actual !== expected) drift.push({ path, change: "modified", expected, actual });
  }
  for (const [path, actual] of files) {
    if (!recorded.has(path)) drift.push({ path, change: "added", actual });
  }
  return drift.sort((a, b) => comparePaths(a.path, b.path));
}

/** By UTF-16 code units, as the lock sorts its keys: the same on every machine and locale. */
export function comparePaths(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
