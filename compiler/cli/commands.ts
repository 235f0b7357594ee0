/**
 * Every phoenix command, declared in one place. Modules load only when their command runs, so
 * `phoenix --help` and fast commands never pay for heavy dependencies.
 */
import type { CommandModule } from "./command.js";

/** An option as commander declares it. */
export interface OptionSpec {
  flags: string;
  description: string;
  default?: string | boolean;
  /** Allowed values; anything else is a usage error naming the flag. */
  choices?: readonly string[];
}

/** One command: how it is called, what it does in a line, and where its code lives. */
export interface CommandSpec {
  name: string;
  /** Positional arguments in commander syntax, e.g. "[PATH]". */
  args?: string;
  summary: string;
  options?: readonly OptionSpec[];
  load: () => Promise<CommandModule>;
}

const formatOption: OptionSpec = { flags: "--format <format>", description: "output format", default: "text", choices: ["text", "json"] };

/** The command table, in the order `phoenix --help` lists it. */
export const commands: readonly CommandSpec[] = [
  {
    name: "init",
    args: "[DIR]",
    summary: "scaffold a new phoenix project (specs, system-under-construction, project-container)",
    options: [{ flags: "--name <name>", description: "system name (default: the directory's name)" }],
    load: () => import("./init.js"),
  },
  {
    name: "check",
    args: "[PATH...]",
    summary: "parse and validate .phx spec files (default: the project's specs/)",
    options: [formatOption],
    load: () => import("./check.js"),
  },
  {
    name: "fmt",
    args: "[PATH...]",
    summary: "rewrite .phx files in canonical layout (--check: only report files that differ)",
    options: [{ flags: "--check", description: "change nothing; exit 1 if any file is not formatted" }],
    load: () => import("./fmt.js"),
  },
  {
    name: "demo",
    summary: "run the offline demo on a copy of the example system (no agent credentials needed)",
    load: () => import("./demo.js"),
  },
];
