/**
 * `phoenix delta list`: the pending deltas (under specs/, not in specs/deltas/applied/), by name:
 * summary, file, the components each changes, and whether it can be applied as it is (ok), or is
 * in conflict with another delta (conflict), pinned to a spec that has changed since
 * (base-mismatch) or wrong in another way (error), with the diagnostics that say why.
 */
import { formatDiagnostic, type DeltaBlock, type Diagnostic } from "../../spec-lang/index.js";
import { applyDeltas } from "../deltas.js";
import type { Ir } from "../ir.js";
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { openProject, pendingDeltas } from "./delta-shared.js";
import { plural } from "./report.js";

export async function run(context: CommandContext): Promise<number> {
  const { project, specsDir } = await openProject(context);
  const base = project.base;
  if (!base) {
    for (const d of project.diagnostics.filter((x) => x.severity === "error")) context.stdout.write(`${formatDiagnostic(d)}\n`);
    throw new UserError("cannot list deltas: the specs have no base state (see above)");
  }
  const deltas = pendingDeltas(project.files).sort((a, b) => (a.name.name < b.name.name ? -1 : a.name.name > b.name.name ? 1 : 0));
  if (deltas.length === 0) {
    context.stdout.write(`no pending deltas under ${specsDir}/\n`);
    return 0;
  }
  const lines: string[] = [];
  let ok = 0;
  for (const delta of deltas) {
    const { statuses, diagnostics } = statusOf(delta, deltas, base, project.diagnostics);
    if (statuses.length === 0) ok++;
    lines.push(
      `${delta.name.name}: ${delta.summary.value}`,
      `  file: ${delta.name.span.file}:${delta.name.span.line}`,
      `  changes: ${describeChanges(delta)}`,
      `  status: ${statuses.join(", ") || "ok"}`,
      ...diagnostics.map((d) => `    ${formatDiagnostic(d)}`),
    );
  }
  const notOk = deltas.length - ok;
  lines.push(`${plural(deltas.length, "pending delta")}: ${ok} ok${notOk > 0 ? `, ${notOk} not ok` : ""}`);
  context.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

/** `web (modify), audit (add), legacy (remove)`. */
function describeChanges(delta: DeltaBlock): string {
  const parts = delta.items.flatMap((item) => {
    if (item.kind === "modify") return [`${item.component.name} (modify)`];
    if (item.kind === "add") return [`${item.component.name} (add)`];
    if (item.kind === "remove" && item.target === "component") return [`${item.name.name} (remove)`];
    return [];
  });
  return parts.join(", ") || "nothing";
}

/**
 * What stands in the way of applying `delta`: its own problems against the base (a stale pin,
 * unknown targets), conflicts with each other pending delta, and errors inside its block.
 */
function statusOf(delta: DeltaBlock, all: readonly DeltaBlock[], base: Ir, projectDiagnostics: readonly Diagnostic[]) {
  const own = applyDeltas(base, [delta]).diagnostics.filter((d) => d.severity === "error");
  const conflicts = all.filter((other) => other !== delta)
    .flatMap((other) => applyDeltas(base, [delta, other]).diagnostics.filter((d) => d.code === "delta-conflict"));
  const inside = projectDiagnostics.filter((d) => d.severity === "error" && d.span.file === delta.span.file
    && d.span.offset >= delta.span.offset && d.span.offset < delta.span.end);
  const diagnostics = unique([...own, ...conflicts, ...inside]);
  const statuses: string[] = [];
  if (conflicts.length > 0) statuses.push("conflict");
  if (own.some((d) => d.code === "delta-base-mismatch")) statuses.push("base-mismatch");
  if (diagnostics.some((d) => d.code !== "delta-conflict" && d.code !== "delta-base-mismatch")) statuses.push("error");
  return { statuses, diagnostics };
}

function unique(diagnostics: readonly Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return diagnostics.filter((d) => {
    const key = formatDiagnostic(d);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  }).sort((a, b) => (a.span.file < b.span.file ? -1 : a.span.file > b.span.file ? 1 : a.span.offset - b.span.offset));
}
