import { describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";

/** What `phoenix check` must print for each file in fixtures/bad: every error, exactly placed. */
const expectedForBadFixtures: Record<string, string[]> = {
  "missing-brace": [
    "fixtures/bad/missing-brace.phx:7:1: error missing-brace: missing '}' to close check unit (opened at line 4)",
    "fixtures/bad/missing-brace.phx:7:1: error missing-brace: missing '}' to close component store (opened at line 2)",
  ],
  "unterminated-string": [
    'fixtures/bad/unterminated-string.phx:4:15: error unterminated-string: unterminated string: add the closing " on the same line, or use """ for text over several lines',
  ],
  "unterminated-triple-string": [
    'fixtures/bad/unterminated-triple-string.phx:4:15: error unterminated-triple-string: unterminated """ string: it runs to the end of the file; close it with """',
  ],
  "unknown-keyword": [
    "fixtures/bad/unknown-keyword.phx:4:3: error unknown-keyword: unknown keyword 'require' in component store (did you mean 'requirement'?)",
  ],
  "not-utf8": [
    "fixtures/bad/not-utf8.phx:4:19: error file-not-utf8: file is not valid UTF-8 (an invalid byte sequence starts with 0xE9); spec files must be UTF-8",
  ],
  empty: [
    "fixtures/bad/empty.phx:1:1: error file-empty: file declares nothing: add a `system`, `component` or `delta` block, or delete the file",
  ],
  binary: ["fixtures/bad/binary.phx:3:1: error file-binary: file looks binary (it contains a NUL byte); spec files are UTF-8 text"],
  "several-errors": [
    "fixtures/bad/several-errors.phx:3:8: error unsafe-path: `root` path '/srv/app' is absolute: paths are relative to the root and stay inside it",
    "fixtures/bad/several-errors.phx:7:3: error unknown-keyword: unknown keyword 'ownz' in component store (did you mean 'owns'?)",
    "fixtures/bad/several-errors.phx:8:23: error unknown-level: 'must' is not an RFC 2119 keyword: use MUST, MUST NOT, REQUIRED, SHALL, SHALL NOT, SHOULD, SHOULD NOT, RECOMMENDED, MAY, MAY NOT or OPTIONAL (RFC 2119 keywords count only in capitals: write MUST)",
    'fixtures/bad/several-errors.phx:13:21: error reason-required: requirement API-1 is SHOULD: give the reason with `because "..."` (SHOULD, RECOMMENDED, MAY and OPTIONAL must say why)',
    "fixtures/bad/several-errors.phx:14:54: error invalid-duration: '5min' is not a duration: write a number followed by ms, s, m or h (for example 30s)",
    'fixtures/bad/several-errors.phx:18:8: error unterminated-string: unterminated string: add the closing " on the same line, or use """ for text over several lines',
    'fixtures/bad/several-errors.phx:19:23: error invalid-escape: unknown escape \\q in string: use \\", \\\\, \\n or \\t',
    "fixtures/bad/several-errors.phx:25:51: error invalid-count: `votes` must be an odd whole number from 1 to 99 (a majority must exist), not 2",
    "fixtures/bad/several-errors.phx:32:1: error missing-brace: missing '}' to close component audit (opened at line 28)",
  ],
};

describe("phoenix check on bad input", () => {
  for (const [name, expected] of Object.entries(expectedForBadFixtures)) {
    it(`reports fixtures/bad/${name}.phx exactly, exits 1, and prints no stack trace`, async () => {
      const run = await runPhoenix(["check", `fixtures/bad/${name}.phx`]);
      expect(run.exitCode).toBe(1);
      expect(run.stderr).toBe("");
      const errors = `${expected.length} error${expected.length === 1 ? "" : "s"}`;
      expect(run.stdout).toBe([...expected, `${errors}, 0 warnings in 1 file`].join("\n"));
    });
  }

  it("refuses a 10 MB file with one diagnostic instead of parsing it", async () => {
    const dir = await tempDir();
    const line = 'component c { owns "src/**" description "padding padding padding padding padding" }\n';
    await writeFile(join(dir, "huge.phx"), line.repeat(Math.ceil((10 * 1024 * 1024) / line.length)));
    const run = await runPhoenix(["check", "huge.phx"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^huge\.phx:1:1: error file-too-large: file is 10\.0 MB; spec files may be at most 4\.0 MB: split it into several \.phx files\n1 error, 0 warnings in 1 file$/);
  });

  it("reports a path that does not exist as a diagnostic naming it", async () => {
    const run = await runPhoenix(["check", "fixtures/no-such.phx"]);
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe("");
    expect(run.stdout).toMatch(/^fixtures\/no-such\.phx:1:1: error file-unreadable: .*no such file or directory/);
  });

  it("checks a directory as one spec tree: every file's errors, sorted, then the problems between files", async () => {
    const run = await runPhoenix(["check", "fixtures/bad"]);
    expect(run.exitCode).toBe(1);
    const lines = run.stdout.split("\n");
    const diagnostics = lines.slice(0, -1);
    for (const line of Object.values(expectedForBadFixtures).flat()) expect(diagnostics).toContain(line);
    // five files declare `component store`: the later four are duplicates of the first
    const duplicates = diagnostics.filter((line) => line.includes("error duplicate-name: component 'store' is defined twice"));
    expect(duplicates).toHaveLength(4);
    const files = diagnostics.map((line) => line.split(":")[0]!);
    expect(files).toEqual([...files].sort());
    expect(lines.at(-1)).toBe(`${diagnostics.length} errors, 0 warnings in ${Object.keys(expectedForBadFixtures).length} files`);
  });

  it("reports problems between files: the same component declared twice", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "specs"));
    await writeFile(join(dir, "specs", "a.phx"), 'system s {}\ncomponent store { owns "src/a/**" }\n');
    await writeFile(join(dir, "specs", "b.phx"), 'component store { owns "src/b/**" }\n');
    const run = await runPhoenix(["check"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^specs\/b\.phx:1:11: error duplicate-name: .*store.*specs\/a\.phx:2/m);
  });

  it("checks loose files one by one and a tree with a system block as a whole, finding the problems between files in both", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "loose"));
    await writeFile(join(dir, "loose", "a.phx"), 'component store { owns "src/a/**" depends_on ghost }\n');
    await writeFile(join(dir, "loose", "b.phx"), 'component store { owns "src/b/**" }\n');
    const loose = await runPhoenix(["check", "loose"], { cwd: dir });
    expect(loose.stdout.split("\n").map((l) => l.replace(/:.*error /, " "))).toEqual([
      "loose/b.phx duplicate-name: component 'store' is defined twice; the first is at loose/a.phx:1:11", "1 error, 0 warnings in 2 files",
    ]);
    await writeFile(join(dir, "loose", "system.phx"), "system s {}\n");
    const tree = await runPhoenix(["check", "loose"], { cwd: dir });
    expect(tree.exitCode).toBe(1);
    expect(tree.stdout).toMatch(/^loose\/b\.phx:1:11: error duplicate-name/m);
    expect(tree.stdout).toMatch(/^loose\/a\.phx:1:\d+: error unknown-component: .*ghost/m);
  });
});

