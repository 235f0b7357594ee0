import { beforeAll, describe, expect, it } from "vitest";
import { cp, mkdir, readdir, readFile, writeFile } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join, relative, sep } from "node:path";
import { exampleSpecsProject } from "../../fixtures/example.js";
import { repoRoot, runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";
import { specHash } from "../hash.js";
import { componentNamed } from "../ir.js";
import { loadProject } from "../project.js";

/** A copy of the example project (specs/ with its two pending deltas, and the root without code). */
const exampleProject = exampleSpecsProject;

/** Every file under `dir`, by relative path, with its content. */
async function snapshot(dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    out[relative(dir, path).split(sep).join("/")] = await readFile(path, "utf8");
  }
  return out;
}

/** The current spec hash of a component of the project at `dir`, read the way phoenix reads it. */
async function hashOf(dir: string, component: string): Promise<string> {
  const project = await loadProject(dir, dir);
  return specHash(componentNamed(project.base!, component)!);
}

const short = (hash: string) => hash.slice(0, "sha256:".length + 12);

beforeAll(async () => {
  // the CLI under test is dist/; fail loudly instead of testing a stale build
  expect(existsSync(join(repoRoot, "dist", "compiler", "cli", "delta-apply.js"))).toBe(true);
});

describe("phoenix delta: new, edit, check, apply", () => {
  it("walks a delta from skeleton to base spec, rebasing another pending delta on the way", async () => {
    const dir = await exampleProject();
    const webHash = await hashOf(dir, "web");

    const created = await runPhoenix(["delta", "new", "focus", "The button MUST show focus", "--component", "web"], { cwd: dir });
    expect(created).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        `created specs/deltas/focus.phx: delta focus modifies web, pinned to its spec ${short(webHash)}`,
        "next: write the changes inside `modify web { ... }`, run `phoenix check`, then `phoenix delta apply focus`",
      ].join("\n"),
    });
    const skeleton = await readFile(join(dir, "specs/deltas/focus.phx"), "utf8");
    expect(skeleton).toBe(`delta focus "The button MUST show focus" {
  modify web base "${webHash}" {
    // add or replace: requirement WEB-6 MUST "..." / check NAME { run "..." }; delete: remove requirement ID / remove check NAME
  }
}
`);
    // the empty skeleton is a valid spec, already in canonical layout
    expect(await runPhoenix(["check"], { cwd: dir })).toMatchObject({ exitCode: 0, stdout: "0 errors, 0 warnings in 8 files" });
    expect((await runPhoenix(["fmt", "--check"], { cwd: dir })).exitCode).toBe(0);

    await writeFile(join(dir, "specs/deltas/focus.phx"), skeleton.replace(/ {4}\/\/ add or replace.*\n/, `    requirement WEB-6 MUST "The sign-in button shows a focus ring."
    remove requirement WEB-3
    check unit {
      run "npx vitest run test/web"
      covers WEB-1, WEB-2, WEB-6
      timeout 60s
    }
`));
    expect(await runPhoenix(["check"], { cwd: dir })).toMatchObject({ exitCode: 0, stdout: "0 errors, 0 warnings in 8 files" });

    // blue-button changes web too: focus's pin moves with it, so focus stays applicable
    const blue = await runPhoenix(["delta", "apply", "blue-button"], { cwd: dir });
    const afterBlue = await hashOf(dir, "web");
    expect(blue).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        "created specs/deltas/applied/blue-button.phx",
        "deleted specs/deltas/blue-button.phx",
        "updated specs/deltas/focus.phx",
        "updated specs/web.phx",
        `rebased delta 'focus': its base for web is now ${short(afterBlue)} (was ${short(webHash)})`,
        "applied delta 'blue-button' (web); archived as specs/deltas/applied/blue-button.phx",
      ].join("\n"),
    });
    expect(await readFile(join(dir, "specs/deltas/focus.phx"), "utf8")).toContain(`modify web base "${afterBlue}" {`);
    expect(await runPhoenix(["check"], { cwd: dir })).toMatchObject({ exitCode: 0, stdout: "0 errors, 0 warnings in 7 files" });

    const focus = await runPhoenix(["delta", "apply", "focus"], { cwd: dir });
    expect(focus).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        "created specs/deltas/applied/focus.phx",
        "deleted specs/deltas/focus.phx",
        "updated specs/web.phx",
        "applied delta 'focus' (web); archived as specs/deltas/applied/focus.phx",
      ].join("\n"),
    });
    expect(await readFile(join(dir, "specs/web.phx"), "utf8")).toBe(`component web {
  description "The sign-in page: an email field, a password field and a sign-in button."
  owns "src/web/**"
  interface "src/web/index.js"

  requirement WEB-1 MUST "The page posts the form to /signin and shows the result."
  requirement WEB-2 MUST "The sign-in button is blue (#1d4ed8)."
  requirement WEB-4 RECOMMENDED "The fields carry autocomplete hints for email and password."
    because "password managers fill them in"
  requirement WEB-5 OPTIONAL "The page shows a link to reset the password."
    because "resetting is not built yet; a link may come later"
  requirement WEB-6 MUST "The sign-in button shows a focus ring."

  check unit {
    run "npx vitest run test/web"
    covers WEB-1, WEB-2, WEB-6
    timeout 60s
  }
  check looks-right {
    judge "The page is plain, readable and the button stands out."
    votes 3
    advisory
  }
  check seen {
    human "A person opened the page in a browser and signed in with the demo user."
  }
}
`);
    expect(existsSync(join(dir, "specs/deltas/focus.phx"))).toBe(false);
    expect(await readFile(join(dir, "specs/deltas/applied/focus.phx"), "utf8")).toContain(`delta focus "The button MUST show focus" {\n  modify web base "${afterBlue}" {`);
    expect(await runPhoenix(["check"], { cwd: dir })).toMatchObject({ exitCode: 0, stdout: "0 errors, 0 warnings in 6 files" });
    expect((await runPhoenix(["fmt", "--check"], { cwd: dir })).exitCode).toBe(0);
    expect((await runPhoenix(["delta", "list"], { cwd: dir })).stdout).toMatch(/^faster: .*\n[\s\S]*\n1 pending delta: 1 ok$/);
  });

  it("adds a component in a new file and removes one, deleting its file; paths print as phoenix prints them elsewhere (absolute outside the working directory)", async () => {
    const dir = await exampleProject();
    // faster changes api, which reshape removes: the two conflict, so faster goes first
    expect((await runPhoenix(["delta", "apply", "faster"], { cwd: dir })).exitCode).toBe(0);
    await writeFile(join(dir, "specs/deltas/reshape.phx"), `delta reshape "Audit sign-ins; the API goes" {
  add component audit {
    owns "src/audit/**"  // audit files
    depends_on store
    requirement AUD-1 MUST "Every sign-in is logged."
    check unit { run "npx vitest run test/audit" covers AUD-1 }
  }
  remove component api
}
`);
    const run = await runPhoenix(["delta", "apply", "reshape"], { cwd: join(dir, "system-under-construction") });
    expect(run).toEqual({
      exitCode: 0,
      stderr: "",
      stdout: [
        `deleted ${dir}/specs/api.phx`,
        `created ${dir}/specs/audit.phx`,
        `created ${dir}/specs/deltas/applied/reshape.phx`,
        `deleted ${dir}/specs/deltas/reshape.phx`,
        `applied delta 'reshape' (audit, api); archived as ${dir}/specs/deltas/applied/reshape.phx`,
      ].join("\n"),
    });
    expect(await readFile(join(dir, "specs/audit.phx"), "utf8")).toBe(`component audit {
  owns "src/audit/**"  // audit files
  depends_on store
  requirement AUD-1 MUST "Every sign-in is logged."
  check unit {
    run "npx vitest run test/audit"
    covers AUD-1
  }
}
`);
    expect(existsSync(join(dir, "specs/api.phx"))).toBe(false);
    expect(await runPhoenix(["check"], { cwd: dir })).toMatchObject({ exitCode: 0, stdout: "0 errors, 0 warnings in 6 files" });
  });

  it("works in a project made by phoenix init, keeping the comments of its system.phx", async () => {
    const dir = await tempDir("phoenix-delta-init-");
    expect((await runPhoenix(["init", "--name", "shop"], { cwd: dir })).exitCode).toBe(0);
    // apply prints the files it edits in canonical layout; init's scaffold aligns its comments otherwise
    expect((await runPhoenix(["fmt"], { cwd: dir })).exitCode).toBe(0);
    const system = join(dir, "specs/system.phx");
    const scaffold = await readFile(system, "utf8");
    expect((await runPhoenix(["delta", "new", "greet-by-name", "The greeting MUST name the user", "--component", "app"], { cwd: dir })).exitCode).toBe(0);
    const file = join(dir, "specs/deltas/greet-by-name.phx");
    await writeFile(file, (await readFile(file, "utf8")).replace(/ {4}\/\/.*\n/, `    requirement APP-2 MUST "The greeting names the user."
    check unit {
      run "npm test"
      covers APP-1, APP-2
      timeout 60s
    }
`));
    expect(await runPhoenix(["delta", "apply", "greet-by-name"], { cwd: dir })).toMatchObject({ exitCode: 0, stderr: "" });
    expect(await readFile(system, "utf8")).toBe(scaffold
      .replace('greeting when it starts."\n', 'greeting when it starts."\n  requirement APP-2 MUST "The greeting names the user."\n')
      .replace("covers APP-1\n", "covers APP-1, APP-2\n"));
    expect(await runPhoenix(["check"], { cwd: dir })).toMatchObject({ exitCode: 0, stdout: "0 errors, 0 warnings in 1 file" });
  });
});

