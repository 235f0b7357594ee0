/**
 * `phoenix adopt NODE --reason "..." [--kind waiver|temporary-patch|promote-to-requirement]
 * [--expires YYYY-MM-DD]`: a person accepts a hand edit of a component's files into the current
 * state, as a recorded human override. A waiver keeps it; a temporary patch keeps it until a day,
 * then the component is stale again; promote-to-requirement also writes the reason into the spec
 * as a requirement, so the next build makes the edit part of what the component must do.
 */
import { join } from "node:path";
import type { CommandContext } from "./command.js";
import { UsageError, UserError } from "./command.js";
import { projectDir } from "./check.js";
import { checkTargets } from "./targets.js";
import { reportDiagnostics } from "./report.js";
import { describeInterface } from "../../generators/interface.js";
import { appendJournal } from "../build/journal.js";
import { scanOwnedFiles } from "../drift/index.js";
import { addItemToComponent, requirementLine } from "../humans/spec-edit.js";
import { personName } from "../humans/person.js";
import type { Component } from "../ir.js";
import { readLock, withWriterLock, writeLock, type Adoption } from "../lock/index.js";
import { observeProject } from "../observe.js";
import { outputHash } from "../record.js";
import { displayPath } from "../spec-files.js";

const KINDS = ["waiver", "temporary-patch", "promote-to-requirement"] as const;

export async function run(context: CommandContext): Promise<number> {
  const [node] = context.args as [string];
  const { reason, kind, expires } = adoptionFlags(context.options);
  const dir = projectDir(context.cwd);
  return withWriterLock(dir, async () => {
    const seen = await observeProject(dir, context.cwd);
    if (!seen.ok) {
      reportDiagnostics(seen.diagnostics, seen.project.files.length, "text", context.stdout);
      return 1;
    }
    const desired = seen.project.desired;
    checkTargets([node], desired);
    const { lock } = await readLock(dir, { cwd: context.cwd });
    const built = lock.components[node];
    const drift = seen.plan.components.find((c) => c.name === node)!.drift;
    if (!built) throw new UserError(`${node} has not been built yet: there is no current state to adopt a hand edit into; run \`phoenix build ${node}\``);
    if (drift.length === 0) throw new UserError(`${node} has no hand edits to adopt: its files are as phoenix built them`);
    const component = desired.components.find((c) => c.name === node)!;
    const root = join(dir, desired.system.root);
    const outputs = Object.fromEntries((await scanOwnedFiles(dir, desired, { cache: false })).files.get(node) ?? []);
    const by = await personName(context.options["by"], dir);
    const adoption: Adoption = { kind, reason, by, at: new Date().toISOString(), ...(expires && { expires }) };
    const described = component.interface ? await describeInterface(root, component.interface, { cacheDir: join(dir, ".phoenix") }) : null;
    const state = { ...built, outputs, outputHash: outputHash(outputs), interfaceHash: described?.hash ?? null, approvals: [], adoption };
    await writeLock(dir, { ...lock, components: { ...lock.components, [node]: state } });
    await appendJournal(dir, { v: 1, event: "adopt", at: adoption.at, node, by, kind, reason });
    context.stdout.write(`adopted ${drift.length} hand-edited file${drift.length === 1 ? "" : "s"} of ${node} as a ${kind} (${drift.map((d) => `${d.change} ${d.path}`).join(", ")})\n`);
    if (kind === "temporary-patch") context.stdout.write(`it expires after ${expires}: then ${node} is stale (patch-expired) and gets rebuilt\n`);
    if (kind === "promote-to-requirement") {
      const id = nextRequirementId(component);
      const path = await addItemToComponent(dir, node, requirementLine(id, reason));
      context.stdout.write(`${displayPath(path, context.cwd)}: added requirement ${id} MUST "${reason}"; ${node} is stale (spec-changed) and its next build must meet it\n`);
    }
    return 0;
  }, { onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`) });
}

function adoptionFlags(options: Record<string, unknown>): { reason: string; kind: Adoption["kind"]; expires?: string } {
  const reason = typeof options["reason"] === "string" ? options["reason"].trim() : "";
  if (reason === "") throw new UsageError("--reason is required: say why this hand edit is kept");
  const kind = (options["kind"] ?? "waiver") as Adoption["kind"];
  if (!KINDS.includes(kind)) throw new UsageError(`--kind must be one of ${KINDS.join(", ")}, not '${String(kind)}'`);
  const expires = typeof options["expires"] === "string" ? options["expires"] : undefined;
  if (kind === "temporary-patch" && expires === undefined) throw new UsageError("--kind temporary-patch needs --expires YYYY-MM-DD: the day after which the patch no longer holds");
  if (kind !== "temporary-patch" && expires !== undefined) throw new UsageError(`--expires is for --kind temporary-patch only, not ${kind}`);
  if (expires !== undefined && !isDate(expires)) throw new UsageError(`--expires must be a date as YYYY-MM-DD, not '${expires}'`);
  return { reason, kind, ...(expires && { expires }) };
}

function isDate(text: string): boolean {
  return /^\d{4}-\d{2}-\d{2}$/.test(text) && new Date(`${text}T00:00:00Z`).toISOString().startsWith(text);
}

/** `WEB-4` after WEB-1..3: the prefix its requirements use (else the name in capitals), the next free number. */
function nextRequirementId(component: Component): string {
  const prefix = /^(.*)-\d+$/.exec(component.requirements[0]?.id ?? "")?.[1] ?? component.name.toUpperCase().replace(/[^A-Z0-9_]/g, "_");
  const taken = new Set(component.requirements.map((r) => r.id));
  let n = component.requirements.length + 1;
  while (taken.has(`${prefix}-${n}`)) n++;
  return `${prefix}-${n}`;
}
