/**
 * `phoenix approve NODE [--by NAME] [--note TEXT] [--check NAME]`: a person approves a supervised
 * component's current outputs (or one of its `human` checks). The approval is recorded in
 * phoenix.lock bound to the output hash, so any later change to the outputs voids it; in a git
 * repository the component's files and phoenix.lock are committed.
 */
import { join } from "node:path";
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { projectDir } from "./check.js";
import { checkTargets } from "./targets.js";
import { appendJournal } from "../build/journal.js";
import { commitPaths, gitTopLevel } from "../build/git.js";
import { personName } from "../humans/person.js";
import { observeProject } from "../observe.js";
import { readLock, withWriterLock, writeLock, type Approval } from "../lock/index.js";
import { reportDiagnostics } from "./report.js";

export async function run(context: CommandContext): Promise<number> {
  const [node] = context.args as [string];
  const dir = projectDir(context.cwd);
  const check = typeof context.options["check"] === "string" ? context.options["check"] : undefined;
  return withWriterLock(dir, async () => {
    const seen = await observeProject(dir, context.cwd);
    if (!seen.ok) {
      reportDiagnostics(seen.diagnostics, seen.project.files.length, "text", context.stdout);
      return 1;
    }
    checkTargets([node], seen.project.desired);
    const component = seen.project.desired.components.find((c) => c.name === node)!;
    if (check !== undefined && !component.checks.some((c) => c.name === check && c.kind === "human")) {
      const human = component.checks.filter((c) => c.kind === "human").map((c) => c.name);
      throw new UserError(`--check ${check}: ${node} has no human check of that name${human.length > 0 ? ` (its human checks: ${human.join(", ")})` : " (it has no human checks)"}`);
    }
    const plan = seen.plan.components.find((c) => c.name === node)!;
    const { lock } = await readLock(dir, { cwd: context.cwd });
    const built = lock.components[node];
    if (!built) throw new UserError(`${node} has not been built yet: there is nothing to approve; run \`phoenix build ${node}\``);
    if (plan.drift.length > 0) {
      throw new UserError(`${node}'s files changed outside phoenix (${plan.drift.map((d) => d.path).join(", ")}): approve only what phoenix built; rebuild it, or \`phoenix adopt ${node}\` the hand edit first`);
    }
    if (built.approvals.some((a) => a.outputHash === built.outputHash && a.check === check)) {
      context.stdout.write(`${node}${check ? ` (check ${check})` : ""} is already approved for these outputs\n`);
      return 0;
    }
    const note = typeof context.options["note"] === "string" ? context.options["note"] : undefined;
    const approval: Approval = { by: await personName(context.options["by"], dir), at: new Date().toISOString(), outputHash: built.outputHash, ...(note && { note }), ...(check && { check }) };
    await writeLock(dir, { ...lock, components: { ...lock.components, [node]: { ...built, approvals: [...built.approvals, approval] } } });
    await appendJournal(dir, { v: 1, event: "approve", at: approval.at, node, by: approval.by, outputHash: built.outputHash, ...(check && { check }), ...(note && { reason: note }) });
    const repo = await gitTopLevel(dir);
    if (repo) {
      const root = join(dir, seen.project.desired.system.root);
      const message = `phoenix: approve ${node}${check ? ` (check ${check})` : ""}\n\n${note ?? ""}\n\nPhoenix-Node: ${node}\nPhoenix-Approved-By: ${approval.by}\nPhoenix-Output: ${built.outputHash}`.replace(/\n\n\n/, "\n\n");
      await commitPaths(repo, [...Object.keys(built.outputs).map((p) => join(root, p)), join(dir, "phoenix.lock")], message);
    }
    context.stdout.write(`approved ${node}${check ? ` (check ${check})` : ""} as ${approval.by}, bound to outputs ${built.outputHash.slice(0, 19)}; a change to them voids it\n`);
    return 0;
  }, { onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`) });
}
