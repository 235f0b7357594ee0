/**
 * The context pack: what an agent is told about the system before it writes a component. Each
 * part is labelled with where it came from and what it costs in tokens, so the agent (and a
 * person reading it) knows what it is looking at. Genchi genbutsu: the parts are read from the
 * real tree (the root's README, the dependencies' interfaces, the component's own files).
 *
 * Over budget, parts are cut or left out in this order, and the pack says what went:
 *   1. the component's own current files, largest first
 *   2. the dependencies' interfaces, largest first
 *   3. the root's README.md
 *   4. the system's description
 * Never dropped: the instructions, the component's spec, where it may write, and the feedback
 * from its last attempt.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import picomatch from "picomatch";
import { unlessAbsent } from "../compiler/absent.js";
import { listTree } from "../compiler/build/workspace/tree.js";
import { comparePaths } from "../compiler/drift/drift.js";
import { normaliseGlob } from "../compiler/globs.js";
import { componentNamed, type Component, type Ir } from "../compiler/ir.js";
import { checkLine } from "../compiler/spec-changes.js";
import { describeInterface } from "./interface.js";
import { INSTRUCTIONS, PROMPT_VERSION } from "./prompts.js";

/** Tokens a pack may use unless told otherwise: room for the model to think and write. */
export const DEFAULT_BUDGET_TOKENS = 50_000;
/** A part cut shorter than this is left out instead: a stub helps no one. */
const MIN_CUT_TOKENS = 200;
/** Own files larger than this are not shown whole in any case. */
const MAX_FILE_BYTES = 256 * 1024;

/** Which part of the pack; the order of `dropOrder` decides what goes first over budget. */
export type PartKind = "instructions" | "system" | "readme" | "spec" | "rules" | "dependency" | "file" | "feedback";

export interface PackPart {
  kind: PartKind;
  title: string;
  /** Where the text came from: a file, the specs, phoenix's templates. */
  source: string;
  text: string;
  tokens: number;
  /** Tokens cut from the end to fit the budget. */
  cutTokens?: number;
}

export interface LeftOut {
  title: string;
  source: string;
  tokens: number;
}

export interface ContextPack {
  node: string;
  attempt: number;
  promptVersion: string;
  budget: number;
  /** Tokens of the parts as kept. */
  tokens: number;
  parts: PackPart[];
  leftOut: LeftOut[];
}

export interface ContextPackInput {
  projectDir: string;
  ir: Ir;
  component: Component;
  attempt: number;
  /** What went wrong in the previous attempt (formatted feedback); never dropped. */
  feedback?: string;
  /** Where the component's current files are read from: the attempt's workspace, or the root. */
  filesDir?: string;
  budget?: number;
  /** The interface cache's folder (the project's .phoenix/). */
  cacheDir?: string;
  /** The deltas that change the component (named as part of its spec's source). */
  deltas?: readonly string[];
}

/** Characters per token: a plain estimate, close enough for English and code. */
export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

