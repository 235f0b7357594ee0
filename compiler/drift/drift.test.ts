import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sha256, type Hash } from "../hash.js";
import type { ComponentState, Lock } from "../lock/schema.js";
import { componentDrift, detectDrift, type FileDrift } from "./drift.js";

const h = (content: string): Hash => sha256(content);

/** A lock whose components recorded these outputs; the other fields do not matter to drift. */
function lockWith(outputs: Record<string, Record<string, Hash>>): Lock {
  const state = (files: Record<string, Hash>): ComponentState => ({
    specHash: h("spec"), inputHash: h("input"),
    spec: { name: "x", owns: [], dependsOn: [], requirements: [], checks: [], decisions: [] },
    agent: null, promptVersion: "p1", dependencyInterfaces: {}, containerHash: null,
    outputs: files, outputHash: h("outputs"), interfaceHash: null, checks: {}, approvals: [], probes: {},
    builtAt: "2026-01-01T00:00:00.000Z",
  });
  const components = Object.fromEntries(Object.entries(outputs).map(([name, files]) => [name, state(files)]));
  return { version: 1, lineage: "6f1c2a7e-3b4d-4c5e-8f90-0a1b2c3d4e5f", serial: 1, components };
}

describe("detectDrift", () => {
  it("reports modified, added and deleted files, sorted by path, and nothing unchanged", () => {
    const lock = lockWith({ store: { "src/a.ts": h("a"), "src/b.ts": h("b"), "src/c.ts": h("c") } });
    const actual = new Map([["store", new Map([["src/a.ts", h("a")], ["src/c.ts", h("c2")], ["src/0.ts", h("0")]])]]);
    expect(detectDrift(lock, actual).get("store")).toEqual([
      { path: "src/0.ts", change: "added", actual: h("0") },
      { path: "src/b.ts", change: "deleted", expected: h("b") },
      { path: "src/c.ts", change: "modified", expected: h("c"), actual: h("c2") },
    ]);
  });

  it("gives a clean component an empty list", () => {
    const lock = lockWith({ store: { "a": h("a") } });
    expect(detectDrift(lock, new Map([["store", new Map([["a", h("a")]])]]))).toEqual(new Map([["store", []]]));
  });

  it("leaves out components never built and components no longer in the specs", () => {
    const lock = lockWith({ removed: { "old.ts": h("old") } });
    const actual = new Map([["fresh", new Map([["new.ts", h("new")]])]]);
    expect(detectDrift(lock, actual)).toEqual(new Map());
  });

  it("treats paths named like Object.prototype members as plain paths", () => {
    const outputs = Object.fromEntries([["__proto__", h("p")], ["constructor", h("c")]]);
    expect(componentDrift(outputs, new Map([["toString", h("t")], ["constructor", h("c")]]))).toEqual([
      { path: "__proto__", change: "deleted", expected: h("p") },
      { path: "toString", change: "added", actual: h("t") },
    ]);
  });

  // few paths and hashes, so that recorded and actual often share paths and sometimes contents
  const path = fc.constantFrom("a", "b/c.ts", "b/d.ts", "B", "é.txt", "constructor", "__proto__", "toString");
  const hash = fc.constantFrom(h("1"), h("2"), h("3"));
  const files = fc.uniqueArray(fc.tuple(path, hash), { selector: ([p]) => p, maxLength: 8 });
  const name = fc.constantFrom("api", "store", "web");
  const components = fc.uniqueArray(fc.tuple(name, files), { selector: ([n]) => n, maxLength: 3 });

  it("property: the drift is exactly the changed paths and the symmetric difference", () => {
    fc.assert(fc.property(components, components, (recorded, onDisk) => {
      const lock = lockWith(Object.fromEntries(recorded.map(([n, f]) => [n, Object.fromEntries(f)])));
      const actual = new Map<string, Map<string, Hash>>(onDisk.map(([n, f]) => [n, new Map(f)]));
      const drift = detectDrift(lock, actual);
      const both = recorded.map(([n]) => n).filter((n) => actual.has(n));
      expect([...drift.keys()].sort()).toEqual(both.sort());
      for (const [n, list] of drift) {
        const before = new Map(recorded.find(([r]) => r === n)![1]);
        expect(list).toEqual(expectedDrift(before, actual.get(n)!));
      }
    }));
  });
});

/** The specification, written the other way round: over the union of paths. */
function expectedDrift(before: Map<string, Hash>, after: Map<string, Hash>): FileDrift[] {
  const paths = [...new Set([...before.keys(), ...after.keys()])].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  return paths.flatMap((path): FileDrift[] => {
    const [expected, actual] = [before.get(path), after.get(path)];
    if (expected === actual) return [];
    if (expected === undefined) return [{ path, change: "added", actual: actual! }];
    if (actual === undefined) return [{ path, change: "deleted", expected }];
    return [{ path, change: "modified", expected, actual }];
  });
}
