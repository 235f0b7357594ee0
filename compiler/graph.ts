/**
 * The build graph: one node per component, an edge from each dependency to its dependent, so
 * that topological order builds dependencies first. Also the checks that need the whole graph:
 * unknown dependencies, cycles (reported as their full path) and overlapping owners. Pure.
 */
import { alg, Graph } from "@dagrejs/graphlib";
import { diagnostic, didYouMean, type Diagnostic } from "../spec-lang/index.js";
import { GlobIndex, globsOverlap } from "./globs.js";
import type { Component, Ir, Located } from "./ir.js";

/** Builds the graph of the components; depends_on entries naming no component are left out. */
export function buildGraph(ir: Ir): Graph {
  const graph = new Graph({ directed: true });
  for (const c of ir.components) graph.setNode(c.name, c);
  for (const c of ir.components) {
    for (const d of c.dependsOn) if (graph.hasNode(d.value)) graph.setEdge(d.value, c.name);
  }
  return graph;
}

/** Component names, dependencies before dependents, ties broken by name (stable output). */
export function buildOrder(ir: Ir): string[] {
  const graph = buildGraph(ir);
  const indegree = new Map(graph.nodes().map((n) => [n, graph.predecessors(n)?.length ?? 0]));
  const ready = graph.nodes().filter((n) => indegree.get(n) === 0).sort();
  const order: string[] = [];
  while (ready.length > 0) {
    const next = ready.shift()!;
    order.push(next);
    for (const dependent of (graph.successors(next) ?? []).sort()) {
      indegree.set(dependent, indegree.get(dependent)! - 1);
      if (indegree.get(dependent) === 0) insertSorted(ready, dependent);
    }
  }
  return order;
}

function insertSorted(list: string[], item: string): void {
  const at = list.findIndex((x) => x > item);
  list.splice(at < 0 ? list.length : at, 0, item);
}

/** `targets` and everything they depend on, transitively. */
export function withDependencies(ir: Ir, targets: readonly string[]): Set<string> {
  const graph = buildGraph(ir);
  const out = new Set<string>();
  const visit = (name: string) => {
    if (out.has(name)) return;
    out.add(name);
    for (const dependency of graph.predecessors(name) ?? []) visit(dependency);
  };
  targets.forEach(visit);
  return out;
}

/**
 * Every problem of the tree as a whole. `removedBy` says, for a component a delta removed, which
 * delta and where: a dependency on it is reported in the base file that still names it, and
 * the message says why it is gone.
 */
export function graphProblems(ir: Ir, removedBy: ReadonlyMap<string, string> = new Map()): Diagnostic[] {
  return [...unknownDependencies(ir, removedBy), ...cycles(ir), ...overlappingOwners(ir)];
}

function unknownDependencies(ir: Ir, removedBy: ReadonlyMap<string, string>): Diagnostic[] {
  const names = ir.components.map((c) => c.name);
  return ir.components.flatMap((c) => c.dependsOn.filter((d) => !names.includes(d.value)).map((d) => {
    const remover = removedBy.get(d.value);
    // the catalog's did-you-mean: a case or prefix match alone gave no hint for a typo (`sesions`)
    const hint = remover ? `: ${remover} removes it` : didYouMean(d.value, names);
    return diagnostic("unknown-component", d.at, { component: c.name, name: d.value, hint });
  }));
}

/**
 * One diagnostic per cycle, at the `depends_on` entry of the cycle's first component (by name)
 * that closes it, with the full path: `api -> auth -> api` reads "api depends on auth, which
 * depends on api".
 */
function cycles(ir: Ir): Diagnostic[] {
  const graph = buildGraph(ir);
  const components = new Map(ir.components.map((c) => [c.name, c]));
  const out: Diagnostic[] = [];
  const inCycles = alg.tarjan(graph).filter((scc) => scc.length > 1 || graph.hasEdge(scc[0]!, scc[0]!));
  for (const scc of inCycles) {
    const start = [...scc].sort()[0]!;
    const path = cyclePath(start, new Set(scc), components);
    const entry = components.get(start)!.dependsOn.find((d) => d.value === path[1])!;
    out.push(diagnostic("dependency-cycle", entry.at, { path: path.join(" -> ") }));
  }
  return out;
}

/** The shortest path from `start` along depends_on back to `start`, within one cycle. */
function cyclePath(start: string, members: ReadonlySet<string>, components: ReadonlyMap<string, Component>): string[] {
  const previous = new Map<string, string>();
  const queue = [start];
  while (queue.length > 0) {
    const name = queue.shift()!;
    for (const next of components.get(name)!.dependsOn.map((d) => d.value).filter((d) => members.has(d))) {
      if (next === start) return [...unwind(name, previous, start), start];
      if (!previous.has(next)) {
        previous.set(next, name);
        queue.push(next);
      }
    }
  }
  return [start, start];
}

function unwind(end: string, previous: ReadonlyMap<string, string>, start: string): string[] {
  const path = [end];
  while (path[0] !== start) path.unshift(previous.get(path[0]!)!);
  return path;
}

/**
 * Two components whose globs could match the same file, judged from the globs alone (the files
 * that exist are checked by drift detection); see globsOverlap.
 */
function overlappingOwners(ir: Ir): Diagnostic[] {
  const owned = ir.components.flatMap((c) => c.owns.map((glob) => ({ component: c.name, glob })));
  const out: Diagnostic[] = [];
  const earlier = new GlobIndex();
  owned.forEach((b, i) => {
    const a = earlier.mayOverlap(b.glob.value).map((j) => owned[j]!).find((x) => x.component !== b.component && globsOverlap(x.glob.value, b.glob.value));
    if (a) {
      out.push(diagnostic("overlapping-owners", b.glob.at, {
        component: b.component, glob: b.glob.value, other: a.component, otherGlob: a.glob.value, where: where(a.glob),
      }));
    }
    earlier.add(b.glob.value, i);
  });
  return out;
}

function where(value: Located): string {
  return `${value.at.file}:${value.at.line}:${value.at.column}`;
}
