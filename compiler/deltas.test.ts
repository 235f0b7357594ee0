import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatDiagnostic, parseSpec, validateSpecFile, type Diagnostic, type SpecFile } from "../spec-lang/index.js";
import { applyDeltas } from "./deltas.js";
import { canonicalJson, shortHash, specHash } from "./hash.js";
import { componentNamed, type Component, type Ir } from "./ir.js";
import { resolveSpecTree } from "./resolve.js";

const SYSTEM = "system signin {}\n";

const WEB = `component web {
  description "The sign-in page."
  owns "src/web/**"
  interface "src/web/index.ts"
  depends_on api

  requirement WEB-1 MUST "The page posts the form to /signin."
  requirement WEB-2 MUST "The sign-in button is green (#15803d)."
  requirement WEB-3 SHOULD "The page works without frameworks."
    because "it must load fast on slow phones"

  decision WEB-Q1 "Which green?" answer "#15803d"

  check unit {
    run "npx vitest run test/web"
    covers WEB-1, WEB-2
  }
  check screenshot {
    judge "The button stands out."
    advisory
  }
}
`;

const OTHERS = `component api {
  owns "src/api/**"
  depends_on store
  requirement API-1 MUST "POST /signin answers 200 for a right password."
  check unit { run "npx vitest run test/api" covers API-1 }
}
component store { owns "src/store/**" }
component legacy { owns "src/legacy/**" }
`;

/** Parses `text` as `file`; an error in a test's own input fails the test unless `invalid` says it is meant. */
function parse(text: string, file: string, invalid = false): SpecFile {
  const result = parseSpec(text, file);
  const errors = [...result.diagnostics, ...validateSpecFile(result.ast)].filter((d) => d.severity === "error");
  if (errors.length > 0 && !invalid) throw new Error(`the test's spec has errors:\n${errors.map(formatDiagnostic).join("\n")}\n${text}`);
  return result.ast;
}

interface Folded {
  base: Ir;
  desired: Ir;
  changedBy: Map<string, string[]>;
  diagnostics: Diagnostic[];
  /** The diagnostics as `phoenix check` prints them. */
  problems: string[];
}

/** The base tree (or `web` instead of WEB) with the deltas in files specs/deltas/d0.phx, d1.phx, ... */
function fold(deltas: readonly string[], options: { invalid?: boolean; web?: string } = {}): Folded {
  const files = [
    parse(SYSTEM, "specs/system.phx"),
    parse(options.web ?? WEB, "specs/web.phx"),
    parse(OTHERS, "specs/others.phx"),
    ...deltas.map((text, i) => parse(text, `specs/deltas/d${i}.phx`, options.invalid)),
  ];
  const resolved = resolveSpecTree(files, "specs");
  expect(resolved.diagnostics).toEqual([]);
  const folded = applyDeltas(resolved.base!, resolved.deltas);
  return { base: resolved.base!, ...folded, problems: folded.diagnostics.map(formatDiagnostic) };
}

function named(ir: Ir, name: string): Component {
  const found = componentNamed(ir, name);
  if (!found) throw new Error(`no component ${name} in ${ir.components.map((c) => c.name).join(", ")}`);
  return found;
}

/** A delta with one `modify web { body }`. */
const modifyWeb = (body: string, name = "d") => `delta ${name} "A change" {\n  modify web {\n${body}\n  }\n}\n`;

/** The two short hashes a conflict message shows: here (this delta) and there (the other). */
function conflictHashes(message: string): { here: string; there: string } {
  const match = /(sha256:[0-9a-f]{12}) here, (sha256:[0-9a-f]{12}) there/.exec(message);
  if (!match) throw new Error(`no hashes in: ${message}`);
  return { here: match[1]!, there: match[2]! };
}