export async function buildContextPack(input: ContextPackInput): Promise<ContextPack> {
  const { ir, component } = input;
  const rootDir = join(input.projectDir, ir.system.root);
  const part = (kind: PartKind, title: string, source: string, text: string): PackPart => ({ kind, title, source, text: text.trim(), tokens: estimateTokens(text.trim()) });
  // read side by side: each is a few file-system calls' wait, on every node of a build
  const [readme, dependencies, files] = await Promise.all([
    unlessAbsent(() => readFileSync(join(rootDir, "README.md"), "utf8")),
    dependencyParts(component, ir, rootDir, input.cacheDir),
    ownFiles(component, input.filesDir ?? rootDir),
  ]);
  const parts = [
    part("instructions", "How to work", `phoenix's prompt templates (${PROMPT_VERSION})`, INSTRUCTIONS),
    ...(ir.system.description ? [part("system", `The system: ${ir.system.name}`, ir.system.at.file, ir.system.description)] : []),
    ...(readme !== undefined ? [part("readme", "The root's README.md", `${ir.system.root}/README.md`, readme)] : []),
    part("spec", `Your component: ${component.name}`, specSource(component, input.deltas ?? []), componentSpec(component, ir)),
    part("rules", "You may write only", component.at.file, writeRules(component, ir)),
    ...dependencies,
    ...files.map(({ path, text }) => part("file", `Your current file ${path}`, `${ir.system.root}/${path}`, fence(path, text))),
    ...(input.feedback ? [part("feedback", "What went wrong last time: fix this first", "phoenix build", input.feedback)] : []),
  ];
  const budget = input.budget ?? DEFAULT_BUDGET_TOKENS;
  const { kept, leftOut } = fitBudget(parts, budget);
  return {
    node: component.name, attempt: input.attempt, promptVersion: PROMPT_VERSION, budget,
    tokens: kept.reduce((sum, p) => sum + p.tokens, 0), parts: kept, leftOut,
  };
}

/** The pack as the agent reads it. */
export function renderPack(pack: ContextPack): string {
  const head = [
    `# phoenix context pack: component ${pack.node}, attempt ${pack.attempt}`,
    `About ${pack.tokens} tokens of a ${pack.budget}-token budget; ${pack.parts.length} parts, each with its source.`,
  ].join("\n");
  const parts = pack.parts.map((p) => {
    const cut = p.cutTokens ? `; cut by ${p.cutTokens} tokens to fit` : "";
    return `## ${p.title}\n_(from ${p.source}, ~${p.tokens} tokens${cut})_\n\n${p.text === "" ? "(none)" : p.text}`;
  });
  const leftOut = pack.leftOut.length === 0 ? [] : [
    `## Left out to fit the budget\n${pack.leftOut.map((l) => `- ${l.title} (from ${l.source}, ~${l.tokens} tokens)`).join("\n")}\nRead them from the workspace if you need them.`,
  ];
  return `${[head, ...parts, ...leftOut].join("\n\n")}\n`;
}

// ---- the parts ----

function specSource(component: Component, deltas: readonly string[]): string {
  return deltas.length === 0 ? component.at.file : `${component.at.file} with delta ${deltas.join(", ")}`;
}

/** The component's spec as the agent should read it: what, why, and how it is checked. */
function componentSpec(c: Component, ir: Ir): string {
  const checks = [...c.checks.map((k) => ({ k, owner: "" })), ...ir.system.checks.map((k) => ({ k, owner: "system " }))];
  return [
    c.description ?? "",
    c.dependsOn.length > 0 ? `Depends on: ${c.dependsOn.map((d) => d.value).join(", ")}.` : "",
    c.interface ? `Its public interface lives in ${c.interface}; dependents read it.` : "",
    "",
    "Requirements:",
    ...c.requirements.map((r) => `- ${r.id} ${r.level}: ${r.text}${r.because ? ` (because ${r.because})` : ""}`),
    ...(c.decisions.length > 0 ? ["", "Decisions (people's answers to earlier questions):", ...c.decisions.map((d) => `- ${d.id}: ${d.question} -> ${d.answer}`)] : []),
    "",
    "Checks it must pass:",
    ...checks.map(({ k, owner }) => `- ${owner}check ${k.name}: ${checkLine(k)}${k.advisory ? " (advisory: reported, never blocks)" : ""}`),
  ].filter((line, i, all) => line !== "" || (i > 0 && all[i - 1] !== "")).join("\n");
}

function writeRules(c: Component, ir: Ir): string {
  return [
    `Files matching: ${c.owns.map((o) => o.value).join(", ")} (paths relative to the root, ${ir.system.root}).`,
    `Never: ${[...ir.system.protect, "specs", "phoenix.lock"].join(", ")}; anything outside the root; symlinks out of it; files over 1 MB.`,
    "Changes anywhere else are refused and undone. If something is unclear, ask instead of guessing.",
  ].join("\n");
}