describe("a zero or huge count or duration in a project", () => {
  /** An initialised project whose `timeout 60s` line is replaced by `options`. */
  async function projectWithCheckOptions(options: string, kind = 'run "npm test"'): Promise<string> {
    const dir = join(await tempDir(), "p");
    expect((await runPhoenix(["init", dir])).exitCode).toBe(0);
    const path = join(dir, "specs", "system.phx");
    const text = (await readFile(path, "utf8")).replace('run "npm test"', kind).replace("timeout 60s", options);
    await writeFile(path, text);
    return dir;
  }

  const cases: [string, string, string][] = [
    ["timeout 0s", 'run "npm test"', "19:13: error invalid-timeout: timeout must be longer than zero and at most 24h, not 0s"],
    ["timeout 0ms", 'run "npm test"', "19:13: error invalid-timeout: timeout must be longer than zero and at most 24h, not 0ms"],
    ["timeout 30d", 'run "npm test"', "19:13: error invalid-duration"],
    ["votes 0", 'judge "x"', "19:11: error invalid-count: `votes` must be an odd whole number from 1 to 99 (a majority must exist), not 0"],
    ["samples 0", 'probe "GET /"', "19:13: error invalid-count: `samples` must be a whole number from 1 to 10000, not 0"],
    ["samples 99999999999999999999999", 'probe "GET /"', "19:13: error invalid-count: `samples` must be a whole number from 1 to 10000, not 1e+23"],
    [`expect p95 < ${"9".repeat(400)}ms`, 'probe "GET /"', "19:18: error invalid-bound: `expect p95` takes a bound longer than zero and at most 24h"],
  ];
  it("is reported at its place by every command that loads the project, without a stack trace", async () => {
    const dir = await projectWithCheckOptions("timeout 0s");
    for (const command of ["check", "diff", "graph", "status"]) {
      const run = await runPhoenix([command], { cwd: dir });
      expect(run.exitCode, command).toBe(1);
      expect(`${run.stdout}\n${run.stderr}`, command).toContain(`specs/system.phx:${cases[0]![2]}`);
      expect(run.stderr, command).not.toMatch(/internal error|\n\s+at /);
    }
  });

  for (const [options, kind, expected] of cases.slice(1)) {
    it(`reports \`${options.slice(0, 40)}\` at its place`, async () => {
      const run = await runPhoenix(["check"], { cwd: await projectWithCheckOptions(options, kind) });
      expect(run.exitCode).toBe(1);
      expect(run.stdout).toContain(`specs/system.phx:${expected}`);
      expect(run.stderr).toBe("");
    });
  }
});