describe("modify", () => {
  const web = (body: string) => named(fold([modifyWeb(body)]).desired, "web");

  it("replaces a requirement in place, keeping the others, and remembers where the new text was written", () => {
    const folded = fold([modifyWeb('    requirement WEB-2 MUST "The sign-in button is blue (#1d4ed8)."')]);
    const after = named(folded.desired, "web");
    expect(folded.problems).toEqual([]);
    expect(after.requirements.map((r) => [r.id, r.level, r.text])).toEqual([
      ["WEB-1", "MUST", "The page posts the form to /signin."],
      ["WEB-2", "MUST", "The sign-in button is blue (#1d4ed8)."],
      ["WEB-3", "SHOULD", "The page works without frameworks."],
    ]);
    expect(after.requirements[1]!.at).toMatchObject({ file: "specs/deltas/d0.phx", line: 3, column: 17 });
    // the base is the current state: folding never changes it
    expect(named(folded.base, "web").requirements[1]!.text).toBe("The sign-in button is green (#15803d).");
  });

  it("replaces a requirement's level and reason", () => {
    const after = web('    requirement WEB-3 MUST "The page works without frameworks."');
    expect(after.requirements[2]).toMatchObject({ id: "WEB-3", level: "MUST" });
    expect(after.requirements[2]!.because).toBeUndefined();
  });

  it("adds a requirement it does not find", () => {
    const after = web('    requirement WEB-4 MUST "Errors are shown next to the field."');
    expect(after.requirements.map((r) => r.id)).toEqual(["WEB-1", "WEB-2", "WEB-3", "WEB-4"]);
  });

  it("replaces a check whole, in place", () => {
    const after = web('    check unit {\n      run "npx vitest run test/web --coverage"\n      covers WEB-1\n      timeout 2m\n    }');
    expect(after.checks.map((c) => c.name)).toEqual(["unit", "screenshot"]);
    expect(after.checks[0]).toMatchObject({ kind: "run", subject: "npx vitest run test/web --coverage", covers: ["WEB-1"], timeoutMs: 120_000 });
  });

  it("adds a check it does not find", () => {
    const after = web('    check a11y { run "npx pa11y http://localhost:3000" }');
    expect(after.checks.map((c) => c.name)).toEqual(["unit", "screenshot", "a11y"]);
  });

  it("replaces and adds decisions", () => {
    const after = web('    decision WEB-Q1 "Which green?" answer "#166534"\n    decision WEB-Q2 "Which font?" answer "system-ui"');
    expect(after.decisions.map((d) => [d.id, d.answer])).toEqual([["WEB-Q1", "#166534"], ["WEB-Q2", "system-ui"]]);
  });

  it("adds dependencies without repeating one it has", () => {
    expect(web("    depends_on store, api").dependsOn.map((d) => d.value)).toEqual(["api", "store"]);
  });

  it.each([
    ["owns", '    owns "src/pages/**", "src/web/**"', (c: Component) => c.owns.map((o) => o.value), ["src/pages/**", "src/web/**"]],
    ["description", '    description "The sign-in page, in plain HTML."', (c: Component) => c.description, "The sign-in page, in plain HTML."],
    ["interface", '    interface "src/web/api.ts"', (c: Component) => c.interface, "src/web/api.ts"],
  ])("replaces %s", (_, body, get, value) => {
    expect(get(web(body))).toEqual(value);
  });

  it.each([
    ["a requirement", "    remove requirement WEB-3", (c: Component) => c.requirements.map((r) => r.id), ["WEB-1", "WEB-2"]],
    ["a check", "    remove check screenshot", (c: Component) => c.checks.map((x) => x.name), ["unit"]],
    ["a dependency", "    remove depends_on api", (c: Component) => c.dependsOn.map((d) => d.value), []],
  ])("removes %s", (_, body, get, value) => {
    expect(get(web(body))).toEqual(value);
  });

  it("applies every operation of one modify together, and leaves other components alone", () => {
    const folded = fold([modifyWeb([
      '    requirement WEB-2 MUST "The sign-in button is blue (#1d4ed8)."',
      "    remove requirement WEB-3",
      "    remove check screenshot",
      '    decision WEB-Q1 "Which blue?" answer "#1d4ed8"',
      "    depends_on store",
    ].join("\n"))]);
    const after = named(folded.desired, "web");
    expect(after.requirements.map((r) => r.id)).toEqual(["WEB-1", "WEB-2"]);
    expect(after.checks.map((c) => c.name)).toEqual(["unit"]);
    expect(after.decisions.map((d) => d.answer)).toEqual(["#1d4ed8"]);
    expect(after.dependsOn.map((d) => d.value)).toEqual(["api", "store"]);
    for (const name of ["api", "store", "legacy"]) expect(named(folded.desired, name)).toEqual(named(folded.base, name));
    expect(folded.desired.system).toEqual(folded.base.system);
  });
});