async function dependencyParts(component: Component, ir: Ir, rootDir: string, cacheDir: string | undefined): Promise<PackPart[]> {
  return Promise.all(component.dependsOn.map(async ({ value: name }) => {
    const dependency = componentNamed(ir, name);
    const about = dependency?.description ?? "";
    const described = dependency?.interface ? await describeInterface(rootDir, dependency.interface, cacheDir ? { cacheDir } : {}) : null;
    const text = described
      ? `${about}\n\n${fence(dependency!.interface!, described.declarations || "(exports nothing)")}`
      : `${about}\n\n${dependency?.interface ? `(${dependency.interface} does not exist yet: ${name} has not been built)` : "(it declares no interface file)"}`;
    const source = dependency?.interface ? `${ir.system.root}/${dependency.interface}` : dependency?.at.file ?? "specs";
    const trimmed = text.trim();
    return { kind: "dependency" as const, title: `Dependency ${name}: its interface`, source, text: trimmed, tokens: estimateTokens(trimmed) };
  }));
}

/** The component's files as they are now, sorted by path; binary and huge files are named, not shown. */
async function ownFiles(component: Component, dir: string): Promise<{ path: string; text: string }[]> {
  const globs = component.owns.map((o) => normaliseGlob(o.value));
  const owned = picomatch(globs, { dot: true });
  // walk only where owned files can be: the globs' literal folders
  const tree = await listTree(dir, globs.map((glob) => picomatch.scan(glob).base));
  const paths = [...tree].filter(([path, entry]) => entry.kind === "file" && owned(path)).map(([path]) => path).sort(comparePaths);
  // read in turn, synchronously: small files, where a read through the thread pool cost six times as much
  return paths.map((path) => {
    const bytes = readFileSync(join(dir, path));
    if (bytes.length > MAX_FILE_BYTES) return { path, text: `(${bytes.length} bytes: too large to show)` };
    const text = bytes.toString("utf8");
    return { path, text: text.includes("\0") || text.includes("\uFFFD") ? `(a binary file of ${bytes.length} bytes)` : text };
  });
}

function fence(path: string, text: string): string {
  const language = /\.([cm]?[jt]sx?)$/.exec(path)?.[1]?.replace(/^[cm]/, "") ?? "";
  return `\`\`\`${language}\n${text.replace(/```/g, "'''").trimEnd()}\n\`\`\``;
}

// ---- the budget ----

const CUT_MARK = "\n[... cut here to fit the budget]";

/** Which kinds may go, first to last. */
const dropOrder: readonly PartKind[] = ["file", "dependency", "readme", "system"];

/** Cuts or leaves out parts, in drop order (largest first within a kind), until the pack fits. */
export function fitBudget(parts: readonly PackPart[], budget: number): { kept: PackPart[]; leftOut: LeftOut[] } {
  const kept = parts.map((p) => ({ ...p }));
  const leftOut: LeftOut[] = [];
  const total = () => kept.reduce((sum, p) => sum + p.tokens, 0);
  const candidates = dropOrder.flatMap((kind) => kept.filter((p) => p.kind === kind).sort((a, b) => b.tokens - a.tokens));
  for (const part of candidates) {
    const excess = total() - budget;
    if (excess <= 0) break;
    if (part.tokens - excess >= MIN_CUT_TOKENS) {
      const target = part.tokens - excess;
      part.text = `${part.text.slice(0, target * 4 - CUT_MARK.length)}${CUT_MARK}`;
      part.cutTokens = part.tokens - estimateTokens(part.text);
      part.tokens = estimateTokens(part.text);
    } else {
      kept.splice(kept.indexOf(part), 1);
      leftOut.push({ title: part.title, source: part.source, tokens: part.tokens });
    }
  }
  return { kept, leftOut };
}
