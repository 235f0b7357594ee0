/**
 * `phoenix reject NODE --reason "..."`: a person rejects a component's last build. Its previous
 * outputs and lock entry come back (atomically, as an apply), and the reason becomes feedback for
 * the next attempt, so the next build starts from what the person said.
 */
import { mkdir, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import type { CommandContext } from "./command.js";
import { UsageError, UserError } from "./command.js";
import { projectDir } from "./check.js";
import { completeApply, previousFile, readPrevious, stageApplyOf, type ApplyIntent } from "../build/apply.js";
import { commitPaths, gitTopLevel } from "../build/git.js";
import { appendJournal } from "../build/journal.js";
import { lastFeedbackFile } from "../build/node-build.js";
import { personName } from "../humans/person.js";
import { readLock, withWriterLock, writeLock } from "../lock/index.js";
import { isSound, loadProject } from "../project.js";

export async function run(context: CommandContext): Promise<number> {
  const [node] = context.args as [string];
  const reason = context.options["reason"];
  if (typeof reason !== "string" || reason.trim() === "") throw new UsageError("--reason is required: say what is wrong, so the next attempt can fix it");
  const dir = projectDir(context.cwd);
  const project = await loadProject(dir, context.cwd);
  if (!isSound(project)) throw new UserError("the specs have errors: run `phoenix check` and fix them first");
  const root = project.desired.system.root;
  return withWriterLock(dir, async () => {
    let { lock } = await readLock(dir, { cwd: context.cwd });
    if (!lock.components[node]) throw new UserError(`${node} has no build to reject`);
    const previous = await readPrevious(dir, node);
    if (!previous) throw new UserError(`${node}'s previous version was not kept (only the last build can be rejected, once); rebuild it instead`);
    const by = await personName(context.options["by"], dir);
    const intent: ApplyIntent = { node, root, writes: previous.existed, deletes: previous.touched.filter((p) => !previous.existed.includes(p)), state: previous.state };
    await stageApplyOf(dir, intent, new Map(previous.existed.map((path) => [path, Buffer.from(previous.contents[path]!, "base64")])));
    await completeApply(dir, intent, {
      record: async () => {
        const components = { ...lock.components };
        if (previous.state) components[node] = previous.state;
        else delete components[node];
        lock = (await writeLock(dir, { ...lock, components })).lock;
      },
      commit: async () => undefined,
    });
    await rm(previousFile(dir, node), { force: true });
    await mkdir(join(dir, ".phoenix", "feedback"), { recursive: true });
    await writeFile(lastFeedbackFile(dir, node), `A person (${by}) rejected the last build of ${node}:\n\n${reason.trim()}\n\nFix this first.\n`);
    await appendJournal(dir, { v: 1, event: "reject", at: new Date().toISOString(), node, by, reason: reason.trim() });
    const repo = await gitTopLevel(dir);
    if (repo) await commitPaths(repo, [...previous.touched.map((p) => join(dir, root, p)), join(dir, "phoenix.lock")], `phoenix: reject ${node}\n\n${reason.trim()}\n\nPhoenix-Node: ${node}\nPhoenix-Rejected-By: ${by}`);
    context.stdout.write(`rejected ${node}: its previous version is back (${previous.touched.length} file${previous.touched.length === 1 ? "" : "s"}); ` +
      `the reason goes to its next attempt: \`phoenix build ${node}\`\n`);
    return 0;
  }, { onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`) });
}
