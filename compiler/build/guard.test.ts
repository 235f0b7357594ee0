import { describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject, treeHashes, type AgentPlan } from "../../fixtures/build-project.js";
import { runPhoenix } from "../../fixtures/run-phoenix.js";
import { loadProject } from "../project.js";
import { guardRules, judgeChange, judgeToolPath } from "./guard.js";
import type { FileChange } from "./types.js";

async function extraRules(dir: string, maxBytes?: number) {
  const { desired } = await loadProject(dir, dir);
  return guardRules(desired!.components.find((c) => c.name === "extra")!, desired!, dir, maxBytes);
}

const file = (path: string, change: FileChange["change"] = "added", size = 10): FileChange => ({ path, change, kind: "file", size });

describe("the guard's rules", () => {
  it("lets a component change its owned files and nothing else, saying why for each refusal", async () => {
    const dir = await calcProject({});
    const rules = await extraRules(dir);
    expect(judgeChange(file("src/extra/index.js"), rules)).toBeNull();
    expect(judgeChange(file("src/extra/deep/er.js", "deleted"), rules)).toBeNull();
    expect(judgeChange(file("src/math/index.js"), rules)).toEqual({
      path: "src/math/index.js", reason: "outside-owned", message: "src/math/index.js is outside component extra's files (src/extra/**); change only those",
    });
    expect(judgeChange(file("test/extra.test.mjs", "modified"), rules)?.reason).toBe("protected");
    expect(judgeChange(file("test/extra.test.mjs", "deleted"), rules)?.message).toBe("test/extra.test.mjs is protected (test/**): no agent may change it; make the code pass it instead");
    expect(judgeChange({ path: "src/extra/up", change: "added", kind: "symlink", target: "../../../x" }, rules)?.reason).toBe("symlink-escape");
    expect(judgeChange({ path: "src/extra/abs", change: "added", kind: "symlink", target: "/etc/passwd" }, rules)?.reason).toBe("symlink-escape");
    expect(judgeChange({ path: "src/extra/in", change: "added", kind: "symlink", target: "index.js" }, rules)?.reason).toBe("not-a-file");
    expect(judgeChange({ path: "src/extra/fifo", change: "added", kind: "other" }, rules)?.reason).toBe("not-a-file");
    expect(judgeChange(file("src/extra/big.bin", "added", 2 * 1024 * 1024), rules)?.message).toBe("src/extra/big.bin is 2097152 bytes, over the limit of 1048576; generated files must be smaller");
    expect(judgeChange(file("src/extra/big.bin", "added", 2000), await extraRules(dir, 1000))?.reason).toBe("too-large");
  });

  it("refuses specs and phoenix.lock when the root is the project itself", async () => {
    const dir = await calcProject({});
    const specs = join(dir, "specs", "calc.phx");
    await writeFile(specs, (await readFile(specs, "utf8")).replace('protect "test/**"', 'protect "system-under-construction/test/**"\n  root "."'));
    const { desired } = await loadProject(dir, dir);
    const rules = guardRules({ ...desired!.components[0]!, owns: [{ value: "**", at: desired!.components[0]!.at }] }, desired!, dir);
    expect(judgeChange(file("specs/calc.phx", "modified"), rules)?.reason).toBe("spec");
    expect(judgeChange(file("phoenix.lock", "modified"), rules)?.reason).toBe("lock");
    expect(judgeChange(file("phoenix.lock.bak", "deleted"), rules)?.reason).toBe("lock");
    expect(judgeChange(file("system-under-construction/test/a.mjs"), rules)?.reason).toBe("protected");
    expect(judgeChange(file("src/anything.js"), rules)).toBeNull();
  });

  it("refuses tool paths that leave the root, before anything is written", async () => {
    const rules = await extraRules(await calcProject({}));
    for (const path of ["../x", "/etc/passwd", "src/../../x", "..", "", "a\0b"]) {
      expect(judgeToolPath(path, rules, true)).toEqual({ refusal: expect.objectContaining({ reason: "path-traversal" }) });
    }
    expect(judgeToolPath("./src/extra/../extra/a.js", rules, true)).toEqual({ path: "src/extra/a.js" });
    expect(judgeToolPath("test/x.mjs", rules, false)).toEqual({ path: "test/x.mjs" });
    expect(judgeToolPath("test/x.mjs", rules, true)).toEqual({ refusal: expect.objectContaining({ reason: "protected" }) });
  });
});

