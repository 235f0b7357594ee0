/**
 * `phoenix diff` output, like `terraform plan`: one line per component that differs, with its
 * symbol and named reasons, the requirement-level changes under it, then a one-line summary.
 * And the same plan as JSON, in a stable, documented schema (docs/diff-json.md). Pure.
 */
import { shortHash } from "./hash.js";
import type { ComponentPlan, Plan } from "./plan.js";
import type { SpecChange } from "./spec-changes.js";

/** What the header says about the two sides. */
export interface DiffContext {
  deltas: readonly string[];
  /** The lock's serial, or undefined when there is no phoenix.lock yet. */
  lockSerial?: number;
  explain: boolean;
}

/** `+` to build for the first time, `-` to remove, `!` drifted, `~` stale. */
export function symbolOf(c: ComponentPlan): string {
  if (c.action === "add") return "+";
  if (c.action === "remove") return "-";
  return c.drift.length > 0 ? "!" : "~";
}

export function formatDiff(plan: Plan, context: DiffContext): string {
  const changed = plan.components.filter((c) => c.action !== "none");
  const lines = [header(context), ""];
  if (changed.length === 0) lines.push("No differences: the code is what the specs ask for, as far as phoenix.lock and the files on disk show.");
  for (const c of changed) lines.push(...componentLines(c, context.explain), "");
  lines.push(summaryLine(plan));
  return `${lines.join("\n")}\n`;
}

function header(context: DiffContext): string {
  const desired = context.deltas.length === 0 ? "the specs" : `the specs + ${context.deltas.length} delta${context.deltas.length === 1 ? "" : "s"} (${context.deltas.join(", ")})`;
  const current = context.lockSerial === undefined ? "nothing built yet (no phoenix.lock)" : `phoenix.lock serial ${context.lockSerial} and the files on disk`;
  return `Desired: ${desired}\nCurrent: ${current}`;
}

function componentLines(c: ComponentPlan, explain: boolean): string[] {
  const reasons = c.reasons.map((r) => r.code).join(", ");
  const lines = [`${symbolOf(c)} ${c.name}  (${reasons})`];
  for (const r of c.reasons) {
    lines.push(`    why: ${r.code}: ${r.detail}`);
    if (explain && (r.recorded !== undefined || r.current !== undefined)) {
      lines.push(`         recorded ${show(r.recorded)}`, `         current  ${show(r.current)}`);
    }
  }
  if (explain && c.inputHash) lines.push(`    input hash ${c.inputHash}`);
  lines.push(...c.changes.flatMap(changeLines));
  for (const d of c.drift) lines.push(`    ${driftSymbol[d.change]} file ${d.path}  (${d.change} outside phoenix)`);
  return lines;
}

const driftSymbol = { modified: "~", added: "+", deleted: "-" } as const;

/** `- WEB-2 MUST "…green…"` then `+ WEB-2 MUST "…blue…"` for a change; one line for an addition or removal. */
function changeLines(change: SpecChange): string[] {
  const line = (sign: string, text: string | undefined) => `    ${sign} ${describe(change, text)}`;
  if (change.change === "added") return [line("+", change.after)];
  if (change.change === "removed") return [line("-", change.before)];
  return [line("-", change.before), line("+", change.after)];
}

/** `WEB-2 MUST "..."`, `check unit run "..."`, `dependency store`, `owns "src/**"`, `description "..."`. */
function describe(change: SpecChange, text: string | undefined): string {
  switch (change.subject) {
    case "requirement":
      return `${change.name} ${text}`;
    case "dependency":
      return `dependency ${change.name}`;
    case "owns":
    case "interface":
    case "description":
      return `${change.subject} ${text}`;
    default:
      return `${change.subject} ${change.name} ${text}`;
  }
}

function summaryLine(plan: Plan): string {
  const { add, rebuild, remove, none, drifted } = plan.summary;
  return `Plan: ${add} to build new, ${rebuild} to rebuild, ${remove} to remove, ${none} unchanged; ${drifted} drifted.`;
}

function show(hash: string | null | undefined): string {
  if (hash === undefined || hash === null) return "(none)";
  return hash.startsWith("sha256:") ? shortHash(hash) + "…" : hash;
}

/** The `--json` schema, version 1. Field meanings are in docs/diff-json.md; add fields, never rename. */
export function diffJson(plan: Plan, context: DiffContext) {
  return {
    schema: "phoenix.diff/1",
    deltas: [...context.deltas],
    lockSerial: context.lockSerial ?? null,
    components: plan.components.filter((c) => c.action !== "none").map((c) => ({
      name: c.name,
      symbol: symbolOf(c),
      action: c.action,
      reasons: c.reasons.map((r) => ({ code: r.code, detail: r.detail, recorded: r.recorded ?? null, current: r.current ?? null })),
      deltas: c.deltas,
      changes: c.changes.map((x) => ({ subject: x.subject, name: x.name, change: x.change, before: x.before ?? null, after: x.after ?? null })),
      drift: c.drift.map((d) => ({ path: d.path, change: d.change, expected: d.expected ?? null, actual: d.actual ?? null })),
      inputHash: c.inputHash ?? null,
    })),
    summary: plan.summary,
  };
}
