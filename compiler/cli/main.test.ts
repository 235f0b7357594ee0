import { describe, expect, it } from "vitest";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { repoRoot, runPhoenix } from "../../fixtures/run-phoenix.js";
import { commandGroups, commands } from "./commands.js";

describe("the phoenix executable", () => {
  it("lists every declared command with its one-line summary in --help", async () => {
    const help = await runPhoenix(["--help"]);
    expect(help.exitCode).toBe(0);
    const flat = help.stdout.replace(/\s+/g, " ");
    for (const command of commands.filter((c) => !c.name.includes(" "))) {
      expect(flat).toContain(` ${command.name} `);
      expect(flat).toContain(command.summary);
    }
    for (const [group, summary] of Object.entries(commandGroups)) expect(flat).toContain(` ${group} ${summary}`);
  });

  it("lists each group's subcommands in the group's --help", async () => {
    for (const [group] of Object.entries(commandGroups)) {
      const help = await runPhoenix([group, "--help"]);
      expect(help.exitCode).toBe(0);
      const flat = help.stdout.replace(/\s+/g, " ");
      for (const command of commands.filter((c) => c.name.startsWith(`${group} `))) {
        expect(flat).toContain(` ${command.name.split(" ")[1]} `);
        expect(flat).toContain(command.summary);
      }
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
    expect(source).not.toMatch(/^import (?!type).* from "\.\/[\w-]+\.js"/m);
    // one dynamic import per command, in its load function
    expect(source.match(/import\("\.\/[\w-]+\.js"\)/g)?.length).toBe(commands.length);
  });
});
