/**
 * The command line: built from the command table with commander, each command run and its
 * outcome mapped to an exit code (0 success, 1 failure with reasons, 2 usage error).
 */
import { readFileSync } from "node:fs";
import { Command, CommanderError, Option } from "commander";
import { commandGroups, commands, type CommandSpec } from "./commands.js";
import { UsageError, UserError } from "./command.js";
import { isRemembered, memoized } from "./memoized.js";

const packageJson = JSON.parse(readFileSync(new URL("../../../package.json", import.meta.url), "utf8")) as { version: string };

function buildProgram(setExitCode: (code: number) => void): Command {
  const program = new Command("phoenix")
    .description("make for software written by AI agents: specs in, verified code out")
    .version(packageJson.version, "-v, --version", "print phoenix's version")
    .helpOption("-h, --help", "show help")
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`phoenix: ${text.replace(/^error: /, "")}`) });
  for (const spec of commands) addCommand(program, spec, setExitCode);
  return program;
}

function addCommand(program: Command, spec: CommandSpec, setExitCode: (code: number) => void): void {
  const [group, name] = spec.name.includes(" ") ? spec.name.split(" ") as [string, string] : [undefined, spec.name];
  const parent = group ? groupCommand(program, group) : program;
  const command = parent.command(spec.args ? `${name} ${spec.args}` : name).description(spec.summary);
  for (const o of spec.options ?? []) {
    const option = new Option(o.flags, o.description);
    if (o.default !== undefined) option.default(o.default);
    if (o.choices) option.choices(o.choices);
    command.addOption(option);
  }
  command.exitOverride().action(async (...params: unknown[]) => {
    const cmd = params[params.length - 1] as Command;
    const args = params.slice(0, -2).flatMap((a) => (a === undefined ? [] : Array.isArray(a) ? a.map(String) : [String(a)]));
    const module = await (isRemembered(spec.name) ? memoized(spec.load) : spec.load)();
    setExitCode(await module.run({ args, options: cmd.opts(), cwd: process.cwd(), stdout: process.stdout, stderr: process.stderr }));
  });
}

/** The parent of a group of subcommands (`phoenix delta`), made on first use. */
function groupCommand(program: Command, group: string): Command {
  const existing = program.commands.find((c) => c.name() === group);
  if (existing) return existing;
  return program.command(group).description(commandGroups[group] ?? "").helpOption("-h, --help", "show help").exitOverride()
    .showSuggestionAfterError(true);
}

export async function main(argv: string[]): Promise<number> {
  let exitCode = 0;
  const program = buildProgram((code) => (exitCode = code));
  try {
    await program.parseAsync(argv);
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // help and version exit 0; every other commander complaint is a usage error
      return error.exitCode === 0 ? 0 : 2;
    }
    if (error instanceof UsageError) {
      process.stderr.write(`phoenix: ${error.message}\n`);
      return 2;
    }
    if (error instanceof UserError) {
      process.stderr.write(`phoenix: ${error.message}\n`);
      return 1;
    }
    process.stderr.write(`phoenix: internal error, please report it:\n${(error as Error).stack ?? String(error)}\n`);
    return 1;
  }
}
