/**
 * The scripted agent: replays a JSON file of steps per node and attempt. It is not a model and is
 * named as such wherever it appears; it exists for tests and the offline demo, where no agent
 * credentials exist. Its writes go through the same guarded file tools an API agent uses.
 *
 * Script format (paths relative to the root; `from` relative to the script file):
 *
 *   { "nodes": { "store": [
 *       { "when": "text the context pack must contain (optional)",
 *         "attempts": [ [ { "write": "src/store/index.ts", "from": "store/v1.ts" } ],
 *                       [ { "write": "src/store/index.ts", "content": "..." }, { "delete": "src/store/old.ts" } ] ] } ] } }
 *
 * The first entry of a node whose `when` the pack contains is replayed; attempt N runs its Nth
 * list of steps. Steps: write (content, or from a recorded file, with optional [from, to]
 * replacements for a variant of it), delete, ask (a question instead of guessing,
 * with optional options), symlink (path, target), fail (the agent reports an error).
 */
import { readFile } from "node:fs/promises";
import { dirname, resolve } from "node:path";
import { z } from "zod";
import { UserError } from "../../compiler/cli/command.js";
import type { AgentProvider, AgentResult, AgentTask } from "./agent.js";
import { WorkspaceFiles } from "./file-tools.js";

const stepSchema = z.union([
  z.strictObject({ write: z.string(), content: z.string() }),
  z.strictObject({ write: z.string(), from: z.string(), replace: z.array(z.tuple([z.string(), z.string()])).optional() }),
  z.strictObject({ delete: z.string() }),
  z.strictObject({ ask: z.string(), options: z.array(z.string()).optional() }),
  z.strictObject({ symlink: z.string(), target: z.string() }),
  z.strictObject({ fail: z.string() }),
]);
type Step = z.infer<typeof stepSchema>;

const scriptSchema = z.strictObject({
  description: z.string().optional(),
  nodes: z.record(z.string(), z.array(z.strictObject({ when: z.string().optional(), attempts: z.array(z.array(stepSchema)) }))),
});
type Script = z.infer<typeof scriptSchema>;

/** Reads and checks a script; a bad one is a UserError naming the file and the place in it. */
export async function loadScript(file: string): Promise<Script> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    throw new UserError(`scripted agent: cannot read its script ${file}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new UserError(`scripted agent: ${file} is not JSON: ${(error as Error).message}`);
  }
  const parsed = scriptSchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new UserError(`scripted agent: ${file}: at ${issue.path.join(".") || "the top"}: ${issue.message}`);
  }
  return parsed.data;
}

export function scriptedAgent(scriptFile: string, shownAs: string, script: Script): AgentProvider {
  return {
    label: `scripted ${JSON.stringify(shownAs)} (a replay of recorded steps, not a model)`,
    async run(task) {
      return replay(script, dirname(scriptFile), task);
    },
  };
}

async function replay(script: Script, scriptDir: string, task: AgentTask): Promise<AgentResult> {
  const files = new WorkspaceFiles(task.workspace, task.rules);
  const entry = (script.nodes[task.node] ?? []).find((e) => e.when === undefined || task.context.includes(e.when));
  const steps = entry?.attempts[task.attempt - 1];
  if (!steps) {
    const why = entry ? `has no steps for attempt ${task.attempt}` : `has no entry for ${task.node} that matches its context`;
    return { outcome: { kind: "error", message: `the script ${why}` }, refused: [] };
  }
  for (const step of steps) {
    const stop = await perform(step, files, scriptDir);
    if (stop) return { ...stop, refused: files.refused };
  }
  return { outcome: { kind: "done" }, refused: files.refused };
}

/** A recorded file, with the script's replacements made (a variant without a second copy of the file). */
async function recorded(file: string, replacements: readonly (readonly [string, string])[]): Promise<string | { error: string }> {
  let text: string;
  try {
    text = await readFile(file, "utf8");
  } catch (error) {
    return { error: `the script's recorded file ${file} cannot be read: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}` };
  }
  for (const [from, to] of replacements) {
    if (!text.includes(from)) return { error: `the script replaces ${JSON.stringify(from)} in ${file}, which does not contain it` };
    text = text.split(from).join(to);
  }
  return text;
}

async function perform(step: Step, files: WorkspaceFiles, scriptDir: string): Promise<Omit<AgentResult, "refused"> | undefined> {
  if ("write" in step) {
    const content = "content" in step ? step.content : await recorded(resolve(scriptDir, step.from), step.replace ?? []);
    if (typeof content !== "string") return { outcome: { kind: "error", message: content.error } };
    await files.write(step.write, content);
  } else if ("delete" in step) {
    await files.delete(step.delete);
  } else if ("symlink" in step) {
    await files.symlink(step.symlink, step.target);
  } else if ("ask" in step) {
    return { outcome: { kind: "question", text: step.ask, ...(step.options && { options: step.options }) } };
  } else {
    return { outcome: { kind: "error", message: step.fail } };
  }
  return undefined;
}