describe("phoenix delta new refuses", () => {
  let dir: string;
  let before: Record<string, string>;
  beforeAll(async () => {
    dir = await exampleProject();
    await writeFile(join(dir, "specs/deltas/other.phx"), `delta hello "Greets" {\n  modify api {}\n}\n`);
    await mkdir(join(dir, "specs/deltas/applied"));
    await writeFile(join(dir, "specs/deltas/applied/old.phx"), `delta old "Done" {\n  modify api {}\n}\n`);
    before = await snapshot(dir);
  });

  const cases: [what: string, args: string[], exitCode: number, stderr: string][] = [
    ["without --component", ["x", "s"], 2, "phoenix: missing required option --component <name>: the component the delta changes"],
    ["without a summary", ["x", "--component", "web"], 2, "phoenix: missing required argument 'SUMMARY'"],
    ["a name that is not an identifier", ["9 lives", "s", "--component", "web"], 1,
      "phoenix: '9 lives' is not a valid delta name: use letters, digits, '_' and '-', starting with a letter or '_'"],
    ["a component that does not exist", ["x", "s", "--component", "wbe"], 1,
      "phoenix: component 'wbe' does not exist (did you mean 'web'?); the components are api, sessions, store, web"],
    ["a name whose file exists", ["blue-button", "s", "--component", "web"], 1,
      "phoenix: specs/deltas/blue-button.phx already exists: choose another name, or edit that file"],
    ["a name another file's delta has", ["hello", "s", "--component", "web"], 1,
      "phoenix: a delta named 'hello' already exists (specs/deltas/other.phx:1): choose another name"],
    ["the name of an applied delta", ["old", "s", "--component", "web"], 1,
      "phoenix: a delta named 'old' was already applied (specs/deltas/applied/old.phx): choose another name"],
  ];
  for (const [what, args, exitCode, stderr] of cases) {
    it(`${what} (exit ${exitCode}), writing nothing`, async () => {
      const run = await runPhoenix(["delta", "new", ...args], { cwd: dir });
      expect(run).toEqual({ exitCode, stdout: "", stderr });
      expect(await snapshot(dir)).toEqual(before);
    });
  }

  it("a project with spec errors, printing them", async () => {
    const broken = await exampleProject();
    await writeFile(join(broken, "specs/store.phx"), (await readFile(join(broken, "specs/store.phx"), "utf8")).replace("MUST \"Emails", "must \"Emails"));
    const snap = await snapshot(broken);
    const run = await runPhoenix(["delta", "new", "x", "s", "--component", "store"], { cwd: broken });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toMatch(/^specs\/store\.phx:7:23: error unknown-level: 'must' is not an RFC 2119 keyword/);
    expect(run.stderr).toBe("phoenix: cannot write delta 'x': the specs have 1 error (above); fix them first (phoenix check)");
    expect(await snapshot(broken)).toEqual(snap);
  });

  it("a component that only a pending delta adds", async () => {
    const added = await exampleProject();
    await writeFile(join(added, "specs/deltas/audit.phx"), `delta audit "Audit" {\n  add component audit { owns "src/audit/**" }\n}\n`);
    const run = await runPhoenix(["delta", "new", "x", "s", "--component", "audit"], { cwd: added });
    expect(run).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "phoenix: component 'audit' is not in the base specs yet: delta 'audit' adds it; apply that delta first (phoenix delta apply audit)",
    });
  });
});

