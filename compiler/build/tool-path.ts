/**
 * Checks, agents and the started system find the project's tools as npm scripts do: every
 * `node_modules/.bin` from their folder up to the file system's root comes first on PATH. So
 * `vitest run test/store` works in a workspace copy, which has no node_modules of its own.
 */
import { existsSync } from "node:fs";
import { delimiter, dirname, join, resolve } from "node:path";

export function withToolPath(dir: string, env: Readonly<Record<string, string | undefined>>): Record<string, string | undefined> {
  const bins: string[] = [];
  for (let at = resolve(dir); ; at = dirname(at)) {
    const bin = join(at, "node_modules", ".bin");
    if (existsSync(bin)) bins.push(bin);
    if (dirname(at) === at) break;
  }
  return { ...env, PATH: [...bins, env["PATH"] ?? ""].filter((p) => p !== "").join(delimiter) };
}
