/**
 * Where the project is: found from the working directory alone, with no spec read, so that the
 * lightest commands (a memoized status) can find it before loading anything heavy.
 */
import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";

/** The nearest directory at or above `start` that holds a specs/ folder, or undefined. */
export function findProjectRoot(start: string): string | undefined {
  let dir = resolve(start);
  for (;;) {
    if (existsSync(join(dir, "specs"))) return dir;
    const parent = dirname(dir);
    if (parent === dir) return undefined;
    dir = parent;
  }
}