describe("phoenix delta apply refuses", () => {
  it("a delta whose base is stale, naming both hashes and writing nothing", async () => {
    const dir = await exampleProject();
    expect((await runPhoenix(["delta", "new", "stale", "s", "--component", "store"], { cwd: dir })).exitCode).toBe(0);
    const pinned = await hashOf(dir, "store");
    const store = join(dir, "specs/store.phx");
    await writeFile(store, (await readFile(store, "utf8")).replace("constant time.", "constant time, always."));
    const actual = await hashOf(dir, "store");
    const before = await snapshot(dir);
    const run = await runPhoenix(["delta", "apply", "stale"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe(`specs/deltas/stale.phx:2:21: error delta-base-mismatch: delta 'stale' was written against store at ${pinned}, `
      + `but its spec now hashes to ${actual}: review the delta against the current spec, then update \`base\``);
    expect(run.stderr).toBe(`phoenix: cannot apply delta 'stale': it was written against store at ${pinned}, but store now hashes to ${actual}; `
      + "review the delta against the current spec and update its base; nothing was written");
    expect(await snapshot(dir)).toEqual(before);
    // the other deltas are refused as well: the project has an error
    const other = await runPhoenix(["delta", "apply", "faster"], { cwd: dir });
    expect(other.stderr).toBe("phoenix: cannot apply delta 'faster': the specs have 1 error (above); fix them first (phoenix check)");
    expect(await snapshot(dir)).toEqual(before);
  });

  it("an unknown delta, with a suggestion, and one already applied", async () => {
    const dir = await exampleProject();
    expect(await runPhoenix(["delta", "apply", "blue-buton"], { cwd: dir })).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "phoenix: no pending delta named 'blue-buton' (did you mean 'blue-button'?); pending: blue-button, faster",
    });
    expect((await runPhoenix(["delta", "apply", "blue-button"], { cwd: dir })).exitCode).toBe(0);
    expect(await runPhoenix(["delta", "apply", "blue-button"], { cwd: dir })).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "phoenix: delta 'blue-button' was already applied: it is in specs/deltas/applied/blue-button.phx",
    });
  });

  it("a delta whose folded specs would be invalid: phoenix check already says why, and apply writes nothing", async () => {
    const dir = await exampleProject();
    await writeFile(join(dir, "specs/deltas/drop.phx"), `delta drop "Drop WEB-1" {\n  modify web { remove requirement WEB-1 }\n}\n`);
    const problem = "specs/web.phx:15:9: error unknown-covered-requirement: check 'unit' covers 'WEB-1', but component 'web' has no requirement WEB-1 once deltas blue-button, drop are folded in";
    expect(await runPhoenix(["check"], { cwd: dir })).toEqual({ exitCode: 1, stdout: `${problem}\n1 error, 0 warnings in 8 files`, stderr: "" });
    const before = await snapshot(dir);
    const run = await runPhoenix(["delta", "apply", "drop"], { cwd: dir });
    expect(run).toEqual({
      exitCode: 1,
      stdout: problem,
      stderr: "phoenix: cannot apply delta 'drop': the specs have 1 error (above); fix them first (phoenix check)",
    });
    expect(await snapshot(dir)).toEqual(before);
  });

  it("an archive that already exists, writing nothing", async () => {
    const dir = await exampleProject();
    await mkdir(join(dir, "specs/deltas/applied"));
    await writeFile(join(dir, "specs/deltas/applied/faster.phx"), "// applied long ago\n");
    const before = await snapshot(dir);
    expect(await runPhoenix(["delta", "apply", "faster"], { cwd: dir })).toEqual({
      exitCode: 1,
      stdout: "",
      stderr: "phoenix: cannot apply delta 'faster': specs/deltas/applied/faster.phx already exists (a delta of that name was applied before); rename the delta",
    });
    expect(await snapshot(dir)).toEqual(before);
  });

  it("to write anything when one file cannot be written, removing what it had written so far", async () => {
    const dir = await exampleProject();
    // specs/api.phx is written (to a temporary file) first; the archive's folder cannot be made
    await writeFile(join(dir, "specs/deltas/applied"), "not a folder\n");
    const before = await snapshot(dir);
    const run = await runPhoenix(["delta", "apply", "faster"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toMatch(/^phoenix: nothing was written: cannot write specs\/deltas\/applied\/faster\.phx: E(EXIST|NOTDIR)\b/);
    expect(await snapshot(dir)).toEqual(before);
  });
});

