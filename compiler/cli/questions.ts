/** `phoenix questions [--json]`: the questions agents asked that wait for a person's answer. */
import type { CommandContext } from "./command.js";
import { projectDir } from "./check.js";
import { readLock } from "../lock/index.js";

export async function run(context: CommandContext): Promise<number> {
  const { lock } = await readLock(projectDir(context.cwd), { cwd: context.cwd });
  const open = Object.entries(lock.questions ?? {}).sort(([a], [b]) => (a < b ? -1 : 1));
  if (context.options["json"] === true) {
    context.stdout.write(`${JSON.stringify({ schema: "phoenix.questions/1", questions: open.map(([id, q]) => ({ id, ...q })) }, null, 2)}\n`);
    return 0;
  }
  if (open.length === 0) {
    context.stdout.write("No open questions.\n");
    return 0;
  }
  for (const [id, q] of open) {
    const asked = [`asked ${q.askedAt.slice(0, 16).replace("T", " ")} UTC`, q.attempt ? `on attempt ${q.attempt}` : "", q.agent ? `by ${q.agent}` : ""].filter((s) => s !== "").join(" ");
    context.stdout.write(`${id}  (${q.component}, ${asked})\n  ${q.text}\n${q.options ? `  options: ${q.options.join(" | ")}\n` : ""}`);
  }
  context.stdout.write(`\n${open.length} open question${open.length === 1 ? "" : "s"}: answer with \`phoenix answer ID "your answer"\`\n`);
  return 0;
}
