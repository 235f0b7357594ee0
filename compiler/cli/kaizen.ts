/**
 * `phoenix report [--since DATE] [--json] [--html FILE] [--prices IN,OUT]`: kaizen from the
 * journal. Per component and overall: first-pass yield, attempts, lead time, failing checks,
 * refusals, questions, human overrides, tokens and cost; and trust recommendations.
 */
import { join } from "node:path";
import type { CommandContext } from "./command.js";
import { UsageError } from "./command.js";
import { projectDir } from "./check.js";
import { writeFileAtomic } from "../atomic-write.js";
import { readJournal } from "../build/journal.js";
import { computeReport } from "../kaizen/metrics.js";
import { formatReport, reportHtml, type GraphNode } from "../kaizen/present.js";
import { lastBuilds } from "../build/journal.js";
import { observeProject } from "../observe.js";
import { displayPath } from "../spec-files.js";
import { statusRows } from "../status-board.js";

export async function run(context: CommandContext): Promise<number> {
  const dir = projectDir(context.cwd);
  const since = sinceFlag(context.options["since"]);
  const prices = pricesFlag(context.options["prices"]);
  const journal = await readJournal(dir);
  const seen = await observeProject(dir, context.cwd);
  const ir = seen.ok ? seen.project.desired : undefined;
  const autonomy = ir ? Object.fromEntries(ir.components.map((c) => [c.name, c.autonomy])) : undefined;
  const report = computeReport(journal.entries, journal.events, { ...(since && { since }), ...(autonomy && { autonomy }), ...(prices && { prices }) });
  const system = ir?.system.name ?? "(specs with errors)";
  if (typeof context.options["html"] === "string") {
    const rows = seen.ok ? statusRows(seen.plan, seen.project.desired, seen.lock, lastBuilds(journal.entries)) : [];
    const graph: GraphNode[] = (ir?.components ?? []).map((c) => ({ name: c.name, dependsOn: c.dependsOn.map((d) => d.value), state: rows.find((r) => r.name === c.name)?.status ?? "stale" }));
    const file = join(context.cwd, context.options["html"]);
    await writeFileAtomic(file, reportHtml(report, system, graph));
    context.stdout.write(`wrote ${displayPath(file, context.cwd)}\n`);
  }
  if (context.options["json"] === true) context.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  else if (typeof context.options["html"] !== "string") context.stdout.write(formatReport(report, system));
  if (journal.skipped > 0) context.stderr.write(`phoenix: warning: ${journal.skipped} journal line${journal.skipped === 1 ? " was" : "s were"} torn or not understood, and left out\n`);
  return 0;
}

function sinceFlag(value: unknown): string | undefined {
  if (value === undefined) return undefined;
  const text = String(value);
  if (Number.isNaN(Date.parse(text))) throw new UsageError(`--since must be a date (YYYY-MM-DD) or a time (ISO 8601), not '${text}'`);
  return text;
}

function pricesFlag(value: unknown): { input: number; output: number } | undefined {
  if (value === undefined) return undefined;
  const parts = String(value).split(",").map(Number);
  if (parts.length !== 2 || parts.some((n) => !Number.isFinite(n) || n < 0)) {
    throw new UsageError(`--prices must be two numbers, dollars per million input and output tokens, as IN,OUT (e.g. 3,15), not '${String(value)}'`);
  }
  return { input: parts[0]!, output: parts[1]! };
}
