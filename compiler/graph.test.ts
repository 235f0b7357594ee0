import fc from "fast-check";
import picomatch from "picomatch";
import { describe, expect, it } from "vitest";
import { compareDiagnostics, formatDiagnostic, parseSpec, validateSpecFile, type SpecFile } from "../spec-lang/index.js";
import { buildGraph, buildOrder, graphProblems, withDependencies } from "./graph.js";
import { globsOverlap } from "./globs.js";
import type { Ir } from "./ir.js";
import { resolveSpecTree } from "./resolve.js";

function parse(text: string, file: string): SpecFile {
  const result = parseSpec(text, file);
  const errors = [...result.diagnostics, ...validateSpecFile(result.ast)].filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`the test's spec has errors:\n${errors.map(formatDiagnostic).join("\n")}\n${text}`);
  return result.ast;
}

/** A system and the given component texts, in files specs/f1.phx, specs/f2.phx, ... */
function tree(...components: string[]): Ir {
  const files = [parse("system s {}\n", "specs/f0.phx"), ...components.map((text, i) => parse(text, `specs/f${i + 1}.phx`))];
  return resolveSpecTree(files, "specs").base!;
}

/** A component on one line: `name -> dep, dep`, owning its own folder. */
function one(name: string, ...dependsOn: string[]): string {
  return `component ${name} { owns "${name}/**"${dependsOn.length ? ` depends_on ${dependsOn.join(", ")}` : ""} }\n`;
}

const problems = (ir: Ir) => graphProblems(ir).map(formatDiagnostic);

const SIGNIN = [one("web", "api"), one("api", "store", "sessions"), one("sessions", "store"), one("store")];

describe("buildOrder", () => {
  it("puts dependencies first", () => {
    expect(buildOrder(tree(...SIGNIN))).toEqual(["store", "sessions", "api", "web"]);
  });

  it("breaks ties by name", () => {
    expect(buildOrder(tree(one("c"), one("a"), one("b")))).toEqual(["a", "b", "c"]);
    // m and z are ready at once; a waits for z, even though it sorts first
    expect(buildOrder(tree(one("z"), one("a", "z"), one("m")))).toEqual(["m", "z", "a"]);
    expect(buildOrder(tree(one("d", "c", "b"), one("c", "a"), one("b", "a"), one("a")))).toEqual(["a", "b", "c", "d"]);
  });

  it("leaves out a dependency on a component that does not exist (reported separately)", () => {
    expect(buildOrder(tree(one("web", "ghost")))).toEqual(["web"]);
    expect(buildGraph(tree(one("web", "ghost"))).nodes()).toEqual(["web"]);
  });

  const dag = fc.integer({ min: 1, max: 9 }).chain((n) => fc.tuple(
    fc.shuffledSubarray(["api", "auth", "cache", "db", "log", "mail", "queue", "store", "web"], { minLength: n, maxLength: n }),
    fc.array(fc.tuple(fc.nat(), fc.nat()), { maxLength: 20 }),
  )).chain(([names, pairs]) => {
    // an edge only from a later name in `names` to an earlier one, so there is no cycle
    const deps = new Map(names.map((n) => [n, new Set<string>()]));
    for (const [x, y] of pairs) {
      const [i, j] = [x % names.length, y % names.length];
      if (i > j) deps.get(names[i]!)!.add(names[j]!);
    }
    // declared in an order of their own, so that dependents may come first
    return fc.shuffledSubarray(names, { minLength: names.length, maxLength: names.length }).map((declared) => ({ deps, declared }));
  });

  it("always lists every component once, each after its dependencies and, among those ready, the first by name (property)", () => {
    fc.assert(fc.property(dag, ({ deps, declared }) => {
      const order = buildOrder(tree(...declared.map((n) => one(n, ...deps.get(n)!))));
      expect([...order].sort()).toEqual([...deps.keys()].sort());
      const done = new Set<string>();
      for (const name of order) {
        const ready = [...deps.keys()].filter((n) => !done.has(n) && [...deps.get(n)!].every((d) => done.has(d))).sort();
        expect(name).toBe(ready[0]);
        done.add(name);
      }
    }), { numRuns: 200 });
  });
});

describe("withDependencies", () => {
  const ir = tree(...SIGNIN, one("admin", "sessions"));

  it("is the targets and everything they depend on, transitively, but not their dependents", () => {
    expect([...withDependencies(ir, ["web"])].sort()).toEqual(["api", "sessions", "store", "web"]);
    expect([...withDependencies(ir, ["sessions"])].sort()).toEqual(["sessions", "store"]);
    expect([...withDependencies(ir, ["store"])]).toEqual(["store"]);
    expect([...withDependencies(ir, ["admin", "api"])].sort()).toEqual(["admin", "api", "sessions", "store"]);
    expect(withDependencies(ir, []).size).toBe(0);
  });
});

