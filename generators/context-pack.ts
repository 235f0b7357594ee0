/**
 * The context pack: what an agent is told about the system before it writes a component. Each
 * part is labelled so the agent (and a person reading the journal) knows where it came from.
 * Genchi genbutsu: the parts are read from the real tree (the root's README, the dependencies'
 * interface files), not from a summary of them.
 *
 * This is the first version: whole parts, each trimmed to a fixed budget. Token budgets and the
 * component's own current files come with the agents issue.
 */
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import type { Component, Ir } from "../compiler/ir.js";
import { checkLine } from "../compiler/spec-changes.js";

/** Characters per part: enough for a README or an interface file, small enough for any model. */
const PART_BUDGET = 8_000;

export interface ContextPackInput {
  projectDir: string;
  ir: Ir;
  component: Component;
  attempt: number;
  /** What went wrong in the previous attempt (formatted feedback); never trimmed. */
  feedback?: string;
}

export async function buildContextPack(input: ContextPackInput): Promise<string> {
  const { ir, component } = input;
  const root = join(input.projectDir, ir.system.root);
  const parts = [
    `# phoenix context pack: component ${component.name}, attempt ${input.attempt}`,
    section("The system", [ir.system.description ?? "", await readTrimmed(join(root, "README.md"))].filter((t) => t !== "").join("\n\n")),
    section(`Your component: ${component.name}`, componentSpec(component)),
    section("You may write only", writeRules(component, ir)),
    ...await Promise.all(component.dependsOn.map((d) => dependencyPart(d.value, ir, root))),
    ...(input.feedback ? [section("What went wrong last time: fix this first", input.feedback)] : []),
  ];
  return `${parts.join("\n\n")}\n`;
}

function section(title: string, body: string): string {
  return `## ${title}\n${body.trim() === "" ? "(none)" : body.trim()}`;
}

/** The component's spec as the agent should read it: what, why, and how it is checked. */
function componentSpec(c: Component): string {
  return [
    c.description ?? "",
    ...c.requirements.map((r) => `- ${r.id} ${r.level}: ${r.text}${r.because ? ` (because ${r.because})` : ""}`),
    ...c.decisions.map((d) => `- decision ${d.id}: ${d.question} -> ${d.answer}`),
    ...c.checks.map((k) => `- check ${k.name}: ${checkLine(k)}`),
    c.interface ? `Its public interface lives in ${c.interface}; dependents read it.` : "",
  ].filter((line) => line !== "").join("\n");
}

function writeRules(c: Component, ir: Ir): string {
  return [
    `Files matching: ${c.owns.map((o) => o.value).join(", ")} (paths relative to the root).`,
    `Never: ${[...ir.system.protect, "specs", "phoenix.lock"].join(", ")}; anything outside the root; symlinks out of it.`,
    "Changes anywhere else are refused and reverted. If something is unclear, ask instead of guessing.",
  ].join("\n");
}

async function dependencyPart(name: string, ir: Ir, root: string): Promise<string> {
  const dependency = ir.components.find((c) => c.name === name);
  if (!dependency?.interface) return section(`Dependency ${name}`, dependency?.description ?? "");
  return section(`Dependency ${name}: ${dependency.interface}`, await readTrimmed(join(root, dependency.interface)));
}

async function readTrimmed(path: string): Promise<string> {
  try {
    const text = await readFile(path, "utf8");
    return text.length <= PART_BUDGET ? text : `${text.slice(0, PART_BUDGET)}\n[... ${text.length - PART_BUDGET} more characters left out]`;
  } catch {
    return "";
  }
}
