/**
 * The build graph as text for other tools: Graphviz dot, Mermaid, or JSON. Edges point from a
 * dependency to the component that uses it, the direction work flows in a build. Pure.
 */
import { buildOrder } from "./graph.js";
import { specHash } from "./hash.js";
import type { Component, Ir } from "./ir.js";

export type GraphFormat = "dot" | "mermaid" | "json";

export function formatGraph(ir: Ir, format: GraphFormat, changedBy: ReadonlyMap<string, string[]> = new Map()): string {
  if (format === "json") return `${JSON.stringify(graphJson(ir, changedBy), null, 2)}\n`;
  return format === "dot" ? dot(ir, changedBy) : mermaid(ir, changedBy);
}

/** `{ system, order, nodes, edges }`: stable field names, nodes in build order. */
export function graphJson(ir: Ir, changedBy: ReadonlyMap<string, string[]>) {
  const byName = new Map(ir.components.map((c) => [c.name, c]));
  return {
    system: ir.system.name,
    order: buildOrder(ir),
    nodes: buildOrder(ir).map((name) => {
      const c = byName.get(name)!;
      return {
        name,
        specHash: specHash(c),
        dependsOn: c.dependsOn.map((d) => d.value),
        owns: c.owns.map((o) => o.value),
        interface: c.interface ?? null,
        requirements: c.requirements.map((r) => r.id),
        checks: c.checks.map((k) => k.name),
        deltas: changedBy.get(name) ?? [],
      };
    }),
    edges: edges(ir).map(([from, to]) => ({ from, to })),
  };
}

function dot(ir: Ir, changedBy: ReadonlyMap<string, string[]>): string {
  const lines = [`digraph ${quote(ir.system.name)} {`, "  rankdir=LR;", "  node [shape=box];"];
  for (const c of ir.components) {
    const style = changedBy.has(c.name) ? ", style=dashed" : "";
    lines.push(`  ${quote(c.name)} [label=${quote(`${c.name}\n${summary(c)}`)}${style}];`);
  }
  for (const [from, to] of edges(ir)) lines.push(`  ${quote(from)} -> ${quote(to)};`);
  lines.push("}");
  return `${lines.join("\n")}\n`;
}

/**
 * A Mermaid node id for a component name. Ids may not hold '-', so it is escaped, and '_' too,
 * so that `my-comp` and `my_comp` stay two nodes: `_` becomes `__`, any other character `_HEX_`.
 * The `n_` prefix keeps names like `end` from reading as Mermaid keywords; the label keeps the
 * real name.
 */
export function mermaidId(name: string): string {
  return `n_${name.replace(/[^A-Za-z0-9]/g, (ch) => (ch === "_" ? "__" : `_${ch.codePointAt(0)!.toString(16)}_`))}`;
}

function mermaid(ir: Ir, changedBy: ReadonlyMap<string, string[]>): string {
  const id = mermaidId;
  const lines = ["flowchart LR"];
  for (const c of ir.components) {
    const changed = changedBy.has(c.name) ? ` (delta: ${changedBy.get(c.name)!.join(", ")})` : "";
    lines.push(`  ${id(c.name)}["${c.name}<br/>${summary(c)}${changed}"]`);
  }
  for (const [from, to] of edges(ir)) lines.push(`  ${id(from)} --> ${id(to)}`);
  return `${lines.join("\n")}\n`;
}

/** [dependency, dependent] pairs, sorted; dependencies naming no component are left out. */
function edges(ir: Ir): [string, string][] {
  const names = new Set(ir.components.map((c) => c.name));
  return ir.components
    .flatMap((c) => c.dependsOn.filter((d) => names.has(d.value)).map((d): [string, string] => [d.value, c.name]))
    .sort(([a1, b1], [a2, b2]) => (a1 + "\0" + b1 < a2 + "\0" + b2 ? -1 : 1));
}

function summary(c: Component): string {
  const n = (count: number, word: string) => `${count} ${word}${count === 1 ? "" : "s"}`;
  return `${n(c.requirements.length, "requirement")}, ${n(c.checks.length, "check")}`;
}

function quote(text: string): string {
  return `"${text.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}
