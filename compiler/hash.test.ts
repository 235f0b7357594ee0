import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, formatSpecFile, parseSpec, validateSpecFile, type SpecFile } from "../spec-lang/index.js";
import { canonicalJson, inputHash, sha256, shortHash, specHash, type BuildInputs } from "./hash.js";
import { componentNamed, type Component, type Ir } from "./ir.js";
import { irSchema } from "./ir-schema.js";
import { compileTree } from "./project.js";
import { resolveSpecTree } from "./resolve.js";

/** Parses one file and fails the test on any error in it, so a broken variant cannot pass unseen. */
function parsed(text: string, file = "specs/web.phx"): SpecFile {
  const result = parseSpec(text, file);
  const errors = [...result.diagnostics, ...validateSpecFile(result.ast)].filter((d) => d.severity === "error");
  if (errors.length > 0) throw new Error(`the test's spec has errors:\n${errors.map(formatDiagnostic).join("\n")}\n${text}`);
  return result.ast;
}

/** The component `name` of a spec text (a system block is added). */
function component(text: string, name = "web"): Component {
  const { base } = resolveSpecTree([parsed("system s {}\n"), parsed(text)], "specs");
  const found = base && componentNamed(base, name);
  if (!found) throw new Error(`no component ${name}`);
  return found;
}

const hashOf = (text: string): string => specHash(component(text));

const WEB = `component web {
  description "The sign-in page."
  owns "src/web/**", "src/pages/**"
  interface "src/web/index.ts"
  depends_on api, store
  agent claude-code
  autonomy supervised

  requirement WEB-1 MUST "The page posts the form to /signin."
  requirement WEB-2 MUST "The sign-in button is green."
  requirement WEB-3 SHOULD "The page works without frameworks."
    because "it must load fast on slow phones"

  decision WEB-Q1 "Which green?" answer "#15803d"
  decision WEB-Q2 "Which font?" answer "system-ui"

  check unit {
    run "npx vitest run test/web"
    covers WEB-1, WEB-2
    timeout 60s
  }
  check health {
    probe "GET /"
    expect status 200
    expect p95 < 100ms
    samples 20
  }
  check looks-right {
    judge "The button stands out."
    votes 3
    advisory
  }
}
`;

/** WEB on few lines, in another layout, full of comments. */
const MESSY = `// the page
component web { /* header comment */ description   "The sign-in page."
owns "src/web/**",
     "src/pages/**"   // two globs
interface "src/web/index.ts" depends_on api, store agent claude-code autonomy supervised
requirement WEB-1 MUST "The page posts the form to /signin." requirement WEB-2 MUST "The sign-in button is green."
requirement WEB-3 SHOULD "The page works without frameworks." because "it must load fast on slow phones"
decision WEB-Q1 "Which green?" answer "#15803d" decision WEB-Q2 "Which font?" answer "system-ui"
check unit { run "npx vitest run test/web" covers WEB-1, WEB-2 timeout 60s }
check health { probe "GET /" expect status 200 expect p95 < 100ms samples 20 }
check looks-right { judge "The button stands out." votes 3 advisory } }
`;

/** WEB with `from` (which must occur exactly once) replaced by `to`. */
function variant(from: string, to: string): string {
  const at = WEB.indexOf(from);
  if (at < 0 || WEB.indexOf(from, at + 1) >= 0) throw new Error(`'${from}' does not occur exactly once in WEB`);
  return WEB.slice(0, at) + to + WEB.slice(at + from.length);
}

