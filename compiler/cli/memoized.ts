/**
 * Read-only commands whose answer is remembered (compiler/memo/). main.ts asks replayAnswer
 * first, before it loads the command line parser or any command: a remembered answer costs
 * node's start and the stats of its witnesses. On a miss the command runs as always, and its
 * output is kept with the inputs it reports.
 */
import { Writable } from "node:stream";
import { isFollowableEdit } from "../memo/edits.js";
import { beginMemo, finishMemo, replay, type MemoKey, type ReplayTrail } from "../memo/memo.js";
import { findProjectRoot } from "../project-root.js";
import type { CommandContext, CommandInputs, CommandModule } from "./command.js";

/** The commands whose answers are remembered. */
const REMEMBERED = new Set(["status", "diff"]);

export function isRemembered(command: string): boolean {
  return REMEMBERED.has(command);
}
/** Asked of the command line parser, never remembered. */
const PARSER_FLAGS = new Set(["-h", "--help", "-v", "--version"]);

/** The command line after `phoenix`, as the key of its answer. */
function keyOf(argv: readonly string[], cwd: string): MemoKey | undefined {
  const [command] = argv;
  if (!command || !REMEMBERED.has(command) || argv.some((a) => PARSER_FLAGS.has(a))) return undefined;
  if (process.env["PHOENIX_MEMO"] === "off") return undefined;
  return { command, argv, cwd };
}

/**
 * The stamps the last replay took on a miss: the plan memo starts from them instead of walking
 * the project again. One process answers one command line, so one trail is enough.
 */
let trail: ReplayTrail | undefined;

/** The remembered answer to this command line, when every input it was made from is unchanged. */
export function replayAnswer(argv: readonly string[], cwd: string): { stdout: string; exitCode: number } | undefined {
  const key = keyOf(argv, cwd);
  const projectDir = key && findProjectRoot(cwd);
  if (!projectDir) return undefined;
  trail = { seen: new Map(), keepLooking: isFollowableEdit };
  try {
    return replay(projectDir, key!, trail);
  } catch {
    trail = undefined;
    return undefined; // a path that cannot be statted now (permissions): the command finds out why
  }
}

/** `load`'s command, its answer kept for replayAnswer. */
export function memoized(load: () => Promise<CommandModule>): () => Promise<CommandModule> {
  return async () => ({ run: (context) => runAndRemember(context, load) });
}

async function runAndRemember(context: CommandContext, load: () => Promise<CommandModule>): Promise<number> {
  const key = keyOf(process.argv.slice(2), context.cwd);
  const projectDir = key && findProjectRoot(context.cwd);
  const pending = projectDir ? beginMemo(projectDir, key!.command) : undefined;
  if (!pending) return (await load()).run(context);
  const output: string[] = [];
  const stdout = new Writable({
    write(chunk: Buffer | string, _encoding, done) {
      output.push(String(chunk));
      context.stdout.write(chunk);
      done();
    },
  });
  let inputs: CommandInputs | undefined;
  const exitCode = await (await load()).run({ ...context, stdout, reportInputs: (read) => (inputs = read), stampsSeen: trail?.seen ?? new Map() });
  // an answer whose inputs the command did not name is not remembered
  finishMemo(projectDir!, pending, key!, inputs, { stdout: output.join(""), exitCode });
  return exitCode;
}
