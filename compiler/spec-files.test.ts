import fc from "fast-check";
import { relative, resolve, sep } from "node:path";
import { describe, expect, it } from "vitest";
import { displayPath } from "./spec-files.js";

describe("displayPath", () => {
  it("shows a path as path.relative would, whatever its segments (property)", () => {
    /** How a path was shown before the shortcut for plain paths under cwd. */
    const byRelative = (path: string, cwd: string) => {
      const rel = relative(cwd, resolve(cwd, path));
      return (rel === "" ? "." : /^\.\.(\/|$)/.test(rel.split(sep).join("/")) ? resolve(cwd, path) : rel).split(sep).join("/");
    };
    const segment = fc.constantFrom("a", "b", "specs", ".", "..", "", ".hidden", "x y", "..z");
    const path = fc.tuple(fc.boolean(), fc.array(segment, { maxLength: 5 })).map(([absolute, parts]) => `${absolute ? "/" : ""}${parts.join("/")}`);
    fc.assert(fc.property(path, path, (p, cwd) => {
      const dir = resolve("/", cwd); // a cwd is absolute, though not always plain
      expect(displayPath(p, dir)).toBe(byRelative(p, dir));
      expect(displayPath(resolve(dir, p), dir)).toBe(byRelative(resolve(dir, p), dir));
      expect(displayPath(`${dir}/${p}`, dir)).toBe(byRelative(`${dir}/${p}`, dir));
    }), { numRuns: 3_000, seed: 11 });
  });

  it("shows a folder whose name begins with two dots as inside cwd", () => {
    expect(displayPath("/work/..foo/specs/a.phx", "/work")).toBe("..foo/specs/a.phx");
    expect(displayPath("..foo/a.phx", "/work")).toBe("..foo/a.phx");
    expect(displayPath("../a.phx", "/work/specs")).toBe("/work/a.phx");
  });
});