describe("phoenix check on good input", () => {
  for (const tree of ["specs", "fixtures/valid"]) {
    it(`accepts ${tree}/ without a diagnostic`, async () => {
      const run = await runPhoenix(["check", tree]);
      expect(run.stderr).toBe("");
      expect(run.stdout).toMatch(/^0 errors, 0 warnings in \d+ files?$/);
      expect(run.exitCode).toBe(0);
    });
  }

  it("checks the project's specs/ from a subdirectory when no PATH is given", async () => {
    const run = await runPhoenix(["check"], { cwd: join(process.cwd(), "system-under-construction") });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/^0 errors, 0 warnings in \d+ files$/);
  });
});

describe("phoenix check --format json", () => {
  it("prints the counts and every diagnostic with its span, for programs", async () => {
    const run = await runPhoenix(["check", "--format", "json", "fixtures/bad/unknown-keyword.phx"]);
    expect(run.exitCode).toBe(1);
    const report = JSON.parse(run.stdout) as { files: number; errors: number; warnings: number; diagnostics: unknown[] };
    expect(report).toMatchObject({ files: 1, errors: 1, warnings: 0 });
    expect(report.diagnostics).toEqual([
      expect.objectContaining({
        code: "unknown-keyword",
        severity: "error",
        message: "unknown keyword 'require' in component store (did you mean 'requirement'?)",
        span: expect.objectContaining({ file: "fixtures/bad/unknown-keyword.phx", line: 4, column: 3, endLine: 4, endColumn: 10 }),
      }),
    ]);
  });
});

describe("phoenix check usage errors", () => {
  it("exits 2 with a hint outside any project", async () => {
    const dir = await tempDir();
    const run = await runPhoenix(["check"], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("phoenix: no specs/ folder here or in any parent directory: give a PATH, or run `phoenix init`");
  });

  it("exits 2 naming the flag for an unknown --format", async () => {
    const run = await runPhoenix(["check", "--format", "xml"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("--format");
    expect(run.stderr).toContain("xml");
    expect(run.stderr).not.toMatch(/\n\s+at /);
  });
});