describe("specHash: what does not change it", () => {
  const base = hashOf(WEB);

  it("is sha256: and 64 hex digits", () => {
    expect(base).toMatch(/^sha256:[0-9a-f]{64}$/);
  });

  it("ignores layout and comments: the same component on few lines, full of comments", () => {
    expect(hashOf(MESSY)).toBe(base);
  });

  it("ignores the canonical reformatting of the file", () => {
    const formatted = formatSpecFile(parsed(MESSY));
    expect(formatted).not.toBe(MESSY);
    expect(hashOf(formatted)).toBe(base);
  });

  it("ignores comments added to the canonical layout", () => {
    const commented = WEB.replace("component web {", "/* the page */\ncomponent web { // header\n").replace(/\n  check/g, "\n  // a check\n  check");
    expect(commented).not.toBe(WEB);
    expect(hashOf(commented)).toBe(base);
  });


  it("ignores the order of requirements, checks, decisions, globs, dependencies, covers and expects", () => {
    const reordered = `component web {
  decision WEB-Q2 "Which font?" answer "system-ui"
  check looks-right {
    advisory
    votes 3
    judge "The button stands out."
  }
  requirement WEB-3 SHOULD "The page works without frameworks."
    because "it must load fast on slow phones"
  check health {
    samples 20
    expect p95 < 100ms
    expect status 200
    probe "GET /"
  }
  depends_on store
  owns "src/pages/**"
  requirement WEB-2 MUST "The sign-in button is green."
  check unit {
    timeout 60s
    covers WEB-2, WEB-1
    run "npx vitest run test/web"
  }
  decision WEB-Q1 "Which green?" answer "#15803d"
  requirement WEB-1 MUST "The page posts the form to /signin."
  depends_on api
  owns "src/web/**"
  interface "src/web/index.ts"
  autonomy supervised
  agent claude-code
  description "The sign-in page."
}
`;
    expect(hashOf(reordered)).toBe(base);
  });

  it("ignores the order of `expect` lines on its own", () => {
    // on its own, so that a regression here is named
    expect(hashOf(variant("expect status 200\n    expect p95 < 100ms", "expect p95 < 100ms\n    expect status 200"))).toBe(base);
  });

  it.each([
    ["another agent", "agent claude-code", 'agent command "node tools/agent.js"'],
    ["no agent", "  agent claude-code\n", ""],
    ["autonomy autonomous", "autonomy supervised", "autonomy autonomous"],
    ["autonomy left to its default", "  autonomy supervised\n", ""],
  ])("ignores who builds it: %s", (_, from, to) => {
    expect(hashOf(variant(from, to))).toBe(base);
  });

  it.each([
    ["a timeout in other units", "timeout 60s", "timeout 1m"],
    ["the default judge votes written out or not", "    votes 3\n", ""],
    ["a triple-quoted description", 'description "The sign-in page."', 'description """\n    The sign-in page.\n  """'],
    ["a question written as a triple-quoted string", '"Which font?"', '"""Which font?"""'],
  ])("ignores a different spelling of the same value: %s", (_, from, to) => {
    expect(hashOf(variant(from, to))).toBe(base);
  });
});

describe("specHash: what changes it", () => {
  const changes: [string, string, string][] = [
    ["requirement text", '"The sign-in button is green."', '"The sign-in button is blue."'],
    ["requirement level", "WEB-2 MUST ", "WEB-2 MUST NOT "],
    ["requirement level among the ones that need a reason", "WEB-3 SHOULD", "WEB-3 MAY"],
    ["requirement reason", '"it must load fast on slow phones"', '"it must load fast"'],
    ["requirement added", '  decision WEB-Q1', '  requirement WEB-4 MAY "Dark mode." because "some like it"\n  decision WEB-Q1'],
    ["requirement removed", '  requirement WEB-3 SHOULD "The page works without frameworks."\n    because "it must load fast on slow phones"\n', ""],
    ["texts swapped between two requirements", '"The page posts the form to /signin."\n  requirement WEB-2 MUST "The sign-in button is green."',
      '"The sign-in button is green."\n  requirement WEB-2 MUST "The page posts the form to /signin."'],
    ["check command", '"npx vitest run test/web"', '"npx vitest run test/web --coverage"'],
    ["check timeout", "timeout 60s", "timeout 90s"],
    ["check network", "timeout 60s", "timeout 60s\n    network allow"],
    ["check kind", 'judge "The button stands out."\n    votes 3', 'human "The button stands out."'],
    ["probe request", '"GET /"', '"GET /signin"'],
    ["expected status", "expect status 200", "expect status 204"],
    ["latency bound", "expect p95 < 100ms", "expect p95 < 200ms"],
    ["latency comparison", "expect p95 < 100ms", "expect p95 <= 100ms"],
    ["latency metric", "expect p95 < 100ms", "expect p99 < 100ms"],
    ["samples", "samples 20", "samples 30"],
    ["judge rubric", '"The button stands out."', '"The button is easy to find."'],
    ["judge votes", "votes 3", "votes 5"],
    ["covers", "covers WEB-1, WEB-2", "covers WEB-1"],
    ["advisory removed", "    advisory\n", ""],
    ["advisory added", "    timeout 60s\n", "    timeout 60s\n    advisory\n"],
    ["check renamed", "check unit", "check tests"],
    ["check removed", '  check health {\n    probe "GET /"\n    expect status 200\n    expect p95 < 100ms\n    samples 20\n  }\n', ""],
    ["decision answer", '"#15803d"', '"#166534"'],
    ["decision question", '"Which green?"', '"Which shade of green?"'],
    ["decision added", '  decision WEB-Q1', '  decision WEB-Q3 "Rounded corners?" answer "4px"\n  decision WEB-Q1'],
    ["owned glob changed", '"src/pages/**"', '"src/views/**"'],
    ["owned glob added", '"src/pages/**"', '"src/pages/**", "src/styles/**"'],
    ["interface changed", '"src/web/index.ts"', '"src/web/api.ts"'],
    ["interface removed", '  interface "src/web/index.ts"\n', ""],
    ["dependency added", "depends_on api, store", "depends_on api, store, sessions"],
    ["dependency removed", "depends_on api, store", "depends_on api"],
    ["description changed", '"The sign-in page."', '"The sign-in page, in plain HTML."'],
    ["description removed", '  description "The sign-in page."\n', ""],
    ["component renamed", "component web {", "component page {"],
  ];

  it.each(changes)("changes with the %s", (what, from, to) => {
    const name = what === "component renamed" ? "page" : "web";
    expect(specHash(component(variant(from, to), name))).not.toBe(hashOf(WEB));
  });

  it("gives every one of those changes its own hash", () => {
    const hashes = changes.map(([what, from, to]) => specHash(component(variant(from, to), what === "component renamed" ? "page" : "web")));
    expect(new Set([hashOf(WEB), ...hashes]).size).toBe(changes.length + 1);
  });
});