describe("the base", () => {
  it("is left as it was by every kind of change (the desired state shares what no delta changes)", () => {
    const files = [parse(SYSTEM, "specs/system.phx"), parse(WEB, "specs/web.phx"), parse(OTHERS, "specs/others.phx")];
    const untouched = structuredClone(resolveSpecTree(files, "specs").base!);
    const folded = fold([
      modifyWeb('    requirement WEB-2 MUST "Blue."\n    remove requirement WEB-3\n    depends_on store\n    owns "src/web2/**"', "d1"),
      `delta d2 "More" {\n  modify api { depends_on legacy }\n  add component audit { owns "src/audit/**" }\n  remove component legacy\n}\n`,
    ]);
    expect(folded.problems).toEqual([]);
    expect(named(folded.desired, "web").dependsOn.map((d) => d.value)).toEqual(["api", "store"]);
    expect(folded.base).toEqual(untouched);
  });
});

describe("add and remove component", () => {
  it("adds a component with every field, in name order", () => {
    const folded = fold([`delta audit "Log every sign-in" {
  add component audit {
    description "Writes an audit log."
    owns "src/audit/**"
    depends_on store
    requirement AUD-1 MUST "Every sign-in is logged."
    check unit { run "npx vitest run test/audit" covers AUD-1 }
  }
}
`]);
    expect(folded.problems).toEqual([]);
    expect(folded.desired.components.map((c) => c.name)).toEqual(["api", "audit", "legacy", "store", "web"]);
    expect(named(folded.desired, "audit")).toMatchObject({
      description: "Writes an audit log.",
      owns: [{ value: "src/audit/**" }],
      dependsOn: [{ value: "store" }],
      requirements: [{ id: "AUD-1", level: "MUST", text: "Every sign-in is logged." }],
      checks: [{ name: "unit", subject: "npx vitest run test/audit", covers: ["AUD-1"] }],
      autonomy: "supervised",
    });
    expect([...folded.changedBy]).toEqual([["audit", ["audit"]]]);
    expect(componentNamed(folded.base, "audit")).toBeUndefined();
  });

  it("removes a component", () => {
    const folded = fold(['delta retire "Drop legacy" {\n  remove component legacy\n}\n']);
    expect(folded.problems).toEqual([]);
    expect(folded.desired.components.map((c) => c.name)).toEqual(["api", "store", "web"]);
    expect([...folded.changedBy]).toEqual([["legacy", ["retire"]]]);
  });

  it.each([
    ["before", 'delta retire "x" {\n  remove component web\n  modify web { requirement WEB-2 MUST "Blue." }\n}\n'],
    ["after", 'delta retire "x" {\n  modify web { requirement WEB-2 MUST "Blue." }\n  remove component web\n}\n'],
  ])("removes a component that the same delta also modifies (the removal written %s the modify)", (_, delta) => {
    const folded = fold([delta]);
    expect(folded.problems).toEqual([]);
    expect(folded.desired.components.map((c) => c.name)).toEqual(["api", "legacy", "store"]);
    expect([...folded.changedBy]).toEqual([["web", ["retire"]]]);
  });
});

describe("changedBy", () => {
  it("names the deltas folded into each component, in name order, each once", () => {
    const folded = fold([
      modifyWeb('    requirement WEB-4 MUST "Errors are shown."', "zeta"),
      `delta alpha "Two changes to web, one to api" {
  modify web { requirement WEB-5 MUST "The email field is focused." }
  modify api { requirement API-2 MUST "GET /me answers 200." }
  modify web { remove check screenshot }
}
`,
    ]);
    expect(folded.problems).toEqual([]);
    expect(Object.fromEntries(folded.changedBy)).toEqual({ web: ["alpha", "zeta"], api: ["alpha"] });
    expect(named(folded.desired, "web").requirements.map((r) => r.id)).toEqual(["WEB-1", "WEB-2", "WEB-3", "WEB-5", "WEB-4"]);
  });

  it("is empty without deltas, and the desired state is then the base", () => {
    const folded = fold([]);
    expect(folded.changedBy.size).toBe(0);
    expect(folded.desired).toEqual(folded.base);
  });
});

