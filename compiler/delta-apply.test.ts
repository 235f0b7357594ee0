import { describe, expect, it } from "vitest";
import { readdirSync, readFileSync } from "node:fs";
import { join, sep } from "node:path";
import { repoRoot } from "../fixtures/run-phoenix.js";
import { formatSpecFile, parseSpec, type SpecFile } from "../spec-lang/index.js";
import { foldDelta, isArchived, verifyFold, type FileChange, type FoldResult } from "./delta-apply.js";
import { specHash } from "./hash.js";
import type { Ir } from "./ir.js";
import { compileTree } from "./project.js";

/** A spec tree as path -> text, every path under specs/. */
type Tree = Record<string, string>;

const SYSTEM = `system shop {
  agent claude-code
}
`;

/** A canonical component file with comments of every kind: above, trailing, inside, after. */
const WEB = `// The web component: what people see.
component web {  // the page
  description "The sign-in page."
  owns "src/web/**"  // every page file
  depends_on api     // it calls the API

  // the core requirements
  requirement WEB-1 MUST "The page posts the form."  // the form
  requirement WEB-2 MUST "The button is green."      // design said so
  requirement WEB-3 SHOULD "The page loads fast."    /* measured on 3G */
    because "phones are slow"
  // WEB-5 is about old browsers
  requirement WEB-5 MUST "The page works in IE 11."  // legacy
  requirement WEB-6 MUST "The page has a title."

  decision WEB-Q1 "Which font?" answer "system-ui"

  check unit {
    run "npx vitest run test/web"  // fast
    covers WEB-1, WEB-2, WEB-6
    timeout 60s
  }
  check legacy {
    human "Someone tried IE 11."  // by hand
    covers WEB-5
  }
  // more checks will come
}
`;

const API = `// The API.
component api {
  owns "src/api/**"

  requirement API-1 MUST "POST /signin answers 200 or 401."

  check unit {
    run "npx vitest run test/api"
    covers API-1
  }
}
`;

function parseTree(tree: Tree): SpecFile[] {
  return Object.entries(tree).map(([path, text]) => {
    const { ast, diagnostics } = parseSpec(text, path);
    expect(diagnostics.filter((d) => d.severity === "error"), path).toEqual([]);
    return ast;
  });
}

function baseTree(delta: string, extra: Tree = {}): Tree {
  return { "specs/system.phx": SYSTEM, "specs/web.phx": WEB, "specs/api.phx": API, "specs/deltas/d.phx": delta, ...extra };
}