describe("canonicalJson", () => {
  it("sorts keys at every depth and leaves out undefined members", () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: undefined }, e: null })).toBe('{"a":{"d":[3,{"y":2,"z":1}]},"b":1,"e":null}');
  });

  it("keeps array order: a list in another order is other content", () => {
    expect(canonicalJson([1, 2])).not.toBe(canonicalJson([2, 1]));
  });

  /** `value` with the keys of every object inserted in an order drawn from `seed`. */
  function shuffled(value: unknown, seed: number): unknown {
    if (Array.isArray(value)) return value.map((v, i) => shuffled(v, seed + i));
    if (typeof value !== "object" || value === null) return value;
    const entries = Object.entries(value);
    let state = seed >>> 0;
    for (let i = entries.length - 1; i > 0; i--) {
      state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
      const j = state % (i + 1);
      [entries[i], entries[j]] = [entries[j]!, entries[i]!];
    }
    const out: Record<string, unknown> = {};
    for (const [k, v] of entries) Object.defineProperty(out, k, { value: shuffled(v, state + k.length), enumerable: true, writable: true, configurable: true });
    return out;
  }

  it("does not depend on the order keys were inserted in (property)", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.integer(), (value, seed) => {
      expect(canonicalJson(shuffled(value, seed))).toBe(canonicalJson(value));
    }), { numRuns: 500 });
  });

  it("reads back as the same value (property)", () => {
    fc.assert(fc.property(fc.jsonValue(), (value) => {
      // compared with plain JSON's reading of it: JSON itself turns -0 into 0
      expect(JSON.parse(canonicalJson(value))).toEqual(JSON.parse(JSON.stringify(value)));
    }), { numRuns: 500 });
  });

  it("is the text JSON.stringify gives for a copy with sorted keys, undefined members and sparse arrays included: every recorded hash stays valid (property)", () => {
    /** How canonical JSON was made before it was written out directly. */
    const sortKeys = (value: unknown): unknown => {
      if (Array.isArray(value)) return value.map(sortKeys);
      if (typeof value !== "object" || value === null) return value;
      const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
    };
    const values = [fc.string(), fc.integer(), fc.double(), fc.boolean(), fc.constant(null), fc.constant(undefined)];
    fc.assert(fc.property(fc.anything({ values, withSparseArray: true, withNullPrototype: true }), (value) => {
      expect(canonicalJson(value)).toBe(JSON.stringify(sortKeys(value)));
    }), { numRuns: 1_000 });
  });

  it("tells different values apart (property)", () => {
    fc.assert(fc.property(fc.jsonValue(), fc.jsonValue(), (a, b) => {
      fc.pre(JSON.stringify(a) !== JSON.stringify(b));
      // equal canonical text means equal values
      if (canonicalJson(a) === canonicalJson(b)) expect(a).toEqual(b);
    }), { numRuns: 500 });
  });
});

