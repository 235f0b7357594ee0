import { describe, expect, it } from "vitest";
import { formatDiagnostic, parseSpec, validateSpecFile, validateSpecTree, type SpecFile } from "../spec-lang/index.js";
import { specHash } from "./hash.js";
import { componentNamed, DEFAULT_CONTAINER, DEFAULT_ROOT, type Component, type Ir } from "./ir.js";
import { irSchema } from "./ir-schema.js";
import { resolveSpecTree } from "./resolve.js";

/** Parses each text as specs/fN.phx; any error in the inputs fails the test. */
function files(...texts: string[]): SpecFile[] {
  return texts.map((text, i) => {
    const result = parseSpec(text, `specs/f${i}.phx`);
    const errors = [...result.diagnostics, ...validateSpecFile(result.ast)].filter((d) => d.severity === "error");
    if (errors.length > 0) throw new Error(`the test's spec has errors:\n${errors.map(formatDiagnostic).join("\n")}`);
    return result.ast;
  });
}

function base(...texts: string[]): Ir {
  const resolved = resolveSpecTree(files(...texts), "specs");
  expect(resolved.diagnostics).toEqual([]);
  return resolved.base!;
}

function only(text: string, name: string): Component {
  const found = componentNamed(base("system s {}\n", text), name);
  if (!found) throw new Error(`no component ${name}`);
  return found;
}

/** A value without its source positions. */
function withoutSpans<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, (k, v: unknown) => (k === "at" ? undefined : v)));
}

describe("the system", () => {
  it("has the defaults of the language reference when it says nothing", () => {
    const ir = base("system shop {}\n");
    expect(withoutSpans(ir.system)).toEqual({ name: "shop", root: "system-under-construction", container: "project-container", protect: [], checks: [] });
    expect([DEFAULT_ROOT, DEFAULT_CONTAINER]).toEqual(["system-under-construction", "project-container"]);
    expect(ir.components).toEqual([]);
  });

  it("is located at its name", () => {
    const ir = base("// the system\n\nsystem   shop {}\n");
    expect(ir.system.at).toMatchObject({ file: "specs/f0.phx", line: 3, column: 10 });
  });

  it("takes every field that is written", () => {
    const ir = base(`system shop {
  description "A shop."
  root "app"
  container "env/dev"
  agent anthropic "claude-model-x"
  protect "test/**", ".ci/**"
  protect "docs/**"
  check typecheck { run "npx tsc --noEmit" timeout 2m }
}
`);
    expect(withoutSpans(ir.system)).toEqual({
      name: "shop",
      description: "A shop.",
      root: "app",
      container: "env/dev",
      agent: { provider: "anthropic", argument: "claude-model-x" },
      protect: ["test/**", ".ci/**", "docs/**"],
      checks: [{ name: "typecheck", kind: "run", subject: "npx tsc --noEmit", timeoutMs: 120_000, expect: [], covers: [], advisory: false }],
    });
  });

  it("is missing: one error at the specs directory, with the exact wording, and no IR", () => {
    const resolved = resolveSpecTree(files('component web { owns "src/**" }\n', 'delta d "x" { remove component web }\n'), "project/specs");
    expect(resolved.base).toBeUndefined();
    expect(resolved.diagnostics.map(formatDiagnostic)).toEqual([
      "project/specs:1:1: error missing-system: no `system` block under project/specs: a spec tree has exactly one (`phoenix init` writes specs/system.phx)",
    ]);
    // the deltas are still handed on, for tools that list them
    expect(resolved.deltas.map((d) => d.name.name)).toEqual(["d"]);
  });

  it("is missing in an empty tree too", () => {
    expect(resolveSpecTree([], "specs").diagnostics.map((d) => d.code)).toEqual(["missing-system"]);
  });
});