describe("cycles", () => {
  it("reports a component depending on itself at that depends_on entry", () => {
    expect(problems(tree('component a {\n  owns "a/**"\n  depends_on a\n}\n'))).toEqual([
      "specs/f1.phx:3:14: error dependency-cycle: components depend on each other in a cycle: a -> a",
    ]);
  });

  it("reports a cycle of two once, with its full path, at the first component's entry", () => {
    const ir = tree('component auth {\n  owns "auth/**"\n  depends_on api\n}\n', 'component api {\n  owns "api/**"\n  depends_on store, auth\n}\n', one("store"));
    expect(problems(ir)).toEqual([
      "specs/f2.phx:3:21: error dependency-cycle: components depend on each other in a cycle: api -> auth -> api",
    ]);
  });

  it("reports a cycle of three once, with its full path", () => {
    const ir = tree(one("c", "a"), one("b", "c"), one("a", "b"));
    expect(problems(ir)).toEqual([
      "specs/f3.phx:1:38: error dependency-cycle: components depend on each other in a cycle: a -> b -> c -> a",
    ]);
  });

  it("reports two separate cycles each once, and nothing for what only depends on a cycle", () => {
    const ir = tree(one("a", "b"), one("b", "a"), one("x", "y"), one("y", "z"), one("z", "x"), one("top", "a", "x"), one("free"));
    expect(graphProblems(ir).map((d) => d.message.split(": ")[1])).toEqual(["a -> b -> a", "x -> y -> z -> x"]);
    expect(buildOrder(ir)).toEqual(["free"]);
  });

  it("reports a cycle through 20,000 components once, and orders a chain of 20,000, without running out of stack", () => {
    const chain = (n: number, closed: boolean) => Array.from({ length: n }, (_, i) => one(`c${i}`, ...(i > 0 ? [`c${i - 1}`] : closed ? [`c${n - 1}`] : []))).join("");
    const cycle = graphProblems(tree(chain(20_000, true))).map((d) => d.message);
    expect(cycle).toHaveLength(1);
    expect(cycle[0]).toMatch(/: c0 -> c19999 -> c19998 -> .* -> c1 -> c0$/);
    const order = buildOrder(tree(chain(20_000, false)));
    expect(order).toHaveLength(20_000);
    expect([order[0], order[1], order.at(-1)]).toEqual(["c0", "c1", "c19999"]);
  });

  it("reports the same cycles whatever order the components are declared in (property)", () => {
    const components = [one("a", "b"), one("b", "c"), one("c", "a"), one("d", "d", "a"), one("e", "a")];
    const names = ["a", "b", "c", "d", "e"];
    // one file per component, named after it, so that places do not depend on the order
    // sorted as phoenix prints them
    const compile = (order: number[]) => graphProblems(resolveSpecTree(
      [parse("system s {}\n", "specs/system.phx"), ...order.map((i) => parse(components[i]!, `specs/${names[i]}.phx`))], "specs").base!)
      .sort(compareDiagnostics).map(formatDiagnostic);
    const expected = compile([0, 1, 2, 3, 4]);
    expect(expected.map((p) => p.split(": ").at(-1))).toEqual(["a -> b -> c -> a", "d -> d"]);
    fc.assert(fc.property(fc.shuffledSubarray([0, 1, 2, 3, 4], { minLength: 5, maxLength: 5 }), (order) => {
      expect(compile(order)).toEqual(expected);
    }), { numRuns: 30 });
  });
});

describe("unknown dependencies", () => {
  it.each([
    ["sesions", " (did you mean 'sessions'?)"],
    ["Store", " (did you mean 'store'?)"],
    ["sess", " (did you mean 'sessions'?)"],
    ["payments", ""],
  ])("reports depends_on %s at the entry%s", (name, hint) => {
    const ir = tree(`component api {\n  owns "api/**"\n  depends_on store, ${name}\n}\n`, one("store"), one("sessions", "store"));
    expect(problems(ir)).toEqual([
      `specs/f1.phx:3:21: error unknown-component: component 'api' depends on '${name}', which is not defined${hint}`,
    ]);
  });
});

