import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, tempDir } from "../../fixtures/run-phoenix.js";
import { formatFailure, parseFailures } from "./failures.js";

const bin = (name: string) => join(repoRoot, "node_modules", ".bin", name);

/** Runs a real tool in `dir` and returns what it printed, as a check would capture it. */
async function output(dir: string, file: string, args: string[]): Promise<string> {
  const result = await execa(file, args, { cwd: dir, reject: false, env: { NO_COLOR: "1", CI: "1", FORCE_COLOR: "0" } });
  expect(result.exitCode).not.toBe(0);
  return `${result.stdout}\n${result.stderr}`;
}

async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  for (const [path, text] of Object.entries(files)) {
    await mkdir(join(dir, path, ".."), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  return dir;
}

describe("failures read from real tools' output", () => {
  it("tsc: every type error with file, line, column and code", async () => {
    const dir = await project({ "src/a.ts": 'const x: number = "s";\nexport function f(a: string): number { return a; }\n' });
    const items = parseFailures(await output(dir, bin("tsc"), ["--noEmit", "--strict", "src/a.ts"]), dir);
    expect(items).toEqual([
      { file: "src/a.ts", line: 1, column: 7, name: "TS2322", message: "Type 'string' is not assignable to type 'number'." },
      { file: "src/a.ts", line: 2, column: 40, name: "TS2322", message: "Type 'string' is not assignable to type 'number'." },
    ]);
    expect(formatFailure(items[0]!)).toBe("src/a.ts:1:7 TS2322: Type 'string' is not assignable to type 'number'.");
  });

  it("vitest: the failing test's name, its assertion and where it failed", async () => {
    const dir = await project({
      "package.json": '{ "type": "module" }',
      "test/sum.test.ts": 'import { describe, expect, it } from "vitest";\ndescribe("sum", () => {\n  it("adds two numbers", () => { expect(1 + 1).toBe(3); });\n  it("works", () => { expect(1).toBe(1); });\n});\n',
    });
    const items = parseFailures(await output(dir, bin("vitest"), ["run", "--root", dir]), dir);
    expect(items).toEqual([{ file: "test/sum.test.ts", line: 3, column: 48, name: "sum > adds two numbers", message: "AssertionError: expected 2 to be 3 // Object.is equality" }]);
  });

  it("node --test (TAP): the failing test, its error and location", async () => {
    const dir = await project({
      "t.test.mjs": 'import test from "node:test";\nimport assert from "node:assert";\ntest("adds", () => { assert.strictEqual(1 + 1, 3); });\ntest("fine", () => {});\n',
    });
    const items = parseFailures(await output(dir, process.execPath, ["--test", "--test-reporter=tap", "t.test.mjs"]), dir);
    expect(items).toEqual([{ file: "t.test.mjs", line: 3, column: 1, name: "adds", message: "Expected values to be strictly equal: 2 !== 3" }]);
  });

  it("eslint: each problem with its rule", async () => {
    const dir = await project({
      "package.json": '{ "type": "module" }',
      "eslint.config.js": 'export default [{ files: ["**/*.js"], rules: { "no-unused-vars": "error", "no-undef": "error" } }];\n',
      "src/a.js": "const unused = 1;\nfoo();\n",
    });
    const items = parseFailures(await output(dir, bin("eslint"), ["src"]), dir);
    expect(items).toEqual([
      { file: "src/a.js", line: 1, column: 7, name: "no-unused-vars", message: "'unused' is assigned a value but never used" },
      { file: "src/a.js", line: 2, column: 1, name: "no-undef", message: "'foo' is not defined" },
    ]);
  });

  it("jest: the test path, its message and the test file's frame (jest's default reporter format)", () => {
    // jest is not installed here; this is its reporter's layout, as jest 29 prints a failure
    const text = [
      " FAIL  test/sum.test.js",
      "  ● sum › adds two numbers",
      "",
      "    expect(received).toBe(expected) // Object.is equality",
      "",
      "    Expected: 3",
      "    Received: 2",
      "",
      "      at Object.toBe (test/sum.test.js:3:42)",
      "",
      "Tests:       1 failed, 1 passed, 2 total",
    ].join("\n");
    expect(parseFailures(text)).toEqual([
      { file: "test/sum.test.js", line: 3, column: 42, name: "sum > adds two numbers", message: "expect(received).toBe(expected) // Object.is equality" },
    ]);
  });

  it("finds nothing in output it does not know, and strips colours from output it does", () => {
    expect(parseFailures("Error: something broke\n    at main (x.js:1:1)\n")).toEqual([]);
    expect(parseFailures("\u001b[31msrc/a.ts(1,7): error TS2322: Bad.\u001b[39m")).toEqual([{ file: "src/a.ts", line: 1, column: 7, name: "TS2322", message: "Bad." }]);
  });
});