describe("how the system is started for probes", () => {
  const COMPONENTS = 'component web {\n  owns "src/web/**"\n  check up { probe "GET /" }\n}\ncomponent store { owns "src/store/**" }\n';

  it("takes start and ready from the system block", () => {
    const ir = base('system shop {\n  root "app"\n  start "node --import tsx src/server.ts"\n  ready "GET /health"\n}\n');
    expect(ir.system).toMatchObject({ root: "app", start: "node --import tsx src/server.ts", ready: "GET /health" });
    expect(irSchema.parse(ir)).toEqual(ir);
  });

  it("has neither when the system block gives neither, and start without ready when only start is given", () => {
    expect(base("system shop {}\n").system).toMatchObject({ start: undefined, ready: undefined });
    expect(base('system shop { start "npm start" }\n').system).toMatchObject({ start: "npm start", ready: undefined });
  });

  it("leaves out what validation rejected: an empty start, a malformed ready, a ready without start", () => {
    const system = (text: string) => resolveSpecTree([parseSpec(text, "specs/system.phx").ast], "specs").base!.system;
    expect(system('system s { start " " ready "GET /" }')).toMatchObject({ start: undefined, ready: undefined });
    expect(system('system s { start "npm start" ready "/health" }')).toMatchObject({ start: "npm start", ready: undefined });
    expect(system('system s { ready "GET /health" }')).toMatchObject({ start: undefined, ready: undefined });
  });

  it("changes no component's spec hash: it says how to run the system, not what a component must do", () => {
    const hashes = (system: string) => base(system, COMPONENTS).components.map((c) => [c.name, specHash(c)]);
    const without = hashes("system shop {}\n");
    expect(without).toHaveLength(2);
    expect(hashes('system shop { start "npm start" }\n')).toEqual(without);
    expect(hashes('system shop { start "node server.js" ready "GET /health" }\n')).toEqual(without);
    expect(hashes('system shop { start "node other.js" ready "HEAD http://127.0.0.1:9/up" }\n')).toEqual(without);
  });
});

describe("components", () => {
  const STORE = `component store {
  description """
    Keeps user records
    in memory.
  """
  owns "src/store/**", "src/shared/ids.ts"
  owns "src/db/**"
  interface "src/store/index.ts"
  depends_on crypto, clock
  depends_on log
  agent command "node tools/gen.js"
  autonomy autonomous

  requirement STORE-1 MUST "Passwords are stored only as scrypt hashes."
  requirement STORE-2 SHOULD "Look-ups by email take constant time."
    because "sign-in has a 100 ms budget"

  decision STORE-Q1 "Which hash function?" answer "scrypt, N=16384"

  check unit {
    run "npx vitest run test/store"
    covers STORE-1, STORE-2
    timeout 60s
    network allow
  }
}
`;

  it("carry every field, in the order written", () => {
    expect(withoutSpans(only(STORE, "store"))).toEqual({
      name: "store",
      description: "Keeps user records\nin memory.",
      owns: [{ value: "src/store/**" }, { value: "src/shared/ids.ts" }, { value: "src/db/**" }],
      interface: "src/store/index.ts",
      dependsOn: [{ value: "crypto" }, { value: "clock" }, { value: "log" }],
      agent: { provider: "command", argument: "node tools/gen.js" },
      autonomy: "autonomous",
      requirements: [
        { id: "STORE-1", level: "MUST", text: "Passwords are stored only as scrypt hashes." },
        { id: "STORE-2", level: "SHOULD", text: "Look-ups by email take constant time.", because: "sign-in has a 100 ms budget" },
      ],
      checks: [{
        name: "unit", kind: "run", subject: "npx vitest run test/store", timeoutMs: 60_000, network: "allow", expect: [],
        covers: ["STORE-1", "STORE-2"], advisory: false,
      }],
      decisions: [{ id: "STORE-Q1", question: "Which hash function?", answer: "scrypt, N=16384" }],
    });
  });

  it("keep where each part was written, for diagnostics", () => {
    const store = only(STORE, "store");
    const at = (span: { file: string; line: number; column: number }) => `${span.file}:${span.line}:${span.column}`;
    expect(at(store.at)).toBe("specs/f1.phx:1:11");
    expect(store.owns.map((o) => at(o.at))).toEqual(["specs/f1.phx:6:8", "specs/f1.phx:6:24", "specs/f1.phx:7:8"]);
    expect(store.dependsOn.map((d) => at(d.at))).toEqual(["specs/f1.phx:9:14", "specs/f1.phx:9:22", "specs/f1.phx:10:14"]);
    expect(at(store.requirements[1]!.at)).toBe("specs/f1.phx:15:15");
    expect(at(store.checks[0]!.at)).toBe("specs/f1.phx:20:9");
    expect(at(store.decisions[0]!.at)).toBe("specs/f1.phx:18:12");
  });

  it("are supervised, with no agent of their own, unless they say otherwise", () => {
    const c = only('component c { owns "src/**" }\n', "c");
    expect(c.autonomy).toBe("supervised");
    expect(c.agent).toBeUndefined();
    expect(c.description).toBeUndefined();
    expect(c.interface).toBeUndefined();
    expect([c.requirements, c.checks, c.decisions, c.dependsOn]).toEqual([[], [], [], []]);
  });

  it.each([
    ["claude-code", "agent claude-code", { provider: "claude-code" }],
    ["codex", "agent codex", { provider: "codex" }],
    ["anthropic without a model", "agent anthropic", { provider: "anthropic" }],
    ["scripted", 'agent scripted "fixtures/run.json"', { provider: "scripted", argument: "fixtures/run.json" }],
  ])("take the agent %s", (_, line, agent) => {
    expect(withoutSpans(only(`component c { owns "src/**" ${line} }\n`, "c").agent)).toEqual(agent);
  });

  it("come out sorted by name, whatever file and order they were written in", () => {
    const ir = base('component web { owns "w/**" }\ncomponent api { owns "a/**" }\n', "system s {}\n", 'component store { owns "s/**" }\ncomponent Zed { owns "z/**" }\n');
    expect(ir.components.map((c) => c.name)).toEqual(["Zed", "api", "store", "web"]);
  });

  it("of the same name: the first one wins (the second is reported by validateSpecTree)", () => {
    const parsed = files("system s {}\n", 'component store { owns "first/**" }\n', 'component store { owns "second/**" }\n');
    const ir = resolveSpecTree(parsed, "specs").base!;
    expect(ir.components.map((c) => c.owns.map((o) => o.value))).toEqual([["first/**"]]);
    expect(validateSpecTree(parsed).map(formatDiagnostic)).toEqual([
      "specs/f2.phx:1:11: error duplicate-name: component 'store' is defined twice; the first is at specs/f1.phx:1:11",
    ]);
  });

  it("are not made from delta blocks, which are handed on in source order", () => {
    const resolved = resolveSpecTree(files("system s {}\n", 'component web { owns "w/**" }\ndelta zz "z" { remove component web }\ndelta aa "a" { add component api { owns "a/**" } }\n'), "specs");
    expect(resolved.base!.components.map((c) => c.name)).toEqual(["web"]);
    expect(resolved.deltas.map((d) => d.name.name)).toEqual(["zz", "aa"]);
  });
});