describe("globsOverlap", () => {
  it.each([
    ["src/**", "src/store/**", true],
    ["src/store/**", "src/web/**", false],
    ["src/server.ts", "src/**", true],
    ["src/*.ts", "src/store/**", false],
    ["src/store/**", "src/store/**", true],
    ["./src/", "src/**", true],
    ["src/", "src/store/index.ts", true],
    ["./src/store/**", "src/store/**", true],
    ["src/*", "src/*.ts", true],
    ["src/*.ts", "src/*.js", false],
    ["src/a*", "src/*b", true],
    ["src/**/*.ts", "src/api/index.ts", true],
    ["src/**/*.ts", "src/**/*.js", false],
    ["src/**/*.test.ts", "src/api/**", true],
    ["**", "docs/readme.md", true],
    ["**/*.md", "src/**", true],
    ["*", "src/**", false],
    ["*.json", "package.json", true],
    ["src/store/**", "src/store-extra/**", false],
    ["src/store/index.ts", "src/store/index.ts", true],
    ["src/store/index.ts", "src/store/other.ts", false],
    ["src/{api,web}/**", "src/web/index.ts", true],
    ["src/{api,web}/**", "lib/**", false],
    ["src2/{a,b}/**", "*.json", false],
    ["{src,lib}/*.ts", "*.json", false],
    ["src/{api,{web,www}}/**", "src/www/x.ts", true],
    ["src/{api,web}/*.{ts,js}", "src/web/**/*.css", false],
    ["src/{api,web}/*.{ts,js}", "src/web/index.js", true],
    ["src/{1..3}/**", "src/2/x", true],
  ])("%s and %s: %s, either way round", (a, b, overlap) => {
    expect(globsOverlap(a, b)).toBe(overlap);
    expect(globsOverlap(b, a)).toBe(overlap);
  });

  // A glob ending in `/**` owns what is below a directory, not a file with the directory's name.
  const matchers = new Map<string, (path: string) => boolean>();
  const matcher = (glob: string) => matchers.get(glob) ?? matchers.set(glob, picomatch(glob, { dot: true })).get(glob)!;
  const owns = (glob: string, path: string) => matcher(glob)(path) && !(glob.endsWith("/**") && matcher(glob.slice(0, -3))(path));
  const glob = fc.array(fc.constantFrom("src", "store", "web", "*", "*.ts", "**", "a*", "*b", "?b", "index.ts", "[ab]*", ".env", "{src,web}", "{a,b}*", "*.{ts,env}"), { minLength: 1, maxLength: 4 })
    .map((segments) => segments.join("/"));
  const names = ["src", "store", "web", "a.ts", "ab", "bb", "index.ts", ".env"];
  const paths = [...names.map((a) => [a]), ...names.flatMap((a) => names.map((b) => [a, b])), ...names.flatMap((a) => names.flatMap((b) => names.map((c) => [a, b, c])))]
    .map((segments) => segments.join("/"));

  it("never misses two globs that own one file (property, against picomatch)", () => {
    fc.assert(fc.property(glob, glob, (a, b) => {
      const shared = paths.find((p) => owns(a, p) && owns(b, p));
      if (shared !== undefined) expect(globsOverlap(a, b), `both own ${shared}`).toBe(true);
    }), { numRuns: 400 });
  });
});

describe("overlapping owners", () => {
  it("reports the later glob, naming the other component and where its glob is", () => {
    const ir = tree('component store {\n  owns "src/store/**"\n}\n', 'component web {\n  owns "src/web/**", "src/**"\n}\n');
    expect(problems(ir)).toEqual([
      "specs/f2.phx:2:22: error overlapping-owners: component 'web' owns 'src/**', which overlaps 'src/store/**' of component 'store' (specs/f1.phx:2:8): every file has exactly one owner",
    ]);
  });

  it("does not report one component's own globs against each other", () => {
    expect(problems(tree('component web { owns "src/**", "src/web/**", "src/web/index.ts" }\n'))).toEqual([]);
  });

  it("reports a file that two components name", () => {
    const ir = tree('component api { owns "src/api/**", "src/server.ts" }\n', 'component web { owns "src/web/**", "src/*.ts" }\n');
    expect(problems(ir).map((p) => p.split(": ").slice(1).join(": "))).toEqual([
      "error overlapping-owners: component 'web' owns 'src/*.ts', which overlaps 'src/server.ts' of component 'api' (specs/f1.phx:1:36): every file has exactly one owner",
    ]);
  });

  it("finds nothing wrong with the example system", () => {
    const ir = tree(
      'component api { owns "src/api/**", "src/server.ts" depends_on store, sessions }\n',
      'component web { owns "src/web/**" depends_on api }\n',
      'component store { owns "src/store/**" }\n',
      'component sessions { owns "src/sessions/**" depends_on store }\n',
    );
    expect(problems(ir)).toEqual([]);
  });
});
