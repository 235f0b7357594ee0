/** What every CLI command receives and may throw. */
import type { Writable } from "node:stream";

/** The world a command runs in: its arguments and where its output goes. */
export interface CommandContext {
  /** Positional arguments, as declared by the command. */
  args: string[];
  /** Parsed options (commander's camelCase names). */
  options: Record<string, unknown>;
  /** Directory the command was started from. */
  cwd: string;
  stdout: Writable;
  stderr: Writable;
}

/** A command module: runs and returns its exit code (0 success, 1 failure with reasons). */
export interface CommandModule {
  run(context: CommandContext): Promise<number>;
}

/** A mistake in how phoenix was called (a bad flag value, a missing argument): exit 2. */
export class UsageError extends Error {
  override readonly name = "UsageError";
}

/** A failure the user can act on (a file that cannot be written, a refused overwrite): exit 1, no stack. */
export class UserError extends Error {
  override readonly name = "UserError";
}