describe("unknown targets", () => {
  it("reports an unknown component at its name, with a did-you-mean, and folds nothing of that delta", () => {
    const folded = fold([`delta typo "Blue" {
  modify wbe {
    requirement WEB-2 MUST "Blue."
  }
  modify api {
    requirement API-2 MUST "GET /me answers 200."
  }
}
`]);
    expect(folded.problems).toEqual([
      "specs/deltas/d0.phx:2:10: error delta-unknown-target: delta 'typo' names component 'wbe', which does not exist (did you mean 'web'?)",
    ]);
    expect(folded.desired).toEqual(folded.base);
    expect(folded.changedBy.size).toBe(0);
  });

  it.each([
    ["modify Web", "  modify Web { description \"x\" }", "2:10", "component 'Web', which does not exist (did you mean 'web'?)"],
    ["modify checkout", "  modify checkout { description \"x\" }", "2:10", "component 'checkout', which does not exist"],
    ["remove component legasy", "  remove component legasy", "2:20", "component 'legasy', which does not exist (did you mean 'legacy'?)"],
  ])("reports %s", (_, line, at, what) => {
    expect(fold([`delta d "x" {\n${line}\n}\n`]).problems).toEqual([`specs/deltas/d0.phx:${at}: error delta-unknown-target: delta 'd' names ${what}`]);
  });

  it("reports unknown requirements, checks and dependencies of the modified component, each at its name", () => {
    const folded = fold([modifyWeb([
      "    remove requirement WEB-7",
      "    remove requirement web-2",
      "    remove check screenshots",
      "    remove depends_on apy",
      "    remove depends_on store",
      '    requirement WEB-9 MUST "Something new."',
    ].join("\n"))]);
    expect(folded.problems).toEqual([
      "specs/deltas/d0.phx:3:24: error delta-unknown-target: delta 'd' names requirement of web 'WEB-7', which does not exist",
      "specs/deltas/d0.phx:4:24: error delta-unknown-target: delta 'd' names requirement of web 'web-2', which does not exist (did you mean 'WEB-2'?)",
      "specs/deltas/d0.phx:5:18: error delta-unknown-target: delta 'd' names check of web 'screenshots', which does not exist (did you mean 'screenshot'?)",
      "specs/deltas/d0.phx:6:23: error delta-unknown-target: delta 'd' names dependency of web 'apy', which does not exist (did you mean 'api'?)",
      // store is a component, but not one web depends on
      "specs/deltas/d0.phx:7:23: error delta-unknown-target: delta 'd' names dependency of web 'store', which does not exist",
    ]);
    expect(named(folded.desired, "web")).toEqual(named(folded.base, "web"));
  });

  it("reports adding a component that exists", () => {
    const folded = fold(['delta d "x" {\n  add component store { owns "src/store2/**" }\n}\n']);
    expect(folded.problems).toEqual([
      "specs/deltas/d0.phx:2:17: error delta-component-exists: delta 'd' adds component 'store', which already exists: change it with `modify store { ... }`",
    ]);
    expect(named(folded.desired, "store").owns.map((o) => o.value)).toEqual(["src/store/**"]);
  });

  it("reports a component added twice by one delta, and adds neither", () => {
    const folded = fold(['delta d "x" {\n  add component audit { owns "src/audit/**" }\n  add component audit { owns "src/log/**" }\n}\n']);
    expect(folded.problems).toEqual([
      "specs/deltas/d0.phx:3:17: error delta-component-exists: delta 'd' adds component 'audit', which already exists: change it with `modify audit { ... }`",
    ]);
    expect(folded.desired.components.map((c) => c.name)).toEqual(["api", "legacy", "store", "web"]);
  });

  it("reports `remove component` inside a modify (validation reports it too)", () => {
    const folded = fold([modifyWeb("    remove component legacy")], { invalid: true });
    expect(folded.problems).toEqual([
      "specs/deltas/d0.phx:3:5: error remove-component-in-modify: `remove component legacy` belongs directly in the delta, not inside `modify`",
    ]);
    expect(folded.desired).toEqual(folded.base);
  });
});