/** Folds delta `name`, checks every promise about the result, and returns the new tree. */
function fold(tree: Tree, name = "d"): { result: FoldResult; after: Tree } {
  const files = parseTree(tree);
  const before = compileTree(files, "specs");
  expect(before.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const result = foldDelta(files, name, { specsDir: "specs" });
  expect(result.diagnostics).toEqual([]);
  expect(verifyFold(files, name, result.changes, "specs")).toEqual([]);
  const after = applyChanges(tree, result.changes);
  for (const change of result.changes) {
    if (change.kind === "delete") continue;
    // idempotent: formatting the folded text again changes nothing
    const reread = parseSpec(change.text, change.path);
    expect(reread.diagnostics.filter((d) => d.severity === "error"), change.path).toEqual([]);
    expect(formatSpecFile(reread.ast), change.path).toBe(change.text);
  }
  // the folded base is the desired state applyDeltas computed, and the delta is no longer pending
  const live = Object.fromEntries(Object.entries(after).filter(([path]) => !isArchived(path)));
  const compiled = compileTree(parseTree(live), "specs");
  expect(compiled.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
  const remaining = parseTree(live).flatMap((f) => f.blocks).filter((b) => b.kind === "delta");
  expect(remaining.map((b) => b.name.name)).not.toContain(name);
  if (remaining.length === 0) expect(hashes(compiled.base!)).toEqual(hashes(before.desired!));
  expect(hashes(compiled.desired!)).toEqual(hashes(before.desired!));
  return { result, after };
}

function applyChanges(tree: Tree, changes: readonly FileChange[]): Tree {
  const out = { ...tree };
  for (const c of changes) {
    if (c.kind === "delete") {
      expect(out, c.path).toHaveProperty([c.path]);
      delete out[c.path];
    } else {
      if (c.kind === "create") expect(out, c.path).not.toHaveProperty([c.path]);
      else expect(out, c.path).toHaveProperty([c.path]);
      out[c.path] = c.text;
    }
  }
  return out;
}

function hashes(ir: Ir): Record<string, string> {
  return Object.fromEntries(ir.components.map((c) => [c.name, specHash(c)]));
}

/**
 * `text` with each `from` (which must occur exactly once) replaced, in canonical layout: what a
 * person editing the file by hand and running `phoenix fmt` would get.
 */
function edited(text: string, ...edits: [from: string, to: string][]): string {
  let out = text;
  for (const [from, to] of edits) {
    expect(out.split(from).length - 1, from).toBe(1);
    out = out.replace(from, to);
  }
  return formatSpecFile(parseSpec(out, "expected.phx").ast);
}

describe("foldDelta: modify", () => {
  it("replaces a requirement where it stands, keeping the comments around it and dropping those inside", () => {
    const { after } = fold(baseTree(`delta d "blue" {
  modify web {
    requirement WEB-2 MUST "The button is blue."  // not carried over
    requirement WEB-3 MUST "The page loads in 1 s."
  }
}
`));
    expect(after["specs/web.phx"]).toBe(edited(WEB,
      ['"The button is green."', '"The button is blue."'],
      ['requirement WEB-3 SHOULD "The page loads fast."    /* measured on 3G */\n    because "phones are slow"\n', 'requirement WEB-3 MUST "The page loads in 1 s."\n'],
    ));
    expect(after["specs/api.phx"]).toBe(API);
  });

  it("adds requirements, decisions and checks after the last item of their kind", () => {
    const { after } = fold(baseTree(`delta d "more" {
  modify web {
    requirement WEB-7 MUST "The page has a footer."
    decision WEB-Q2 "Which colour?" answer "blue"
    check lint {
      run "npx eslint src/web"
    }
    requirement WEB-8 MAY "The page has a dark mode." because "people asked"
  }
}
`));
    expect(after["specs/web.phx"]).toBe(edited(WEB,
      ['requirement WEB-6 MUST "The page has a title."\n', 'requirement WEB-6 MUST "The page has a title."\n  requirement WEB-7 MUST "The page has a footer."\n  requirement WEB-8 MAY "The page has a dark mode."\n    because "people asked"\n'],
      ['answer "system-ui"\n', 'answer "system-ui"\n  decision WEB-Q2 "Which colour?" answer "blue"\n'],
      ['    covers WEB-5\n  }\n', '    covers WEB-5\n  }\n  check lint {\n    run "npx eslint src/web"\n  }\n'],
    ));
  });

  it("adds the first item of a kind after the items that usually come before it", () => {
    const { after } = fold(baseTree(`delta d "api" {
  modify api {
    decision API-Q1 "JSON or form?" answer "JSON"
    interface "src/api/index.ts"
    description "The HTTP API."
    depends_on web
  }
  modify web { remove depends_on api }
}
`));
    expect(after["specs/api.phx"]).toBe(`// The API.
component api {
  description "The HTTP API."
  owns "src/api/**"
  interface "src/api/index.ts"
  depends_on web

  requirement API-1 MUST "POST /signin answers 200 or 401."
  decision API-Q1 "JSON or form?" answer "JSON"

  check unit {
    run "npx vitest run test/api"
    covers API-1
  }
}
`);
  });

  it("removes requirements and checks with the comments inside them and on their line, and adds no blank line", () => {
    const { after } = fold(baseTree(`delta d "no IE" {
  modify web {
    remove requirement WEB-5
    remove check legacy
    remove requirement WEB-3
  }
}
`));
    expect(after["specs/web.phx"]).toBe(edited(WEB,
      ['  requirement WEB-3 SHOULD "The page loads fast."    /* measured on 3G */\n    because "phones are slow"\n', ""],
      ['  requirement WEB-5 MUST "The page works in IE 11."  // legacy\n', ""],
      ['  check legacy {\n    human "Someone tried IE 11."  // by hand\n    covers WEB-5\n  }\n', ""],
    ));
    // the comment above WEB-5 is outside it: it stays, now above WEB-6
    expect(after["specs/web.phx"]).toContain("  // WEB-5 is about old browsers\n  requirement WEB-6");
  });

  it("replaces a whole check in place; the comments inside the old one go", () => {
    const { after } = fold(baseTree(`delta d "slower" {
  modify web {
    check unit {
      run "npx vitest run test/web --slow"
      covers WEB-1, WEB-2, WEB-6
    }
  }
}
`));
    expect(after["specs/web.phx"]).toBe(edited(WEB,
      ['    run "npx vitest run test/web"  // fast\n    covers WEB-1, WEB-2, WEB-6\n    timeout 60s\n', '    run "npx vitest run test/web --slow"\n    covers WEB-1, WEB-2, WEB-6\n'],
    ));
  });

  it("merges depends_on into the last depends_on line, and removes a line left empty", () => {
    const twoLines = edited(API, ['  owns "src/api/**"\n', '  owns "src/api/**"\n  depends_on store  // first\n  depends_on auth\n']);
    const component = (name: string) => `component ${name} {\n  owns "src/${name}/**"\n}\n`;
    const { after } = fold({ ...baseTree(`delta d "deps" {
  modify api {
    remove depends_on auth
    depends_on store, cache
  }
}
`), "specs/api.phx": twoLines, "specs/auth.phx": component("auth"), "specs/store.phx": component("store"), "specs/cache.phx": component("cache") });
    // the emptied auth line goes; cache joins the last line left, store is there already
    expect(after["specs/api.phx"]).toBe(edited(API, ['  owns "src/api/**"\n', '  owns "src/api/**"\n  depends_on store, cache  // first\n']));
  });

  it("replaces owns, description and interface; other owns lines go", () => {
    const twoOwns = edited(API, ['  owns "src/api/**"\n', '  owns "src/api/**"  // main\n  owns "src/server.ts"  // entry\n']);
    const { after } = fold({ ...baseTree(`delta d "move" {
  modify api {
    owns "lib/api/**", "lib/server.ts"
  }
  modify web {
    description "The new sign-in page."
  }
}
`), "specs/api.phx": twoOwns });
    expect(after["specs/api.phx"]).toBe(edited(API, ['  owns "src/api/**"\n', '  owns "lib/api/**", "lib/server.ts"  // main\n']));
    expect(after["specs/web.phx"]).toBe(edited(WEB, ['description "The sign-in page."', 'description "The new sign-in page."']));
  });

  it("keeps a comment at the end of a component's header line when an item is added first", () => {
    const { after } = fold(baseTree(`delta d "desc" {
  modify api { description "The HTTP API." }
}
`, { "specs/api.phx": edited(API, ["component api {\n", "component api {  // header\n"]) }));
    expect(after["specs/api.phx"]).toContain('component api {  // header\n  owns "src/api/**"\n  description "The HTTP API."\n');
  });
});

describe("foldDelta: components", () => {
  it("writes an added component to specs/NAME.phx with the comments inside the add body", () => {
    const { result, after } = fold(baseTree(`delta d "audit" {
  add component audit {
    // every sign-in leaves a trace
    owns "src/audit/**"  // audit files
    requirement AUD-1 MUST "Every sign-in is logged."
    check unit { run "npx vitest run test/audit" covers AUD-1 }
  }
}
`));
    expect(result.changes.find((c) => c.path === "specs/audit.phx")?.kind).toBe("create");
    expect(after["specs/audit.phx"]).toBe(`component audit {
  // every sign-in leaves a trace
  owns "src/audit/**"  // audit files
  requirement AUD-1 MUST "Every sign-in is logged."
  check unit {
    run "npx vitest run test/audit"
    covers AUD-1
  }
}
`);
  });

  it("appends an added component to specs/NAME.phx when that file exists", () => {
    const { after } = fold(baseTree(`delta d "audit" {
  add component audit { owns "src/audit/**" }
}
`, { "specs/audit.phx": `// audit things\ncomponent audit-store {\n  owns "src/audit-store/**"\n}\n` }));
    expect(after["specs/audit.phx"]).toBe(`// audit things\ncomponent audit-store {\n  owns "src/audit-store/**"\n}\n\ncomponent audit {\n  owns "src/audit/**"\n}\n`);
  });

  it("removes a component's block, and deletes its file when nothing else is declared there", () => {
    const tree = baseTree(`delta d "no api" {
  remove component api
  modify web { remove depends_on api }
}
`);
    const { result, after } = fold(tree);
    expect(result.changes.find((c) => c.path === "specs/api.phx")).toEqual({ kind: "delete", path: "specs/api.phx" });
    expect(after).not.toHaveProperty(["specs/api.phx"]);

    const shared = { ...tree, "specs/api.phx": `${API}\n// the store\ncomponent store {\n  owns "src/store/**"\n}\n` };
    // the comment above api's block is outside it and stays
    expect(fold(shared).after["specs/api.phx"]).toBe(`// The API.\n\n// the store\ncomponent store {\n  owns "src/store/**"\n}\n`);
  });
});

describe("foldDelta: the delta file", () => {
  it("moves a delta that is alone in its file, comments and all, to specs/deltas/applied/", () => {
    const delta = `// asked for by design\ndelta d "blue" {\n  modify web {\n    requirement WEB-2 MUST "The button is blue."  // blue\n  }\n}\n`;
    const { result, after } = fold(baseTree(delta));
    expect(result.archive).toBe("specs/deltas/applied/d.phx");
    expect(after["specs/deltas/applied/d.phx"]).toBe(delta);
    expect(after).not.toHaveProperty(["specs/deltas/d.phx"]);
  });

  it("moves only the delta's block when its file holds others, and rebases their pins on the changed component", () => {
    const webHash = specHash(compileTree(parseTree(withoutDelta(baseTree(""))), "specs").base!.components.find((c) => c.name === "web")!);
    const apiHash = specHash(compileTree(parseTree(withoutDelta(baseTree(""))), "specs").base!.components.find((c) => c.name === "api")!);
    const both = `// two requests
delta d "blue" {
  modify web base "${webHash}" {
    requirement WEB-2 MUST "The button is blue."
  }
}  // end of d

// the other one
delta e "title" {
  modify web base "${webHash.slice(0, 20)}" {
    requirement WEB-6 MUST "The page title says Sign in."
  }
  modify api base "${apiHash}" {
    requirement API-2 MUST "GET /me answers 200 or 401."
  }
}
`;
    const { result, after } = fold(baseTree(both));
    expect(after["specs/deltas/applied/d.phx"]).toBe(`delta d "blue" {
  modify web base "${webHash}" {
    requirement WEB-2 MUST "The button is blue."
  }
}  // end of d
`);
    const newWeb = specHash(compileTree(parseTree(withoutDelta(after)), "specs").base!.components.find((c) => c.name === "web")!);
    expect(newWeb).not.toBe(webHash);
    expect(result.rebased).toEqual([{ delta: "e", component: "web", from: webHash.slice(0, 20), to: newWeb }]);
    expect(after["specs/deltas/d.phx"]).toBe(`// two requests

// the other one
delta e "title" {
  modify web base "${newWeb}" {
    requirement WEB-6 MUST "The page title says Sign in."
  }
  modify api base "${apiHash}" {
    requirement API-2 MUST "GET /me answers 200 or 401."
  }
}
`);
  });

  it("folds a delta declared in the same file as the component it changes", () => {
    const tree: Tree = { ...baseTree(""), "specs/api.phx": `${API}\ndelta d "two" {\n  modify api { requirement API-2 MUST "GET /me answers." }\n}\n` };
    delete tree["specs/deltas/d.phx"];
    const { after } = fold(tree);
    expect(after["specs/api.phx"]).toBe(edited(API, ['answers 200 or 401."\n', 'answers 200 or 401."\n  requirement API-2 MUST "GET /me answers."\n']));
    expect(after["specs/deltas/applied/d.phx"]).toBe(`delta d "two" {\n  modify api {\n    requirement API-2 MUST "GET /me answers."\n  }\n}\n`);
  });
});

function withoutDelta(tree: Tree): Tree {
  return Object.fromEntries(Object.entries(tree).filter(([path]) => !path.includes("deltas/")));
}

describe("foldDelta on the example system", () => {
  const specs = join(repoRoot, "specs");
  const tree: Tree = Object.fromEntries(readdirSync(specs, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith(".phx") && !isArchived(f))
    .map((f) => [`specs/${f.split(sep).join("/")}`, readFileSync(join(specs, f), "utf8")]));

  it("folds every pending delta in turn; the base ends as the desired state was, comments kept", () => {
    let current = tree;
    const deltas = parseTree(current).flatMap((f) => f.blocks).filter((b) => b.kind === "delta").map((b) => b.name.name).sort();
    expect(deltas.length).toBeGreaterThanOrEqual(2);
    const desired = compileTree(parseTree(current), "specs").desired!;
    for (const name of deltas) current = fold(current, name).after;
    const live = Object.fromEntries(Object.entries(current).filter(([path]) => !isArchived(path)));
    expect(hashes(compileTree(parseTree(live), "specs").base!)).toEqual(hashes(desired));
    const comments = (t: Tree) => parseTree(t).flatMap((f) => f.comments.map((c) => c.text)).sort();
    expect(comments(current)).toEqual(comments(tree));
    for (const name of deltas) expect(current).toHaveProperty([`specs/deltas/applied/${name}.phx`]);
  });
});

describe("foldDelta refuses and verifyFold catches", () => {
  it("refuses an unknown delta and a delta with a stale pin, changing nothing", () => {
    const files = parseTree(baseTree(`delta d "x" {\n  modify web base "sha256:0000000000" {\n    requirement WEB-9 MUST "x"\n  }\n}\n`));
    const unknown = foldDelta(files, "dd", { specsDir: "specs" });
    expect(unknown.changes).toEqual([]);
    expect(unknown.diagnostics.map((d) => d.message)).toEqual(["no pending delta named 'dd' (did you mean 'd'?)"]);
    const stale = foldDelta(files, "d", { specsDir: "specs" });
    expect(stale.changes).toEqual([]);
    expect(stale.diagnostics.map((d) => d.code)).toEqual(["delta-base-mismatch"]);
  });

  it("reports a fold whose specs would break a rule that pending deltas escape (a check covering a removed requirement)", () => {
    const files = parseTree(baseTree(`delta d "x" {\n  modify web { remove requirement WEB-1 }\n}\n`));
    const result = foldDelta(files, "d", { specsDir: "specs" });
    const problems = verifyFold(files, "d", result.changes, "specs");
    expect(problems.map((p) => p.kind)).toEqual(["invalid"]);
    expect(problems[0]!.diagnostics!.map((d) => d.message)).toEqual([
      "check 'unit' covers 'WEB-1', but component 'web' has no requirement WEB-1 (did you mean 'WEB-2'?)",
    ]);
  });

  it("reports texts that are not the delta folded in as an internal error", () => {
    const files = parseTree(baseTree(`delta d "x" {\n  modify web { requirement WEB-2 MUST "The button is blue." }\n}\n`));
    const result = foldDelta(files, "d", { specsDir: "specs" });
    expect(verifyFold(files, "d", result.changes, "specs")).toEqual([]);
    const tampered = result.changes.map((c) => (c.path === "specs/web.phx" && c.kind === "update" ? { ...c, text: c.text.replace("is blue", "is red") } : c));
    expect(verifyFold(files, "d", tampered, "specs").map((p) => p.kind)).toEqual(["internal"]);
    const kept = result.changes.filter((c) => c.kind !== "delete");
    expect(verifyFold(files, "d", kept, "specs").map((p) => p.kind)).toContain("internal");
  });

  it("refuses to fold a delta that conflicts with another pending one (both replace api's owns)", () => {
    const tree = baseTree(`delta d "one" {\n  modify api { owns "one/**" }\n}\n`, { "specs/deltas/c.phx": `delta c "two" {\n  modify api { owns "two/**" }\n}\n` });
    const files = parseTree(tree);
    for (const name of ["d", "c"]) {
      const problems = verifyFold(files, name, foldDelta(files, name, { specsDir: "specs" }).changes, "specs");
      expect(problems.map((p) => p.kind)).toEqual(["invalid"]);
      expect(problems[0]!.diagnostics!.map((d) => d.message)).toEqual([
        expect.stringMatching(/^delta 'd' and delta 'c' \(specs\/deltas\/c\.phx:2:16\) both change the owns of api: /),
      ]);
    }
  });
});
