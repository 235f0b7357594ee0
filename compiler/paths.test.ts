import { describe, expect, it } from "vitest";
import { climbsOut } from "./paths.js";

describe("climbsOut", () => {
  it("is true for a path that leaves its folder, false for a name that only begins with two dots", () => {
    expect(["..", "../x", "../../a/b", "/etc/passwd"].filter(climbsOut)).toEqual(["..", "../x", "../../a/b", "/etc/passwd"]);
    expect(["", ".", "..foo", "..foo/x", "a/../b", "...", ".hidden/x", "x/.."].filter(climbsOut)).toEqual([]);
  });
});