describe("base pins", () => {
  const current = () => specHash(named(fold([]).base, "web"));
  const pinned = (base: string) => `delta blue "Blue" {\n  modify web base "${base}" {\n    requirement WEB-2 MUST "Blue."\n  }\n}\n`;
  const blueFolded = (folded: Folded) => named(folded.desired, "web").requirements[1]!.text === "Blue.";

  it.each([
    ["the full hash", (h: string) => h],
    ["8 hex digits", (h: string) => h.slice(0, "sha256:".length + 8)],
    ["12 hex digits and an ellipsis", (h: string) => `${shortHash(h)}…`],
    ["the full hash and an ellipsis", (h: string) => `${h}…`],
  ])("accepts %s of the current spec hash", (_, pin) => {
    const folded = fold([pinned(pin(current()))]);
    expect(folded.problems).toEqual([]);
    expect(blueFolded(folded)).toBe(true);
  });

  it("is the hash of the spec's meaning: a reformatted, commented base still matches", () => {
    const relaid = WEB.replace("  owns", "  // who owns what\n  owns").replace(/\n\n/g, "\n");
    expect(relaid).not.toBe(WEB);
    expect(fold([pinned(current())], { web: relaid }).problems).toEqual([]);
  });

  it("names both hashes when the component changed since the delta was written, and does not fold it", () => {
    const written = current();
    const newer = WEB.replace("The page posts the form to /signin.", "The page posts the form to /login.");
    const now = specHash(named(fold([], { web: newer }).base, "web"));
    expect(now).not.toBe(written);
    const folded = fold([pinned(`${shortHash(written)}…`)], { web: newer });
    expect(folded.problems).toEqual([
      `specs/deltas/d0.phx:2:19: error delta-base-mismatch: delta 'blue' was written against web at ${shortHash(written)}, but its spec now hashes to ${now}: review the delta against the current spec, then update \`base\``,
    ]);
    expect(blueFolded(folded)).toBe(false);
  });

  it.each([
    ["3 hex digits", (h: string) => h.slice(0, "sha256:".length + 3)],
    ["no sha256: prefix", (h: string) => h.slice("sha256:".length)],
    ["upper-case SHA256", (h: string) => h.replace("sha256:", "SHA256:")],
    ["a word", () => "latest"],
    ["more than 64 hex digits", (h: string) => `${h}0`],
  ])("refuses a malformed base (%s), showing the current hash", (_, pin) => {
    const hash = current();
    const folded = fold([pinned(pin(hash))]);
    expect(folded.problems).toEqual([
      `specs/deltas/d0.phx:2:19: error invalid-base: \`base\` takes "sha256:" and at least 4 hex digits of a spec hash, not '${pin(hash)}' (the current hash is ${hash})`,
    ]);
    expect(blueFolded(folded)).toBe(false);
  });

  it("pins the base, not what other deltas make of it", () => {
    const folded = fold([
      pinned(current()),
      `delta wording "Wording" {\n  modify web base "${current()}" {\n    requirement WEB-1 MUST "The page posts the form to /session."\n  }\n}\n`,
    ]);
    expect(folded.problems).toEqual([]);
    expect(named(folded.desired, "web").requirements.map((r) => r.text)).toEqual(["The page posts the form to /session.", "Blue.", "The page works without frameworks."]);
  });
});

