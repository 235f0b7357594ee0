/**
 * The build graph: one node per component, an edge from each dependency to its dependent, so
 * that topological order builds dependencies first. Also the checks that need the whole graph:
 * unknown dependencies, cycles (reported as their full path) and overlapping owners. Pure.
 */
import { alg, Graph } from "@dagrejs/graphlib";
import picomatch from "picomatch";
import { diagnostic, didYouMean, type Diagnostic } from "../spec-lang/index.js";
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

/**
 * Globs by their literal folder (`src/store` for `src/store/**`), in a tree of path segments.
 * Two globs can match a common path only when one's folder contains the other's, so the pairs
 * worth comparing are found without comparing every pair: 10,000 components stay fast.
 */
class GlobIndex {
  private readonly root: IndexNode = { here: [], children: new Map() };

  add(glob: string, id: number): void {
    let node = this.root;
    for (const segment of literalSegments(glob)) {
      let child = node.children.get(segment);
      if (!child) node.children.set(segment, (child = { here: [], children: new Map() }));
      node = child;
    }
    node.here.push(id);
  }

  /** The ids of globs whose folder contains `glob`'s or lies inside it, ascending. */
  mayOverlap(glob: string): number[] {
    const ids: number[] = [];
    let node: IndexNode | undefined = this.root;
    for (const segment of literalSegments(glob)) {
      ids.push(...node.here);
      node = node.children.get(segment);
      if (!node) return ids.sort((x, y) => x - y);
    }
    const below = [node];
    for (let next = below.pop(); next; next = below.pop()) {
      ids.push(...next.here);
      below.push(...next.children.values());
    }
    return ids.sort((x, y) => x - y);
  }
}

interface IndexNode {
  here: number[];
  children: Map<string, IndexNode>;
}

function literalSegments(glob: string): string[] {
  const base = picomatch.scan(normaliseGlob(glob)).base;
  return base === "" ? [] : base.split("/");
}

/**
 * True when some path could match both globs (`src/**` and `src/store/**`, `src/*` and
 * `src/*.ts`), compared segment by segment with `**` standing for any number of segments. It
 * errs towards true, never false: a missed overlap lets two agents write one file.
 *
 * (It used to compare literal prefixes only, and missed two wildcards in one directory:
 * `src/*` and `src/*.ts` both own src/index.ts.)
 */
export function globsOverlap(a: string, b: string): boolean {
  const [x, y] = [normaliseGlob(a), normaliseGlob(b)];
  if (x === y) return true;
  const [xs, ys] = [expandBraces(x), expandBraces(y)];
  if (xs && ys && xs.length + ys.length > 2) return xs.some((p) => ys.some((q) => globsOverlap(p, q)));
  // extglobs and braces not expanded may hold a `/` and defeat the split: compare literal directories only
  if (/[{(]/.test(x + y)) return nested(picomatch.scan(x).base, picomatch.scan(y).base);
  const [p, q] = [segmentsOf(x), segmentsOf(y)];
  const known = new Map<number, boolean>();
  const from = (i: number, j: number): boolean => {
    const key = i * (q.length + 1) + j;
    let result = known.get(key);
    if (result !== undefined) return result;
    if (p[i] === "**") result = from(i + 1, j) || (j < q.length && from(i, j + 1));
    else if (q[j] === "**") result = from(i, j + 1) || (i < p.length && from(i + 1, j));
    else if (i === p.length || j === q.length) result = i === p.length && j === q.length;
    else result = segmentsOverlap(p[i]!, q[j]!) && from(i + 1, j + 1);
    known.set(key, result);
    return result;
  };
  return from(0, 0);
}

/** More alternatives than this and a glob is compared by its literal directory instead. */
const MAX_BRACE_ALTERNATIVES = 64;

/**
 * `src/{a,b}/**` as `src/a/**` and `src/b/**`, nested lists too, so each alternative is compared
 * segment by segment. Undefined (compare conservatively) for a group that is not a plain comma
 * list, such as a range `{1..3}`, for escapes, and past MAX_BRACE_ALTERNATIVES.
 */
function expandBraces(glob: string): string[] | undefined {
  const open = glob.indexOf("{");
  if (open < 0) return [glob];
  if (glob.includes("\\")) return undefined;
  const parts: string[] = [];
  let [depth, start, close] = [0, open + 1, -1];
  for (let i = open; i < glob.length && close < 0; i++) {
    if (glob[i] === "{") depth++;
    else if (glob[i] === "}" && --depth === 0) close = i;
    if ((glob[i] === "," && depth === 1) || close === i) {
      parts.push(glob.slice(start, i));
      start = i + 1;
    }
  }
  if (close < 0 || parts.length < 2) return undefined;
  const out: string[] = [];
  for (const part of parts) {
    const expanded = expandBraces(glob.slice(0, open) + part + glob.slice(close + 1));
    if (!expanded) return undefined;
    out.push(...expanded);
    if (out.length > MAX_BRACE_ALTERNATIVES) return undefined;
  }
  return out;
}

/**
 * The segments of a glob. A trailing `**` owns what is below a directory, not the directory's
 * own name (`*` and `src/**` share no file), so it becomes `*` and `**`: one segment or more.
 */
function segmentsOf(glob: string): string[] {
  const segments = glob.split("/").filter((s) => s !== "");
  return segments.at(-1) === "**" ? [...segments.slice(0, -1), "*", "**"] : segments;
}

/** Whether some file or directory name matches both one-segment patterns. */
function segmentsOverlap(a: string, b: string): boolean {
  const [aGlob, bGlob] = [picomatch.scan(a).isGlob, picomatch.scan(b).isGlob];
  if (!aGlob && !bGlob) return a === b;
  if (!aGlob) return picomatch(b, { dot: true })(a);
  if (!bGlob) return picomatch(a, { dot: true })(b);
  // a name matching both starts with both literal heads and ends with both literal tails
  const [[aHead, aTail], [bHead, bTail]] = [literalEnds(a), literalEnds(b)];
  return (aHead.startsWith(bHead) || bHead.startsWith(aHead)) && (aTail.endsWith(bTail) || bTail.endsWith(aTail));
}

/** The literal text before the first and after the last wildcard character. */
function literalEnds(pattern: string): [string, string] {
  const special = /[*?[\]!+@\\]/;
  const chars = [...pattern];
  const first = chars.findIndex((c) => special.test(c));
  if (first < 0) return [pattern, pattern];
  const last = chars.length - 1 - [...chars].reverse().findIndex((c) => special.test(c));
  return [chars.slice(0, first).join(""), chars.slice(last + 1).join("")];
}

/** True when one literal directory contains the other (or they are the same). */
function nested(a: string, b: string): boolean {
  return a === "" || b === "" || a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);
}

/** `./src/` and `src/**` are one glob: a leading `./` goes, a trailing `/` means everything below. */
export function normaliseGlob(glob: string): string {
  return glob.replace(/^\.\//, "").replace(/\/+$/, "/**");
}

function where(value: Located): string {
  return `${value.at.file}:${value.at.line}:${value.at.column}`;
}
