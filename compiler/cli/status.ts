/** `phoenix status [--json]`: the andon board, one line per component. Reads only. */
import type { CommandContext } from "./command.js";
import { projectDir } from "./check.js";
import { reportDiagnostics } from "./report.js";
import { planKeeper, replan } from "../memo/plan-memo.js";
import { formatStatus, statusRows, type StatusRow } from "../status-board.js";

export async function run(context: CommandContext): Promise<number> {
  const dir = projectDir(context.cwd);
  // after small edits, the last full look's board with the rows they touch redone (memo/plan-memo.ts)
  const replanned = context.stampsSeen ? replan(dir, context.cwd, context.stampsSeen) : undefined;
  if (replanned?.rows) {
    context.reportInputs?.({ trees: [], files: [], witness: replanned.witness, keep: replanned.keep });
    return show(context, replanned.rows, replanned.system, replanned.lockSerial);
  }
  return lookInFull(context, dir);
}

/** Specs, phoenix.lock, owned files and the journal read whole; loaded only when the plan memo cannot answer. */
async function lookInFull(context: CommandContext, dir: string): Promise<number> {
  const { observedInputs, observeProject } = await import("../observe.js");
  const { lastBuilds, readJournal } = await import("../build/journal.js");
  const seen = await observeProject(dir, context.cwd);
  if (!seen.ok) {
    context.reportInputs?.(observedInputs(dir, seen.project));
    reportDiagnostics(seen.diagnostics, seen.project.files.length, context.options["json"] === true ? "json" : "text", context.stdout);
    return 1;
  }
  const builds = lastBuilds((await readJournal(seen.project.dir)).entries);
  // kept, board and all, for the next status or diff to start from
  context.reportInputs?.({ ...observedInputs(dir, seen.project), keep: planKeeper(dir, context.cwd, seen, builds) });
  const rows = statusRows(seen.plan, seen.project.desired, seen.lock, builds);
  return show(context, rows, seen.project.desired.system.name, seen.lockExists ? seen.lock.serial : undefined);
}

function show(context: CommandContext, rows: readonly StatusRow[], system: string, serial: number | undefined): number {
  if (context.options["json"] === true) context.stdout.write(`${JSON.stringify({ schema: "phoenix.status/1", system, lockSerial: serial ?? null, components: rows }, null, 2)}\n`);
  else context.stdout.write(formatStatus(rows, system, serial));
  // andon: a board with a failure on it is not a success
  return rows.some((r) => r.status === "failed" || r.status === "drifted" || r.status === "needs-human") ? 1 : 0;
}
