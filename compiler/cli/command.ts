/** What every CLI command receives and may throw. */
import type { Writable } from "node:stream";
import type { Witness } from "../memo/witness.js";

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
  /**
   * Set when the answer may be remembered (memoized.ts): a command calls it with everything it
   * read, relative to the project, and its output is replayed while none of that changes.
   */
  reportInputs?: (inputs: CommandInputs) => void;
  /**
   * Set with reportInputs when a remembered answer was asked for and missed: the current stamps
   * of what it was made from, which the plan memo (memo/plan-memo.ts) starts from.
   */
  stampsSeen?: ReadonlyMap<string, string>;
}

/** What a command's answer was made from: folders read whole (recursively) and single files, present or not. */
export interface CommandInputs {
  trees: readonly string[];
  files: readonly string[];
  /** Their stamps, when the command has them already (from the plan memo): they are not walked again. */
  witness?: Witness;
  /** Something to keep beside the answer, with the same witness (the plan memo). */
  keep?: (witness: Witness) => void;
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
