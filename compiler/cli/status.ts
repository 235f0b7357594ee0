/** `phoenix status [--json]`: the andon board, one line per component. Reads only. */
import type { CommandContext } from "./command.js";
import { projectDir } from "./check.js";
import { reportDiagnostics } from "./report.js";
import { lastBuilds, readJournal } from "../build/journal.js";
import { observedInputs, observeProject } from "../observe.js";
import { planKeeper } from "../memo/plan-memo.js";
import { formatStatus, statusRows } from "../status-board.js";

export async function run(context: CommandContext): Promise<number> {
  const dir = projectDir(context.cwd);
  const seen = await observeProject(dir, context.cwd);
  // kept for the next diff to start from (memo/plan-memo.ts)
  context.reportInputs?.({ ...observedInputs(dir, seen.project), keep: planKeeper(dir, context.cwd, seen) });
  if (!seen.ok) {
    reportDiagnostics(seen.diagnostics, seen.project.files.length, context.options["json"] === true ? "json" : "text", context.stdout);
    return 1;
  }
  const rows = statusRows(seen.plan, seen.project.desired, seen.lock, lastBuilds((await readJournal(seen.project.dir)).entries));
  const serial = seen.lockExists ? seen.lock.serial : undefined;
  if (context.options["json"] === true) context.stdout.write(`${JSON.stringify({ schema: "phoenix.status/1", system: seen.project.desired.system.name, lockSerial: serial ?? null, components: rows }, null, 2)}\n`);
  else context.stdout.write(formatStatus(rows, seen.project.desired.system.name, serial));
  // andon: a board with a failure on it is not a success
  return rows.some((r) => r.status === "failed" || r.status === "drifted" || r.status === "needs-human") ? 1 : 0;
}