describe("conflicts", () => {
  const dark = modifyWeb('    requirement WEB-2 MUST "The sign-in button is dark green (#166534)."', "a-green");
  const blue = modifyWeb('    requirement WEB-2 MUST "The sign-in button is blue (#1d4ed8)."', "b-blue");
  const unrelated = 'delta c-api "Health" {\n  modify api {\n    requirement API-2 MUST "GET /health answers 200."\n  }\n}\n';

  it("reports two deltas on one requirement once, naming both deltas, both places and both hashes", () => {
    const folded = fold([dark, blue, unrelated]);
    expect(folded.problems).toHaveLength(1);
    expect(folded.problems[0]).toMatch(new RegExp(
      "^specs/deltas/d1\\.phx:3:17: error delta-conflict: delta 'b-blue' and delta 'a-green' \\(specs/deltas/d0\\.phx:3:17\\) both change requirement WEB-2 of web: "
      + "sha256:[0-9a-f]{12} here, sha256:[0-9a-f]{12} there; apply one first or merge them$"));
    const { here, there } = conflictHashes(folded.problems[0]!);
    expect(here).not.toBe(there);
    // each hash is the content of its own side: changing one side's text changes only its hash
    const bluer = fold([dark, blue.replace("#1d4ed8", "#1e40af"), unrelated]);
    expect(conflictHashes(bluer.problems[0]!).there).toBe(there);
    expect(conflictHashes(bluer.problems[0]!).here).not.toBe(here);
  });

  it("folds neither conflicting delta, but folds an unrelated one", () => {
    const folded = fold([dark, blue, unrelated]);
    expect(named(folded.desired, "web")).toEqual(named(folded.base, "web"));
    expect(named(folded.desired, "api").requirements.map((r) => r.id)).toEqual(["API-1", "API-2"]);
    expect([...folded.changedBy]).toEqual([["api", ["c-api"]]]);
  });

  it("reports a change and a removal of one requirement", () => {
    const folded = fold([blue, modifyWeb("    remove requirement WEB-2", "a-drop")]);
    expect(folded.problems).toHaveLength(1);
    expect(folded.problems[0]).toContain("delta 'b-blue' and delta 'a-drop' (specs/deltas/d1.phx:3:24) both change requirement WEB-2 of web");
  });

  it("reports two deltas on one check", () => {
    const folded = fold([
      modifyWeb('    check unit {\n      run "npx vitest run test/web --coverage"\n      covers WEB-1, WEB-2\n    }', "a-coverage"),
      modifyWeb("    remove check unit", "b-nounit"),
      unrelated,
    ]);
    expect(folded.problems).toHaveLength(1);
    expect(folded.problems[0]).toMatch(/^specs\/deltas\/d1\.phx:3:18: error delta-conflict: delta 'b-nounit' and delta 'a-coverage' \(specs\/deltas\/d0\.phx:3:11\) both change check unit of web: /);
    expect(named(folded.desired, "web").checks.map((c) => c.subject)).toEqual(["npx vitest run test/web", "The button stands out."]);
    expect([...folded.changedBy.keys()]).toEqual(["api"]);
  });

  it.each([
    ["after", "z-drop", "specs/deltas/d1.phx:2:20", "specs/deltas/d0.phx:2:10", "z-drop", "b-blue"],
    ["before", "a-drop", "specs/deltas/d0.phx:2:10", "specs/deltas/d1.phx:2:20", "b-blue", "a-drop"],
  ])("reports removing a component that another delta modifies once (removal named %s)", (_, dropName, at, other, delta, otherDelta) => {
    const drop = `delta ${dropName} "Drop web" {\n  remove component web\n}\n`;
    const folded = fold([blue, drop, unrelated]);
    expect(folded.problems).toHaveLength(1);
    expect(folded.problems[0]).toMatch(new RegExp(`^${at}: error delta-conflict: delta '${delta}' and delta '${otherDelta}' \\(${other}\\) both change component web: `));
    // the modify's side shows the spec hash web would have with that delta alone
    const modified = shortHash(specHash(named(fold([blue]).desired, "web")));
    const hashes = conflictHashes(folded.problems[0]!);
    expect(delta === "b-blue" ? hashes.here : hashes.there).toBe(modified);
    expect(folded.desired.components.map((c) => c.name)).toEqual(["api", "legacy", "store", "web"]);
    expect(named(folded.desired, "web")).toEqual(named(folded.base, "web"));
    expect([...folded.changedBy.keys()]).toEqual(["api"]);
  });

  it("reports two deltas adding one component once, with each side's spec hash", () => {
    const add = (name: string, glob: string) => `delta ${name} "Audit" {\n  add component audit { owns "${glob}" }\n}\n`;
    const folded = fold([add("a-audit", "src/audit/**"), add("b-audit", "src/log/**"), unrelated]);
    expect(folded.problems).toHaveLength(1);
    expect(folded.problems[0]).toMatch(/^specs\/deltas\/d1\.phx:2:17: error delta-conflict: delta 'b-audit' and delta 'a-audit' \(specs\/deltas\/d0\.phx:2:17\) both change component audit: /);
    const alone = (delta: string) => shortHash(specHash(named(fold([delta]).desired, "audit")));
    expect(conflictHashes(folded.problems[0]!)).toEqual({ here: alone(add("b-audit", "src/log/**")), there: alone(add("a-audit", "src/audit/**")) });
    expect(componentNamed(folded.desired, "audit")).toBeUndefined();
  });

  it("does not report two deltas on different requirements of one component, and folds both", () => {
    const folded = fold([blue, modifyWeb('    requirement WEB-1 MUST "The page posts the form to /session."\n    remove check screenshot', "a-session")]);
    expect(folded.problems).toEqual([]);
    expect(named(folded.desired, "web").requirements.map((r) => r.text)).toEqual([
      "The page posts the form to /session.", "The sign-in button is blue (#1d4ed8).", "The page works without frameworks.",
    ]);
    expect(Object.fromEntries(folded.changedBy)).toEqual({ web: ["a-session", "b-blue"] });
  });

  it("reports each pair of three deltas on one requirement once", () => {
    const third = modifyWeb('    requirement WEB-2 MUST "The sign-in button is red."', "c-red");
    const folded = fold([dark, blue, third]);
    expect(folded.problems.map((p) => /delta '([^']+)' and delta '([^']+)'/.exec(p)!.slice(1).join(" vs "))).toEqual([
      "b-blue vs a-green", "c-red vs a-green", "c-red vs b-blue",
    ]);
    expect(folded.desired).toEqual(folded.base);
  });
});

