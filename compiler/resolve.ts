/**
 * From parsed files to the IR: the system block and the component blocks become one Ir; delta
 * blocks are handed on to deltas.ts. Pure. Problems inside one file were reported by
 * spec-lang's validation; what is found here needs the whole tree.
 */
import {
  diagnostic, isUsableDuration, isValidRequest, isValidSamples, isValidVotes, itemsOfKind, type CheckItem, type ComponentBlock, type DecisionItem, type DeltaBlock, type Diagnostic,
  type Item, type NameRef, type RequirementItem, type Span, type SpecFile, type SystemBlock, type TextItem,
} from "../spec-lang/index.js";
import {
  checkKinds, DEFAULT_CONTAINER, DEFAULT_ROOT, providers, type Agent, type Check, type CheckKind, type Component,
  type Decision, type Ir, type Requirement,
} from "./ir.js";

/** The base specs as an IR (absent when there is no system block), and the deltas to fold in. */
export interface ResolvedTree {
  base?: Ir;
  deltas: DeltaBlock[];
  diagnostics: Diagnostic[];
}

/** `specsDir` is where a missing system block is reported. */
export function resolveSpecTree(files: readonly SpecFile[], specsDir: string): ResolvedTree {
  const blocks = files.flatMap((f) => f.blocks);
  const system = blocks.find((b): b is SystemBlock => b.kind === "system");
  const deltas = blocks.filter((b): b is DeltaBlock => b.kind === "delta");
  if (!system) return { deltas, diagnostics: [diagnostic("missing-system", startOf(specsDir), { path: specsDir })] };
  const seen = new Set<string>();
  const components: Component[] = [];
  for (const block of blocks) {
    // a second block of one name was reported by validateSpecTree; the first one counts
    if (block.kind !== "component" || seen.has(block.name.name)) continue;
    seen.add(block.name.name);
    components.push(componentOf(block));
  }
  return { base: { system: systemOf(system), components: sortByName(components) }, deltas, diagnostics: [] };
}

export function sortByName<T extends { name: string }>(items: T[]): T[] {
  return items.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function systemOf(block: SystemBlock): Ir["system"] {
  const text = (kind: "description" | "root" | "container" | "start" | "ready") => itemsOfKind(block.items, kind)[0]?.value.value;
  // an empty `start`, a malformed `ready` and a `ready` without `start` were reported per file
  const start = keepValid(text("start"), (command) => command.trim() !== "");
  const ready = start === undefined ? undefined : keepValid(text("ready"), isValidRequest);
  return {
    name: block.name.name,
    description: text("description"),
    root: text("root") ?? DEFAULT_ROOT,
    container: text("container") ?? DEFAULT_CONTAINER,
    start,
    ready,
    agent: agentOf(block.items),
    protect: itemsOfKind(block.items, "protect").flatMap((p) => p.values.map((v) => v.value)),
    checks: checksOf(block.items),
    at: block.name.span,
  };
}

/** A component from its body: a `component` block or a delta's `add component`. */
export function componentOf(block: Pick<ComponentBlock, "name" | "items">): Component {
  const { items } = block;
  return {
    name: block.name.name,
    description: itemsOfKind(items, "description")[0]?.value.value,
    owns: itemsOfKind(items, "owns").flatMap((o) => o.values.map((v) => ({ value: v.value, at: v.span }))),
    interface: itemsOfKind(items, "interface")[0]?.value.value,
    dependsOn: itemsOfKind(items, "depends_on").flatMap((d) => d.names.map(located)),
    agent: agentOf(items),
    autonomy: itemsOfKind(items, "autonomy")[0]?.value.name === "autonomous" ? "autonomous" : "supervised",
    requirements: itemsOfKind(items, "requirement").map(requirementOf),
    checks: checksOf(items),
    decisions: itemsOfKind(items, "decision").map(decisionOf),
    at: block.name.span,
  };
}

export function requirementOf(item: RequirementItem): Requirement {
  return { id: item.id.name, level: item.level, text: item.text.value, because: item.because?.value, at: item.id.span };
}

export function decisionOf(item: DecisionItem): Decision {
  return { id: item.id.name, question: item.question.value, answer: item.answer.value, at: item.id.span };
}

/** The checks with a kind; one without was reported by validation and cannot run. */
function checksOf(items: readonly Item[]): Check[] {
  return itemsOfKind(items, "check").flatMap((c) => checkOf(c) ?? []);
}

export function checkOf(check: CheckItem): Check | undefined {
  const kindLine = check.items.find((i): i is TextItem & { kind: CheckKind } => (checkKinds as readonly string[]).includes(i.kind));
  if (!kindLine) return undefined;
  const { items } = check;
  const network = itemsOfKind(items, "network")[0]?.value.name;
  return {
    name: check.name.name,
    kind: kindLine.kind as CheckKind,
    subject: kindLine.value.value,
    timeoutMs: keepValid(itemsOfKind(items, "timeout")[0]?.duration.ms, isUsableDuration),
    network: network === "allow" || network === "deny" ? network : undefined,
    // a number too long for a double reads as Infinity, which JSON cannot hold; it was reported
    expect: itemsOfKind(items, "expect").map((e) => ({
      metric: e.metric.name,
      comparison: e.comparison,
      value: "ms" in e.value ? e.value.ms : e.value.value,
    })).filter((e) => Number.isFinite(e.value)),
    samples: keepValid(itemsOfKind(items, "samples")[0]?.count.value, isValidSamples),
    votes: keepValid(itemsOfKind(items, "votes")[0]?.count.value, isValidVotes) ?? (kindLine.kind === "judge" ? 3 : undefined),
    covers: itemsOfKind(items, "covers").flatMap((c) => c.names.map((n) => n.name)),
    advisory: itemsOfKind(items, "advisory").length > 0,
    at: check.name.span,
  };
}

/**
 * A value validation accepted, or undefined: `timeout 0s` or `samples 0` was reported per file,
 * and the IR, which every later stage trusts (its schema rejects such values), does without it.
 */
function keepValid<T>(value: T | undefined, isValid: (value: T) => boolean): T | undefined {
  return value !== undefined && isValid(value) ? value : undefined;
}

function agentOf(items: readonly Item[]): Agent | undefined {
  const item = itemsOfKind(items, "agent")[0];
  const provider = providers.find((p) => p === item?.provider.name);
  return provider ? { provider, argument: item?.argument?.value } : undefined;
}

function located(name: NameRef) {
  return { value: name.name, at: name.span };
}

function startOf(file: string): Span {
  return { file, line: 1, column: 1, offset: 0, end: 0, endLine: 1, endColumn: 1 };
}
