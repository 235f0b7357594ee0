/**
 * `phoenix delta apply NAME`: folds a pending delta into the base spec files and archives it in
 * specs/deltas/applied/. The editing is compiler/delta-apply.ts; this module checks, proves and
 * writes. Nothing is written unless the project is error-free, the fold reads back as exactly
 * the old base with the delta folded in, and the desired state stays the same.
 */
import { existsSync } from "node:fs";
import { didYouMean, formatDiagnostic, type DeltaBlock } from "../../spec-lang/index.js";
import { archivePath, foldDelta, stalePins, verifyFold, type FileChange } from "../delta-apply.js";
import { shortHash } from "../hash.js";
import type { Project } from "../project.js";
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { absolute, holds, openProject, pendingDeltas, requireSound, writeAllOrNothing } from "./delta-shared.js";

const VERBS: Record<FileChange["kind"], string> = { create: "created", update: "updated", delete: "deleted" };

export async function run(context: CommandContext): Promise<number> {
  const [name = ""] = context.args;
  const { project, specsDir } = await openProject(context);
  const archive = archivePath(specsDir, name);
  const pending = pendingDeltas(project.files);
  if (!pending.some((d) => d.name.name === name)) {
    if (existsSync(absolute(archive, context.cwd))) throw new UserError(`delta '${name}' was already applied: it is in ${archive}`);
    const names = pending.map((d) => d.name.name);
    throw new UserError(`no pending delta named '${name}'${didYouMean(name, names)}; pending: ${names.join(", ") || "none"}`);
  }
  refuseStalePins(project, pending.find((d) => d.name.name === name)!, context);
  requireSound(project, context, `apply delta '${name}'`);
  if (existsSync(absolute(archive, context.cwd))) {
    throw new UserError(`cannot apply delta '${name}': ${archive} already exists (a delta of that name was applied before); rename the delta`);
  }

  const fold = foldDelta(project.files, name, { specsDir });
  if (fold.diagnostics.length > 0) {
    for (const d of fold.diagnostics) context.stdout.write(`${formatDiagnostic(d)}\n`);
    throw new UserError(`cannot apply delta '${name}' (see above); nothing was written`);
  }
  const problems = verifyFold(project.files, name, fold.changes, specsDir);
  const internal = problems.filter((p) => p.kind === "internal");
  if (internal.length > 0) {
    context.stderr.write([
      `phoenix: internal error: folding delta '${name}' would not give the desired state; nothing was written, please report it:`,
      ...internal.map((p) => `  ${p.message}`),
      "",
    ].join("\n"));
    return 1;
  }
  for (const p of problems) {
    for (const d of p.diagnostics ?? []) context.stdout.write(`${formatDiagnostic(d)}\n`);
    if (p.kind === "invalid") throw new UserError(`cannot apply delta '${name}': ${p.message} (above, in the folded text); change the delta so the folded specs are valid; nothing was written`);
    throw new UserError(`cannot apply delta '${name}' before the other pending deltas: ${p.message}; apply them in name order, or merge them; nothing was written`);
  }
  for (const change of fold.changes) {
    if (change.kind === "create" && existsSync(absolute(change.path, context.cwd))) {
      throw new UserError(`cannot apply delta '${name}': ${change.path} already exists; nothing was written`);
    }
  }

  const changes: FileChange[] = [];
  for (const change of fold.changes) {
    if (change.kind === "update" && (await holds(absolute(change.path, context.cwd), change.text))) continue;
    changes.push(change);
  }
  await writeAllOrNothing(changes.map((c) => ({ path: absolute(c.path, context.cwd), text: c.kind === "delete" ? undefined : c.text })), context.cwd);
  const lines = changes.map((c) => `${VERBS[c.kind]} ${c.path}`);
  for (const r of fold.rebased) lines.push(`rebased delta '${r.delta}': its base for ${r.component} is now ${shortHash(r.to)} (was ${shortHash(r.from)})`);
  lines.push(`applied delta '${name}' (${fold.components.join(", ") || "no components"}); archived as ${archive}`);
  context.stdout.write(`${lines.join("\n")}\n`);
  return 0;
}

/** A delta pinned to a spec that has changed since: refused with both hashes, before anything else. */
function refuseStalePins(project: Project, delta: DeltaBlock, context: CommandContext): void {
  const stale = project.base ? stalePins(project.base, delta)[0] : undefined;
  if (!stale) return;
  for (const d of project.diagnostics.filter((x) => x.severity === "error")) context.stdout.write(`${formatDiagnostic(d)}\n`);
  throw new UserError(`cannot apply delta '${delta.name.name}': it was written against ${stale.component} at ${stale.pinned}, `
    + `but ${stale.component} now hashes to ${stale.actual}; review the delta against the current spec and update its base; nothing was written`);
}
