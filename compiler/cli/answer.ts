/**
 * `phoenix answer ID "text"`: a person answers an agent's question. The answer is written into
 * the component's spec as `decision ID "question" answer "text"` (nothing else in the file
 * changes), which makes the component stale with the answer in its next context pack; the open
 * question is removed from phoenix.lock.
 */
import type { CommandContext } from "./command.js";
import { UserError } from "./command.js";
import { projectDir } from "./check.js";
import { appendJournal } from "../build/journal.js";
import { addItem, decisionLine, findComponentFile } from "../humans/spec-edit.js";
import { personName } from "../humans/person.js";
import { writeFileAtomic } from "../atomic-write.js";
import { readLock, withWriterLock, writeLock } from "../lock/index.js";
import { displayPath, loadSpecs } from "../spec-files.js";
import { join } from "node:path";
import { itemsOfKind } from "../../spec-lang/index.js";

export async function run(context: CommandContext): Promise<number> {
  const [id, answer] = context.args as [string, string];
  if (answer.trim() === "") throw new UserError("the answer is empty: say what the agent should do");
  const dir = projectDir(context.cwd);
  return withWriterLock(dir, async () => {
    const { lock } = await readLock(dir, { cwd: context.cwd });
    const question = lock.questions?.[id];
    const recorded = await recordedDecision(dir, id);
    if (!question) {
      throw new UserError(recorded
        ? `${id} is already answered: ${recorded} (change the decision there to change the answer)`
        : `there is no open question ${id}; \`phoenix questions\` lists them`);
    }
    // a crash after the spec was written and before the lock was: finish the job
    if (!recorded) {
      const { path, text, block } = await findComponentFile(dir, question.component);
      await writeFileAtomic(path, addItem(text, block, decisionLine(id, question.text, answer)));
      context.stdout.write(`${displayPath(path, context.cwd)}: added decision ${id} to component ${question.component}\n`);
    }
    const { [id]: _, ...rest } = lock.questions ?? {};
    const next = { ...lock };
    if (Object.keys(rest).length > 0) next.questions = rest;
    else delete next.questions;
    await writeLock(dir, next);
    await appendJournal(dir, { v: 1, event: "answer", at: new Date().toISOString(), node: question.component, by: await personName(undefined, dir), question: id, reason: answer });
    context.stdout.write(`${question.component} is stale now (spec-changed): \`phoenix build ${question.component}\` rebuilds it with the answer in its context\n`);
    return 0;
  }, { onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`) });
}

/** Where a decision with this ID is written in the specs, if anywhere. */
async function recordedDecision(dir: string, id: string): Promise<string | undefined> {
  const { files } = await loadSpecs([join(dir, "specs")], dir);
  for (const file of files) {
    for (const block of file.blocks) {
      if (block.kind !== "component") continue;
      const decision = itemsOfKind(block.items, "decision").find((d) => d.id.name === id);
      if (decision) return `decision ${id} in ${file.path}:${decision.span.line}:${decision.span.column}`;
    }
  }
  return undefined;
}