describe("phoenix delta list", () => {
  it("lists each pending delta with its summary, file, components and status, and exits 0", async () => {
    const dir = await exampleProject();
    expect((await runPhoenix(["delta", "new", "pinned", "Store change", "--component", "store"], { cwd: dir })).exitCode).toBe(0);
    const pinned = await hashOf(dir, "store");
    const store = join(dir, "specs/store.phx");
    await writeFile(store, (await readFile(store, "utf8")).replace("constant time.", "constant time, always."));
    const actual = await hashOf(dir, "store");
    await writeFile(join(dir, "specs/deltas/green.phx"), `delta green "Keep it green" {
  modify web {
    requirement WEB-2 MUST "The sign-in button is green (#16a34a)."
  }
  add component audit { owns "src/audit/**" }
}
`);
    const run = await runPhoenix(["delta", "list"], { cwd: dir });
    const conflict = (at: string, delta: string, other: string, where: string, hash: string, otherHash: string) =>
      `    ${at}: error delta-conflict: delta '${delta}' and delta '${other}' (${where}) both change requirement WEB-2 of web: ${hash} here, ${otherHash} there; apply one first or merge them`;
    const lines = run.stdout.split("\n");
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toBe("");
    const [blueHere, blueThere] = [/here, (sha256:\w+) there/.exec(run.stdout)![1]!, /(sha256:\w+) here/.exec(run.stdout)![1]!];
    expect(lines).toEqual([
      "blue-button: The sign-in button MUST change to blue",
      "  file: specs/deltas/blue-button.phx:2",
      "  changes: web (modify)",
      "  status: conflict",
      conflict("specs/deltas/green.phx:3:17", "green", "blue-button", "specs/deltas/blue-button.phx:4:17", blueThere, blueHere),
      "faster: The system MUST respond 100 ms faster",
      "  file: specs/deltas/faster.phx:1",
      "  changes: api (modify)",
      "  status: ok",
      "green: Keep it green",
      "  file: specs/deltas/green.phx:1",
      "  changes: web (modify), audit (add)",
      "  status: conflict",
      conflict("specs/deltas/green.phx:3:17", "green", "blue-button", "specs/deltas/blue-button.phx:4:17", blueThere, blueHere),
      "pinned: Store change",
      "  file: specs/deltas/pinned.phx:1",
      "  changes: store (modify)",
      "  status: base-mismatch",
      `    specs/deltas/pinned.phx:2:21: error delta-base-mismatch: delta 'pinned' was written against store at ${pinned}, but its spec now hashes to ${actual}: review the delta against the current spec, then update \`base\``,
      "4 pending deltas: 1 ok, 3 not ok",
    ]);
  });

  it("says so when there are none", async () => {
    const dir = await tempDir("phoenix-delta-none-");
    expect((await runPhoenix(["init"], { cwd: dir })).exitCode).toBe(0);
    expect(await runPhoenix(["delta", "list"], { cwd: dir })).toEqual({ exitCode: 0, stdout: "no pending deltas under specs/", stderr: "" });
  });
});