describe("inputHash", () => {
  const inputs: BuildInputs = {
    specHash: sha256("web spec"),
    dependencyInterfaces: { api: sha256("api interface"), store: null },
    agent: { provider: "claude-code" },
    promptVersion: "prompts-1",
    containerHash: sha256("Containerfile"),
    systemChecksHash: sha256("system checks"),
  };

  it("does not depend on key order", () => {
    const reordered: BuildInputs = {
      containerHash: inputs.containerHash,
      promptVersion: "prompts-1",
      agent: { provider: "claude-code", argument: undefined },
      dependencyInterfaces: { store: null, api: sha256("api interface") },
      specHash: inputs.specHash,
      systemChecksHash: sha256("system checks"),
    };
    expect(inputHash(reordered)).toBe(inputHash(inputs));
  });

  it.each<[string, Partial<BuildInputs>]>([
    ["its own spec", { specHash: sha256("web spec v2") }],
    ["a dependency's interface", { dependencyInterfaces: { api: sha256("api interface v2"), store: null } }],
    ["a dependency whose interface becomes known", { dependencyInterfaces: { api: sha256("api interface"), store: sha256("store") } }],
    ["a new dependency", { dependencyInterfaces: { api: sha256("api interface"), store: null, sessions: null } }],
    ["the agent", { agent: { provider: "codex" } }],
    ["the agent's argument", { agent: { provider: "anthropic", argument: "claude-x" } }],
    ["no agent", { agent: null }],
    ["the prompt version", { promptVersion: "prompts-2" }],
    ["the container", { containerHash: sha256("Containerfile v2") }],
    ["no container", { containerHash: null }],
    ["the system's checks", { systemChecksHash: sha256("system checks v2") }],
  ])("changes with %s", (_, change) => {
    expect(inputHash({ ...inputs, ...change })).not.toBe(inputHash(inputs));
  });
});

describe("sha256 and shortHash", () => {
  it("is the sha256 of the text, prefixed", () => {
    // the well-known digest of "abc"
    expect(sha256("abc")).toBe("sha256:ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    expect(sha256(new TextEncoder().encode("abc"))).toBe(sha256("abc"));
  });

  it("shortens to sha256: and 12 hex digits", () => {
    expect(shortHash(sha256("abc"))).toBe("sha256:ba7816bf8f01");
  });
});

describe("the IR", () => {
  const specsDir = fileURLToPath(new URL("../specs/", import.meta.url));
  const files = (readdirSync(specsDir, { recursive: true }) as string[])
    .filter((f) => f.endsWith(".phx"))
    .sort()
    .map((f) => parsed(readFileSync(join(specsDir, f), "utf8"), `specs/${f.split("\\").join("/")}`));
  const tree = compileTree(files, "specs");

  it("of the example compiles without errors", () => {
    expect(tree.diagnostics.filter((d) => d.severity === "error").map(formatDiagnostic)).toEqual([]);
    expect(tree.desired?.components.map((c) => c.name)).toEqual(["api", "sessions", "store", "web"]);
  });

  it.each(["base", "desired"] as const)("round-trips through JSON and irSchema.parse (%s)", (which) => {
    const ir = tree[which]!;
    const back: Ir = irSchema.parse(JSON.parse(JSON.stringify(ir)));
    expect(back).toEqual(ir);
    expect(back.components.map(specHash)).toEqual(ir.components.map(specHash));
  });

  it("is checked by irSchema: a wrong level, a position before line 1 or a missing field is refused", () => {
    const json = JSON.parse(JSON.stringify(tree.base)) as Ir;
    const broken = (change: (ir: Ir) => void) => {
      const copy = structuredClone(json);
      change(copy);
      return irSchema.safeParse(copy).success;
    };
    expect(broken(() => undefined)).toBe(true);
    expect(broken((ir) => Object.assign(ir.components[0]!.requirements[0]!, { level: "MUSTNT" }))).toBe(false);
    expect(broken((ir) => { ir.components[0]!.at.line = 0; })).toBe(false);
    expect(broken((ir) => { delete (ir.components[0] as Partial<Component>).autonomy; })).toBe(false);
  });
});
