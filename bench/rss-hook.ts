/**
 * Loaded into each measured phoenix process (`node --import`): at exit it writes the process's
 * peak resident set size, in kilobytes, to the file PHOENIX_BENCH_RSS names.
 */
import { writeFileSync } from "node:fs";

const file = process.env["PHOENIX_BENCH_RSS"];
if (file) process.on("exit", () => writeFileSync(file, String(process.resourceUsage().maxRSS)));