describe("a build whose agent writes where it must not", () => {
  it("refuses and reverts every change of a scripted agent outside its files, and the real tree stays as it was", async () => {
    const dir = await calcProject({});
    await writeFile(join(dir, "script.json"), JSON.stringify({
      nodes: {
        extra: [{
          attempts: [[
            { write: "src/extra/index.js", content: calcCode.extra["src/extra/index.js"] },
            { write: "src/math/index.js", content: "// not mine" },
            { write: "test/extra.test.mjs", content: "// tests gone" },
            { delete: "test/math.test.mjs" },
            { write: "../escaped.txt", content: "out" },
            { write: "/tmp/phoenix-absolute-escape.txt", content: "out" },
            { symlink: "src/extra/to-tests", target: "../../test" },
            { write: "src/extra/to-tests/sneaky.mjs", content: "// through a symlink" },
            { symlink: "src/extra/out", target: "/tmp" },
            { write: "src/extra/out/escaped.txt", content: "out" },
            { write: "../specs/calc.phx", content: "component x {}" },
          ]],
        }],
      },
    }));
    const before = await treeHashes(join(dir, "system-under-construction"));
    const specsBefore = await treeHashes(join(dir, "specs"));
    const run = await runPhoenix(["build", "extra", "--agent", "scripted:script.json", "--max-attempts", "1"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    const refusals = run.stdout.split("\n").filter((l) => l.includes(": refused ")).map((l) => l.replace(/^.*: refused /, ""));
    // the file tools refuse as they are called; the guard's diff afterwards finds the rest
    expect(refusals).toEqual([
      "src/math/index.js: src/math/index.js is outside component extra's files (src/extra/**); change only those",
      "test/extra.test.mjs: test/extra.test.mjs is protected (test/**): no agent may change it; make the code pass it instead (it would weaken the checks: test-cases-reduced: 0 test cases instead of 1)",
      "test/math.test.mjs: test/math.test.mjs is protected (test/**): no agent may change it; make the code pass it instead (it would weaken the checks: protected-file-deleted: the file would be gone)",
      "../escaped.txt: ../escaped.txt is not a path inside the root; give paths relative to the root, without ..",
      "/tmp/phoenix-absolute-escape.txt: /tmp/phoenix-absolute-escape.txt is not a path inside the root; give paths relative to the root, without ..",
      "src/extra/out/escaped.txt: src/extra/out/escaped.txt goes through a symlink that leaves the root",
      "../specs/calc.phx: ../specs/calc.phx is not a path inside the root; give paths relative to the root, without ..",
      "src/extra/out: src/extra/out is a symlink to /tmp, which leaves the root; write regular files only",
      "src/extra/to-tests: src/extra/to-tests is a symlink; write regular files only",
      "test/sneaky.mjs: test/sneaky.mjs is protected (test/**): no agent may change it; make the code pass it instead",
    ]);
    expect(run.stdout).toMatch(/✗ extra failed: out of attempts \(1\): refused: /);
    expect(await treeHashes(join(dir, "system-under-construction"))).toEqual(before);
    expect(await treeHashes(join(dir, "specs"))).toEqual(specsBefore);
    await expect(readFile("/tmp/phoenix-absolute-escape.txt")).rejects.toThrow();
  });

  it("under bubblewrap, a command agent's writes outside its workspace fail at the OS level; in-workspace ones are refused by the guard", async () => {
    const real = (path: string) => join(dir, "system-under-construction", path);
    const dir = await calcProject({});
    const plan: AgentPlan = {
      extra: {
        "*": {
          write: {
            "src/extra/index.js": calcCode.extra["src/extra/index.js"],
            [real("src/extra/index.js")]: "// the real tree, by absolute path",
            "../../../../system-under-construction/src/extra/index.js": "// the real tree, by ..",
            [join(dir, "specs", "calc.phx")]: "// the specs",
            "/tmp/phoenix-bwrap-escape.txt": "// a private /tmp: gone with the sandbox",
            "test/extra.test.mjs": "// a protected test",
            "src/extra/real/extra/index.js": "// through a symlink to the real tree",
          },
          symlink: { "src/extra/real": real("src") },
        },
      },
    };
    await writeFile(join(dir, "agent-plan.json"), JSON.stringify(plan));
    await mkdir(real("src/extra"), { recursive: true });
    await writeFile(real("src/extra/index.js"), "// the real file\n");
    const before = await treeHashes(join(dir, "system-under-construction"));
    const specsBefore = await treeHashes(join(dir, "specs"));
    const run = await runPhoenix(["build", "extra", "--sandbox", "bwrap", "--max-attempts", "2", "--json"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    const events = run.stdout.trim().split("\n").map((l) => JSON.parse(l) as { type: string; sandbox?: string; refused?: { path: string; reason: string }[] });
    expect(events[0]).toMatchObject({ type: "plan", sandbox: "bwrap" });
    const refused = events.filter((e) => e.type === "refused").flatMap((e) => e.refused!.map((r) => `${r.path} ${r.reason}`));
    expect(refused).toEqual(["src/extra/real symlink-escape", "test/extra.test.mjs protected", "src/extra/real symlink-escape", "test/extra.test.mjs protected"]);
    expect(events.at(-1)).toMatchObject({ type: "done", exitCode: 1 });
    expect(await treeHashes(join(dir, "system-under-construction"))).toEqual(before);
    expect(await treeHashes(join(dir, "specs"))).toEqual(specsBefore);
    expect(await readFile(real("src/extra/index.js"), "utf8")).toBe("// the real file\n");
    await expect(readFile("/tmp/phoenix-bwrap-escape.txt")).rejects.toThrow();
  });
});
