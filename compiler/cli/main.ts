#!/usr/bin/env node
/**
 * The `phoenix` executable. A remembered answer (memoized.ts) is given before anything else
 * loads; every other command line goes to the command line parser (program.ts).
 */
import { replayAnswer } from "./memoized.js";

const remembered = replayAnswer(process.argv.slice(2), process.cwd());
if (remembered) {
  process.stdout.write(remembered.stdout);
  process.exitCode = remembered.exitCode;
} else {
  const { main } = await import("./program.js");
  process.exitCode = await main(process.argv);
}