describe("order", () => {
  const deltas = [
    modifyWeb('    requirement WEB-2 MUST "The sign-in button is blue (#1d4ed8)."', "blue"),
    'delta audit "Audit" {\n  add component audit { owns "src/audit/**" depends_on store }\n}\n',
    'delta retire "Retire" {\n  remove component legacy\n}\n',
    'delta faster "Faster" {\n  modify api { check unit { run "npx vitest run test/api --bail" covers API-1 } }\n}\n',
    modifyWeb('    requirement WEB-1 MUST "Posts to /a."', "x-one"),
    modifyWeb('    requirement WEB-1 MUST "Posts to /b."\n    depends_on store', "x-two"),
    modifyWeb("    depends_on store\n    owns \"src/web/**\", \"src/pages/**\"", "pages"),
    'delta stale "Stale" {\n  modify api base "sha256:00000000" { description "x" }\n}\n',
  ];

  const outcome = (folded: Folded) => ({ desired: canonicalJson(folded.desired), problems: folded.problems, changedBy: [...folded.changedBy] });

  it("does not change the result, however the deltas are ordered and spread over files (property)", () => {
    const expected = outcome(fold(deltas));
    expect(expected.problems.length).toBeGreaterThan(0);
    expect(expected.changedBy.length).toBeGreaterThan(0);
    fc.assert(fc.property(fc.shuffledSubarray(deltas.map((text, i) => ({ text, i })), { minLength: deltas.length, maxLength: deltas.length }), (shuffled) => {
      // each delta keeps its file name, so that the places in messages stay comparable
      const folded = foldInFiles(shuffled.map(({ text }) => text), shuffled.map(({ i }) => i));
      expect(outcome(folded)).toEqual(expected);
    }), { numRuns: 40 });
  });

  /** Like fold, but delta k is in specs/deltas/d{files[k]}.phx. */
  function foldInFiles(texts: readonly string[], files: readonly number[]): Folded {
    const parsed = [
      parse(SYSTEM, "specs/system.phx"), parse(WEB, "specs/web.phx"), parse(OTHERS, "specs/others.phx"),
      ...texts.map((text, k) => parse(text, `specs/deltas/d${files[k]}.phx`)),
    ];
    const resolved = resolveSpecTree(parsed, "specs");
    const folded = applyDeltas(resolved.base!, resolved.deltas);
    return { base: resolved.base!, ...folded, problems: folded.diagnostics.map(formatDiagnostic) };
  }

  it("reports two deltas replacing one description as a conflict, whatever the order given, and folds neither", () => {
    const a = modifyWeb('    description "From a."', "a");
    const b = modifyWeb('    description "From b."', "b");
    for (const order of [[a, b], [b, a]]) {
      const folded = fold(order);
      expect(folded.problems).toEqual([expect.stringMatching(/error delta-conflict: delta 'b' and delta 'a' \(.*\) both change the description of web: /)]);
      expect(named(folded.desired, "web")).toEqual(named(folded.base, "web"));
    }
  });

  it("lets two deltas that ask for exactly the same thing agree", () => {
    const a = modifyWeb('    depends_on store\n    description "Same."', "a");
    const b = modifyWeb('    depends_on store\n    description "Same."', "b");
    const folded = fold([a, b]);
    expect(folded.problems).toEqual([]);
    expect(named(folded.desired, "web").description).toBe("Same.");
  });
});
