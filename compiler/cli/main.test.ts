import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, runPhoenix } from "../../fixtures/run-phoenix.js";
import { commands } from "./commands.js";

describe("the phoenix executable", () => {
  it("lists every declared command with its one-line summary in --help", async () => {
    const help = await runPhoenix(["--help"]);
    expect(help.exitCode).toBe(0);
    const flat = help.stdout.replace(/\s+/g, " ");
    for (const command of commands) {
      expect(flat).toContain(` ${command.name} `);
      expect(flat).toContain(command.summary);
    }
  });

  it("prints the package version", async () => {
    const { version } = JSON.parse(await readFile(join(repoRoot, "package.json"), "utf8")) as { version: string };
    const run = await runPhoenix(["--version"]);
    expect(run.exitCode).toBe(0);
    expect(run.stdout.trim()).toBe(version);
  });

  it("treats an unknown command as a usage error (exit 2) with a suggestion", async () => {
    const run = await runPhoenix(["chek"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("unknown command 'chek'");
    expect(run.stderr).toContain("check");
  });

  it("treats an unknown flag as a usage error naming the flag", async () => {
    const run = await runPhoenix(["check", "--colour"]);
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("--colour");
  });

  it("loads each command's code only when that command runs", async () => {
    const source = await readFile(join(repoRoot, "compiler/cli/commands.ts"), "utf8");
    expect(source).not.toMatch(/^import (?!type).* from "\.\/(check|fmt|init|demo)\.js"/m);
    expect(source.match(/load: \(\) => import\(/g)?.length).toBe(commands.length);
  });
});
