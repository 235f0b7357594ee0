import { describe, expect, it } from "vitest";
import { hasErrors, parseSpec, formatDiagnostic } from "../spec-lang/index.js";
import { formatDiff, diffJson } from "./diff-format.js";
import { sha256 } from "./hash.js";
import type { Ir } from "./ir.js";
import type { Lock } from "./lock/schema.js";
import { buildInputs, planBuild, type FileDrift, type Observations } from "./plan.js";
import { compileTree } from "./project.js";
import { recordBuild } from "./record.js";
import { inputHash } from "./hash.js";

const SYSTEM = `system shop {
  agent claude-code
}
`;

const STORE = `component store {
  owns "src/store/**"
  interface "src/store/index.ts"
  requirement STORE-1 MUST "Items are kept in memory."
  check unit {
    run "npx vitest run test/store"
    covers STORE-1
  }
}
`;

const WEB = `component web {
  owns "src/web/**"
  depends_on store
  requirement WEB-1 MUST "The button is green."
  requirement WEB-2 SHOULD "The page loads fast."
    because "phones are slow"
  check unit {
    run "npx vitest run test/web"
    covers WEB-1
  }
}
`;

interface Tree {
  base: Ir;
  desired: Ir;
  changedBy: Map<string, string[]>;
}

function compile(...files: string[]): Tree {
  const parsed = files.map((text, i) => parseSpec(text, `specs/f${i}.phx`));
  const tree = compileTree(parsed.map((p) => p.ast), "specs");
  const problems = [...parsed.flatMap((p) => p.diagnostics), ...tree.diagnostics];
  if (hasErrors(problems)) throw new Error(problems.map(formatDiagnostic).join("\n"));
  return tree as Tree;
}

const CONTAINER = sha256("Containerfile v1");
const BUILT_AT = "2026-11-20T10:00:00.000Z";

/** What was observed, with the whole lock (the diff shows its serial). */
type Seen = Observations & { lock: Lock };

function observations(lock: Lock, change: Partial<Seen> = {}): Seen {
  return { lock, containerHash: CONTAINER, promptVersion: "prompts-1", drift: new Map(), ...change };
}

/** A lock in which every component of `tree` was built from exactly its current spec, all checks green. */
function lockOf(tree: Tree, interfaces: Record<string, string> = {}): Lock {
  const lock: Lock = { version: 1, lineage: "7d3b2f3e-2a57-4c39-9a53-0b6f0a7e1f11", serial: 1, components: {} };
  // dependencies first, so each one's interface hash is known to its dependents
  for (const name of ["store", "web", "audit"]) {
    const component = tree.desired.components.find((c) => c.name === name);
    if (!component) continue;
    const inputs = buildInputs(component, tree.desired, observations(lock));
    const checks = Object.fromEntries(component.checks.map((c) => [c.name, { verdict: "pass" as const, evidence: "ok", at: BUILT_AT }]));
    lock.components[name] = recordBuild(component, inputs, inputHash(inputs), {
      outputs: { [`src/${name}/index.ts`]: sha256(name) },
      interfaceHash: interfaces[name] ?? sha256(`${name} interface v1`),
      checks,
      at: BUILT_AT,
    });
  }
  return lock;
}

function diffText(tree: Tree, seen: Seen): string {
  const plan = planBuild(tree.desired, tree.base, tree.changedBy, seen);
  return formatDiff(plan, { deltas: [...new Set([...tree.changedBy.values()].flat())], lockSerial: seen.lock.serial, explain: false });
}

const unchanged = compile(SYSTEM, STORE, WEB);
const builtLock = lockOf(unchanged);