describe("checks", () => {
  const check = (body: string) => only(`component c {\n  owns "src/**"\n  requirement R-1 MUST "r"\n  check k {\n${body}\n  covers R-1 }\n}\n`, "c").checks[0];

  it.each([
    ["500ms", 500],
    ["30s", 30_000],
    ["5m", 300_000],
    ["1.5s", 1500],
  ])("turn the duration %s into %d ms", (duration, ms) => {
    expect(check(`run "x" timeout ${duration}`)?.timeoutMs).toBe(ms);
  });

  it("keep probe expectations and samples", () => {
    expect(withoutSpans(check('probe "GET /health"\n expect status 200\n expect p95 < 100ms\n expect p99 <= 1.5s\n samples 20'))).toEqual({
      name: "k", kind: "probe", subject: "GET /health", samples: 20, covers: ["R-1"], advisory: false,
      expect: [{ metric: "status", value: 200 }, { metric: "p95", comparison: "<", value: 100 }, { metric: "p99", comparison: "<=", value: 1500 }],
    });
  });

  it("give a judge 3 votes by default", () => {
    expect(check('judge "Readable."')?.votes).toBe(3);
    expect(check('judge "Readable."\n votes 5')?.votes).toBe(5);
  });

  it.each(['run "x"', 'human "Someone read it."', 'probe "GET /"'])("give no votes to a non-judge check: %s", (kind) => {
    expect(check(kind)?.votes).toBeUndefined();
  });

  it("are blocking unless advisory", () => {
    expect(check('run "x"')?.advisory).toBe(false);
    expect(check('run "x"\n advisory')?.advisory).toBe(true);
  });

  it("take a human check's text as its subject", () => {
    expect(check('human "A person read the hashing code."')).toMatchObject({ kind: "human", subject: "A person read the hashing code." });
  });

  it("without a kind are left out (validation reports them; they cannot run)", () => {
    const parsed = parseSpec('component c { owns "src/**" check nothing { timeout 5s } check unit { run "x" } }\n', "specs/c.phx");
    expect(validateSpecFile(parsed.ast).map((d) => d.code)).toEqual(["check-kind-missing"]);
    const ir = resolveSpecTree([parseSpec("system s {}\n", "specs/s.phx").ast, parsed.ast], "specs").base!;
    expect(ir.components[0]!.checks.map((c) => c.name)).toEqual(["unit"]);
  });
});
