/**
 * Owned globs: how they are normalised, whether two can match one file, and an index that finds
 * the globs that may match a path, or overlap a glob, without trying every one: at 10,000
 * components, trying each against each is what made a no-op status take seconds. Pure.
 */
import picomatch from "picomatch";

/**
 * Globs by their literal folder (`src/store` for `src/store/**`), in a tree of path segments.
 * Two globs can match a common path only when one's folder contains the other's, so the pairs
 * worth comparing are found without comparing every pair: 10,000 components stay fast.
 */
export class GlobIndex {
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

  /**
   * The ids of globs that may match `path` (a file, relative and `/`-separated): those whose
   * folder is one of the path's folders, or the path itself for a glob with no wildcard. Ascending.
   */
  mayMatch(path: string): number[] {
    const ids: number[] = [];
    let node: IndexNode | undefined = this.root;
    for (const segment of path.split("/")) {
      ids.push(...node.here);
      node = node.children.get(segment);
      if (!node) return ids.sort((x, y) => x - y);
    }
    ids.push(...node.here);
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

/**
 * A matcher for one owned glob, as picomatch matches it (dotfiles included). The common shape,
 * a plain folder and everything below it (`src/store/**`), is a prefix test: compiling 10,000
 * globs with picomatch is a tenth of a second per thousand.
 */
export function globMatcher(glob: string): (path: string) => boolean {
  const normal = normaliseGlob(glob);
  const folder = normal.endsWith("/**") ? normal.slice(0, -3) : undefined;
  if (folder !== undefined && /^[\w. -]+(\/[\w. -]+)*$/.test(folder) && !folder.split("/").some((s) => s === "." || s === "..")) {
    const prefix = `${folder}/`;
    return (path) => path === folder || path.startsWith(prefix);
  }
  return picomatch(normal, { dot: true });
}

/** `./src/` and `src/**` are one glob: a leading `./` goes, a trailing `/` means everything below. */
export function normaliseGlob(glob: string): string {
  return glob.replace(/^\.\//, "").replace(/\/+$/, "/**");
}
