/**
 * The compiler's promise, checked on mutated spec trees: whatever the files say, compileTree
 * returns diagnostics and never throws, and the IR it makes always matches the IR's schema (a
 * value the user got wrong is reported and left out of the IR, never passed on).
 *
 * Byte-level mutation (spec-lang/fuzz.test.ts) mostly breaks the syntax, and the compiler's
 * corner cases hide behind valid syntax; so these mutations work on lines and tokens: numbers
 * and durations swapped for extreme ones, lines dropped, repeated or moved to another file,
 * phrases that rename, remove and re-point things put in.
 */
import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { repoRoot } from "../fixtures/run-phoenix.js";
import { parseSpec, type SpecFile } from "../spec-lang/index.js";
import { irSchema } from "./ir-schema.js";
import { compileTree } from "./project.js";

const SEED = 2119;
const RUNS = 2_000;

/** The example's spec tree, deltas included: path -> text. */
const exampleTree: ReadonlyMap<string, string> = new Map(
  readdirSync(join(repoRoot, "specs"), { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".phx") && !f.includes("applied")).sort()
    .map((f) => [`specs/${f}`, readFileSync(join(repoRoot, "specs", f), "utf8")]),
);

/** Values at and past every bound: zero, fractions, more digits than a double holds. */
const EXTREME_NUMBERS = ["0", "1", "2", "1.5", "0.0001", "600", "99999999999999999999999", "9".repeat(400)];
const EXTREME_DURATIONS = ["0s", "0ms", "0.5ms", "25h", "99999999999999999999999s", `${"9".repeat(400)}ms`];
/** Items that point at things that may not exist, or exist twice, or remove what others need. */
const PHRASES = [
  "depends_on web", "depends_on api, api", "depends_on nope", "depends_on web, store, sessions, api",
  'owns "src/**"', 'owns "src/{web,api}/**"', 'owns "*.json"', 'owns "**"', 'owns ""', 'owns "../x"',
  "covers NOPE", "covers WEB-1, WEB-1", "covers API-4", "remove component api", "remove component web",
  "remove requirement WEB-2", "remove check unit", "remove depends_on api", "modify web {", "modify nope {",
  'modify api base "sha256:0000" {', "add component web {", "add component extra {", "}", "{",
  'requirement WEB-9 MUST "x"', 'requirement WEB-1 SHOULD "x" because ""', 'check unit { run "x" covers WEB-9 }',
  'check sys { run "x" covers NOPE }', 'check p { probe "GET /" samples 0 expect p95 < 0ms }',
  'check j { judge "" votes 2 }', "timeout 0s", "samples 0", "votes 0", "network allow", "advisory",
  'component web { owns "src/web/**" }', 'delta web "same name" { }', 'root ""', 'container "."',
];

type TreeEdit =
  | { op: "number"; file: number; index: number; value: string }
  | { op: "duration"; file: number; index: number; value: string }
  | { op: "drop" | "repeat"; file: number; line: number }
  | { op: "move"; file: number; line: number; to: number; at: number }
  | { op: "insert"; file: number; at: number; phrase: string };

const index = fc.nat({ max: 1_000 });
const treeEdit: fc.Arbitrary<TreeEdit> = fc.oneof(
  fc.record({ op: fc.constant("number" as const), file: index, index, value: fc.constantFrom(...EXTREME_NUMBERS) }),
  fc.record({ op: fc.constant("duration" as const), file: index, index, value: fc.constantFrom(...EXTREME_DURATIONS) }),
  fc.record({ op: fc.constantFrom("drop" as const, "repeat" as const), file: index, line: index }),
  fc.record({ op: fc.constant("move" as const), file: index, line: index, to: index, at: index }),
  fc.record({ op: fc.constant("insert" as const), file: index, at: index, phrase: fc.constantFrom(...PHRASES) }),
);

/** The tree after `edit`; every index wraps, so any edit applies to any tree. */
function applyEdit(tree: string[], edit: TreeEdit): string[] {
  const out = [...tree];
  const f = edit.file % out.length;
  const lines = out[f]!.split("\n");
  switch (edit.op) {
    case "number": case "duration": {
      const pattern = edit.op === "number" ? /(?<![\w.])\d+(?:\.\d+)?(?![\w.])/g : /(?<![\w.])\d+(?:\.\d+)?(?:ms|s|m|h)\b/g;
      const matches = [...out[f]!.matchAll(pattern)];
      if (matches.length === 0) return out;
      const m = matches[edit.index % matches.length]!;
      out[f] = out[f]!.slice(0, m.index) + edit.value + out[f]!.slice(m.index + m[0].length);
      return out;
    }
    case "drop": case "repeat": {
      const at = edit.line % lines.length;
      lines.splice(at, edit.op === "drop" ? 1 : 0, ...(edit.op === "repeat" ? [lines[at]!] : []));
      break;
    }
    case "move": {
      const [line] = lines.splice(edit.line % lines.length, 1);
      out[f] = lines.join("\n");
      const t = edit.to % out.length;
      const target = out[t]!.split("\n");
      target.splice(edit.at % (target.length + 1), 0, line!);
      out[t] = target.join("\n");
      return out;
    }
    case "insert":
      lines.splice(edit.at % (lines.length + 1), 0, edit.phrase);
      break;
  }
  out[f] = lines.join("\n");
  return out;
}

const paths = [...exampleTree.keys()];
const mutatedTree = fc.array(treeEdit, { minLength: 1, maxLength: 6 })
  .map((edits) => edits.reduce(applyEdit, [...exampleTree.values()]));

/** Most edits leave most files alone: parse each distinct text once, so thousands of trees take seconds. */
const parsed = new Map<string, SpecFile>();
function parseCached(text: string, path: string): SpecFile {
  const key = `${path}\0${text}`;
  if (!parsed.has(key)) parsed.set(key, parseSpec(text, path).ast);
  return parsed.get(key)!;
}

describe("the compiler on mutated spec trees", () => {
  it("starts from the example's spec tree, deltas included", () => {
    expect(paths).toContain("specs/system.phx");
    expect(paths.some((p) => p.startsWith("specs/deltas/"))).toBe(true);
  });

  it("reports problems, never throws, and makes only IR that matches its schema", () => {
    let compiled = 0;
    fc.assert(fc.property(mutatedTree, (texts) => {
      const files = texts.map((text, i) => parseCached(text, paths[i]!));
      const tree = compileTree(files, "specs");
      if (!tree.base || !tree.desired) return;
      compiled++;
      expect(irSchema.safeParse(tree.base).error).toBeUndefined();
      expect(irSchema.safeParse(tree.desired).error).toBeUndefined();
    }), { numRuns: RUNS, seed: SEED });
    expect(compiled).toBeGreaterThan(RUNS / 2);
  });
});
