/**
 * The build graph: one node per component, an edge from each dependency to its dependent, so
 * that topological order builds dependencies first. Also the checks that need the whole graph:
 * unknown dependencies, cycles (reported as their full path) and overlapping owners. Pure.
 */
import { diagnostic, didYouMean, type Diagnostic } from "../spec-lang/index.js";
import { GlobIndex, globsOverlap } from "./globs.js";
import type { Component, Ir, Located } from "./ir.js";
import { ReadyQueue } from "./ready-queue.js";

/**
 * Each component's dependencies and dependents. Plain maps of lists: at 10,000 components a
 * general graph library cost a second to build the graph three times over.
 */
export class DependencyGraph {
  private readonly dependencies = new Map<string, string[]>();
  private readonly dependents = new Map<string, string[]>();

  /** Depends_on entries naming no component are left out (reported separately), and so are repeats. */
  constructor(components: readonly Component[]) {
    for (const c of components) {
      this.dependencies.set(c.name, []);
      this.dependents.set(c.name, []);
    }
    for (const c of components) {
      const own = this.dependencies.get(c.name)!;
      for (const d of c.dependsOn) {
        const theirs = this.dependents.get(d.value);
        if (!theirs || own.includes(d.value)) continue;
        own.push(d.value);
        theirs.push(c.name);
      }
    }
  }

  /** Every component's name, in the order the components came. */
  nodes(): string[] {
    return [...this.dependencies.keys()];
  }

  /** What `name` depends on directly; nothing for an unknown name. */
  dependenciesOf(name: string): readonly string[] {
    return this.dependencies.get(name) ?? [];
  }

  /** What depends on `name` directly; nothing for an unknown name. */
  dependentsOf(name: string): readonly string[] {
    return this.dependents.get(name) ?? [];
  }
}

const graphs = new WeakMap<Ir, DependencyGraph>();

/**
 * The graph of the components, made once per IR (an IR is never changed once made: deltas copy
 * what they change), for the compile's checks, the plan's order and the build's scheduler alike.
 */
export function buildGraph(ir: Ir): DependencyGraph {
  let graph = graphs.get(ir);
  if (!graph) graphs.set(ir, (graph = new DependencyGraph(ir.components)));
  return graph;
}

/** Component names, dependencies before dependents, ties broken by name (stable output). */
export function buildOrder(ir: Ir): string[] {
  const graph = buildGraph(ir);
  const names = graph.nodes().sort();
  const unfinished = new Map(names.map((n) => [n, graph.dependenciesOf(n).length]));
  const ready = new ReadyQueue(new Map(names.map((n, i) => [n, i])));
  for (const n of names) if (unfinished.get(n) === 0) ready.push(n);
  const order: string[] = [];
  for (let next = ready.shift(); next !== undefined; next = ready.shift()) {
    order.push(next);
    for (const dependent of graph.dependentsOf(next)) {
      const left = unfinished.get(dependent)! - 1;
      unfinished.set(dependent, left);
      if (left === 0) ready.push(dependent);
    }
  }
  return order;
}

/** `targets` and everything they depend on, transitively. */
export function withDependencies(ir: Ir, targets: readonly string[]): Set<string> {
  const graph = buildGraph(ir);
  const out = new Set<string>();
  const pending = [...targets];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (out.has(name)) continue;
    out.add(name);
    pending.push(...graph.dependenciesOf(name));
  }
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
  const known = new Set(names);
  return ir.components.flatMap((c) => c.dependsOn.filter((d) => !known.has(d.value)).map((d) => {
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
  const inCycles = stronglyConnected(graph).filter((scc) => scc.length > 1 || graph.dependenciesOf(scc[0]!).includes(scc[0]!));
  for (const scc of inCycles) {
    const start = [...scc].sort()[0]!;
    const path = cyclePath(start, new Set(scc), components);
    const entry = components.get(start)!.dependsOn.find((d) => d.value === path[1])!;
    out.push(diagnostic("dependency-cycle", entry.at, { path: path.join(" -> ") }));
  }
  return out;
}

/**
 * The strongly connected components of the graph (Tarjan's algorithm), each a list of names.
 * Iterative: a chain of 10,000 dependencies is deeper than the call stack.
 */
function stronglyConnected(graph: DependencyGraph): string[][] {
  const index = new Map<string, number>();
  const lowlink = new Map<string, number>();
  const onStack = new Set<string>();
  const stack: string[] = [];
  const out: string[][] = [];
  for (const root of graph.nodes()) {
    if (index.has(root)) continue;
    // each frame: a node and how many of its dependencies it has looked at
    const frames: [string, number][] = [[root, 0]];
    index.set(root, index.size);
    lowlink.set(root, index.get(root)!);
    stack.push(root);
    onStack.add(root);
    while (frames.length > 0) {
      const frame = frames[frames.length - 1]!;
      const [name, next] = frame;
      const dependencies = graph.dependenciesOf(name);
      if (next < dependencies.length) {
        frame[1]++;
        const dependency = dependencies[next]!;
        if (!index.has(dependency)) {
          index.set(dependency, index.size);
          lowlink.set(dependency, index.get(dependency)!);
          stack.push(dependency);
          onStack.add(dependency);
          frames.push([dependency, 0]);
        } else if (onStack.has(dependency)) {
          lowlink.set(name, Math.min(lowlink.get(name)!, index.get(dependency)!));
        }
        continue;
      }
      frames.pop();
      const parent = frames[frames.length - 1];
      if (parent) lowlink.set(parent[0], Math.min(lowlink.get(parent[0])!, lowlink.get(name)!));
      if (lowlink.get(name) !== index.get(name)) continue;
      const scc: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        scc.push(member);
      } while (member !== name);
      out.push(scc);
    }
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