describe("planBuild: each stale reason, one edit at a time", () => {
  it("finds nothing to do when the lock matches the specs", () => {
    const plan = planBuild(unchanged.desired, unchanged.base, unchanged.changedBy, observations(builtLock));
    expect(plan.components.map((c) => [c.name, c.action, c.reasons.map((r) => r.code)])).toEqual([
      ["store", "none", []],
      ["web", "none", []],
    ]);
    expect(diffText(unchanged, observations(builtLock))).toBe([
      "Desired: the specs",
      "Current: phoenix.lock serial 1 and the files on disk",
      "",
      "No differences: the code is what the specs ask for, as far as phoenix.lock and the files on disk show.",
      "Plan: 0 to build new, 0 to rebuild, 0 to remove, 2 unchanged; 0 drifted.",
      "",
    ].join("\n"));
  });

  it("never-built: every component of a project with no lock", () => {
    const empty: Lock = { version: 1, lineage: builtLock.lineage, serial: 0, components: {} };
    const plan = planBuild(unchanged.desired, unchanged.base, unchanged.changedBy, observations(empty));
    expect(plan.components.map((c) => [c.name, c.action, c.reasons.map((r) => r.code)])).toEqual([
      ["store", "add", ["never-built"]],
      ["web", "add", ["never-built"]],
    ]);
  });

  it("spec-changed: a requirement's text, shown as - old / + new", () => {
    const edited = compile(SYSTEM, STORE, WEB.replace("The button is green.", "The button is blue."));
    expect(diffText(edited, observations(builtLock))).toBe([
      "Desired: the specs",
      "Current: phoenix.lock serial 1 and the files on disk",
      "",
      "~ web  (spec-changed)",
      "    why: spec-changed: the specs changed what it must do",
      '    - WEB-1 MUST "The button is green."',
      '    + WEB-1 MUST "The button is blue."',
      "",
      "Plan: 0 to build new, 1 to rebuild, 0 to remove, 1 unchanged; 0 drifted.",
      "",
    ].join("\n"));
  });

  it("spec-changed: a check's option, a new dependency, a removed requirement", () => {
    const edited = compile(
      SYSTEM,
      STORE.replace('covers STORE-1\n', 'covers STORE-1\n    timeout 30s\n'),
      WEB.replace(/  requirement WEB-2[^\n]*\n[^\n]*\n/, ""),
    );
    const text = diffText(edited, observations(builtLock));
    expect(text).toContain([
      "~ store  (spec-changed)",
      "    why: spec-changed: the specs changed what it must do",
      '    - check unit run "npx vitest run test/store" covers STORE-1',
      '    + check unit run "npx vitest run test/store" timeout 30s covers STORE-1',
    ].join("\n"));
    expect(text).toContain('    - WEB-2 SHOULD "The page loads fast." because "phones are slow"');
  });

  it("does not call a comment, a reordering or a new layout a change", () => {
    const relaid = compile(SYSTEM, `// the store\n${STORE}`, WEB.replace(
      '  requirement WEB-1 MUST "The button is green."\n  requirement WEB-2 SHOULD "The page loads fast."\n    because "phones are slow"\n',
      '  requirement WEB-2 SHOULD "The page loads fast." because "phones are slow"\n  requirement WEB-1 MUST   "The button is green."   /* first */\n',
    ));
    const plan = planBuild(relaid.desired, relaid.base, relaid.changedBy, observations(builtLock));
    expect(plan.components.every((c) => c.action === "none")).toBe(true);
  });

  it("dependency-interface-changed: only when the dependency's recorded interface differs (early cutoff)", () => {
    const rebuiltSameInterface = structuredClone(builtLock);
    rebuiltSameInterface.components.store!.outputs = { "src/store/index.ts": sha256("store v2") };
    const sameInterface = planBuild(unchanged.desired, unchanged.base, unchanged.changedBy, observations(rebuiltSameInterface));
    expect(sameInterface.components.find((c) => c.name === "web")!.action).toBe("none");

    const newInterface = structuredClone(builtLock);
    newInterface.components.store!.interfaceHash = sha256("store interface v2");
    const plan = planBuild(unchanged.desired, unchanged.base, unchanged.changedBy, observations(newInterface));
    const web = plan.components.find((c) => c.name === "web")!;
    expect(web.reasons).toEqual([{
      code: "dependency-interface-changed", detail: "store's interface changed since web was built",
      recorded: sha256("store interface v1"), current: sha256("store interface v2"), dependency: "store",
    }]);
    expect(plan.components.find((c) => c.name === "store")!.action).toBe("none");
  });

  it("agent-changed: another agent, or new prompt templates", () => {
    const otherAgent = compile(SYSTEM.replace("claude-code", 'anthropic "claude-opus-4"'), STORE, WEB);
    const plan = planBuild(otherAgent.desired, otherAgent.base, otherAgent.changedBy, observations(builtLock));
    expect(plan.components.map((c) => c.reasons.map((r) => r.detail))).toEqual([
      ['built by claude-code with prompts-1, now anthropic "claude-opus-4" with prompts-1'],
      ['built by claude-code with prompts-1, now anthropic "claude-opus-4" with prompts-1'],
    ]);
    const newPrompts = planBuild(unchanged.desired, unchanged.base, unchanged.changedBy, observations(builtLock, { promptVersion: "prompts-2" }));
    expect(newPrompts.components.map((c) => c.reasons.map((r) => r.code))).toEqual([["agent-changed"], ["agent-changed"]]);
  });

  it("agent-changed for one component when only its own agent line changes", () => {
    const override = compile(SYSTEM, STORE.replace("component store {\n", 'component store {\n  agent command "node gen.js"\n'), WEB);
    const plan = planBuild(override.desired, override.base, override.changedBy, observations(builtLock));
    expect(plan.components.map((c) => [c.name, c.reasons.map((r) => r.code)])).toEqual([["store", ["agent-changed"]], ["web", []]]);
  });

  it("container-changed: every component, with both hashes for --explain", () => {
    const next = sha256("Containerfile v2");
    const plan = planBuild(unchanged.desired, unchanged.base, unchanged.changedBy, observations(builtLock, { containerHash: next }));
    expect(plan.components.map((c) => c.reasons)).toEqual([
      [{ code: "container-changed", detail: "the project-container definition changed", recorded: CONTAINER, current: next }],
      [{ code: "container-changed", detail: "the project-container definition changed", recorded: CONTAINER, current: next }],
    ]);
  });

  it("outputs-drifted: shown with `!` and every drifted file", () => {
    const drift: FileDrift[] = [
      { path: "src/store/extra.ts", change: "added", actual: sha256("x") },
      { path: "src/store/index.ts", change: "modified", expected: sha256("store"), actual: sha256("edited") },
    ];
    const text = diffText(unchanged, observations(builtLock, { drift: new Map([["store", drift]]) }));
    expect(text).toContain([
      "! store  (outputs-drifted)",
      "    why: outputs-drifted: 2 owned files changed outside phoenix",
      "    + file src/store/extra.ts  (added outside phoenix)",
      "    ~ file src/store/index.ts  (modified outside phoenix)",
    ].join("\n"));
    expect(text).toContain("Plan: 0 to build new, 1 to rebuild, 0 to remove, 1 unchanged; 1 drifted.");
  });

  it("check-failing: a blocking check whose last verdict failed, but not an advisory one", () => {
    const failing = structuredClone(builtLock);
    failing.components.web!.checks.unit = { verdict: "fail", evidence: "1 test failed", at: BUILT_AT };
    const plan = planBuild(unchanged.desired, unchanged.base, unchanged.changedBy, observations(failing));
    expect(plan.components.find((c) => c.name === "web")!.reasons).toEqual([{ code: "check-failing", detail: "last run: unit failed" }]);

    const advisory = compile(SYSTEM, STORE, WEB.replace('covers WEB-1\n', "covers WEB-1\n    advisory\n"));
    const advisoryLock = lockOf(advisory);
    advisoryLock.components.web!.checks.unit = { verdict: "fail", evidence: "1 test failed", at: BUILT_AT };
    const advisoryPlan = planBuild(advisory.desired, advisory.base, advisory.changedBy, observations(advisoryLock));
    expect(advisoryPlan.components.find((c) => c.name === "web")!.action).toBe("none");
  });

  it("new: a component a delta adds; and a component the specs no longer declare is removed", () => {
    const withDelta = compile(SYSTEM, STORE, WEB, `delta audit-log "Log every sign-in" {
  add component audit {
    owns "src/audit/**"
    requirement AUD-1 MUST "Every sign-in is logged."
    check unit {
      run "npx vitest run test/audit"
      covers AUD-1
    }
  }
  remove component web
}
`);
    const text = diffText(withDelta, observations(builtLock));
    expect(text).toBe([
      "Desired: the specs + 1 delta (audit-log)",
      "Current: phoenix.lock serial 1 and the files on disk",
      "",
      "+ audit  (new)",
      "    why: new: added by delta audit-log",
      '    + AUD-1 MUST "Every sign-in is logged."',
      '    + check unit run "npx vitest run test/audit" covers AUD-1',
      '    + owns "src/audit/**"',
      "",
      "- web  (spec-changed)",
      "    why: spec-changed: removed by delta audit-log; its 1 file will be deleted",
      '    - WEB-1 MUST "The button is green."',
      '    - WEB-2 SHOULD "The page loads fast." because "phones are slow"',
      '    - check unit run "npx vitest run test/web" covers WEB-1',
      "    - dependency store",
      '    - owns "src/web/**"',
      "",
      "Plan: 1 to build new, 0 to rebuild, 1 to remove, 1 unchanged; 0 drifted.",
      "",
    ].join("\n"));
  });

  it("names the delta behind a spec change, and --json carries the same facts", () => {
    const withDelta = compile(SYSTEM, STORE, WEB, `delta blue "The button MUST be blue" {
  modify web {
    requirement WEB-1 MUST "The button is blue."
  }
}
`);
    const plan = planBuild(withDelta.desired, withDelta.base, withDelta.changedBy, observations(builtLock));
    const json = diffJson(plan, { deltas: ["blue"], lockSerial: 1, explain: false });
    expect(json.components).toEqual([expect.objectContaining({
      name: "web", symbol: "~", action: "rebuild", deltas: ["blue"],
      reasons: [expect.objectContaining({ code: "spec-changed", detail: "delta blue changed what it must do" })],
      changes: [{ subject: "requirement", name: "WEB-1", change: "changed", before: 'MUST "The button is green."', after: 'MUST "The button is blue."' }],
    })]);
    expect(json.summary).toEqual({ add: 0, rebuild: 1, remove: 0, none: 1, drifted: 0 });
  });
});
