import { describe, expect, it } from "vitest";
import { mkdir, readFile, writeFile, readdir } from "node:fs/promises";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";

describe("phoenix init", () => {
  it("scaffolds a project that phoenix check accepts", async () => {
    const dir = join(await tempDir(), "shop");
    const init = await runPhoenix(["init", dir]);
    expect(init.exitCode).toBe(0);
    for (const file of [
      "specs/system.phx",
      "system-under-construction/README.md",
      "system-under-construction/project-container/Containerfile",
      "system-under-construction/project-container/devcontainer.json",
    ]) expect(existsSync(join(dir, file)), file).toBe(true);
    expect(await readFile(join(dir, "specs/system.phx"), "utf8")).toMatch(/^system shop \{/m);
    expect(await readFile(join(dir, ".gitignore"), "utf8")).toBe(".phoenix/\nphoenix.lock.bak\n");
    JSON.parse(await readFile(join(dir, "system-under-construction/project-container/devcontainer.json"), "utf8"));

    const check = await runPhoenix(["check"], { cwd: dir });
    expect(check.stdout).toContain("0 errors, 0 warnings in 1 file");
    expect(check.exitCode).toBe(0);
    const fmt = await runPhoenix(["fmt", "--check"], { cwd: dir });
    expect(fmt.stdout).toBe("0 files would be reformatted, 1 already formatted");
    expect(fmt.exitCode).toBe(0);
  });

  it("initialises the current directory and takes --name", async () => {
    const dir = await tempDir();
    const init = await runPhoenix(["init", "--name", "billing"], { cwd: dir });
    expect(init.exitCode).toBe(0);
    expect(await readFile(join(dir, "specs/system.phx"), "utf8")).toMatch(/^system billing \{/m);
  });

  it("refuses to overwrite anything and writes nothing when a file exists", async () => {
    const dir = await tempDir();
    await mkdir(join(dir, "specs"));
    await writeFile(join(dir, "specs/system.phx"), "// mine\n");
    const init = await runPhoenix(["init", dir]);
    expect(init.exitCode).toBe(1);
    expect(init.stderr).toContain("refusing to overwrite");
    expect(init.stderr).toContain("specs/system.phx");
    expect(await readFile(join(dir, "specs/system.phx"), "utf8")).toBe("// mine\n");
    expect(await readdir(dir)).toEqual(["specs"]);
  });

  it("refuses a DIR that is a file, or lies under one, in one line naming it, and writes nothing", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, "afile"), "mine\n");
    for (const target of ["afile", "afile/sub"]) {
      const init = await runPhoenix(["init", target], { cwd: dir });
      expect(init.exitCode, target).toBe(1);
      expect(init.stdout, target).toBe("");
      expect(init.stderr, target).toBe(`phoenix: cannot create a project in ${target}: afile is a file, not a directory`);
    }
    expect(await readdir(dir)).toEqual(["afile"]);
    expect(await readFile(join(dir, "afile"), "utf8")).toBe("mine\n");
  });

  it("adds .phoenix/ to an existing .gitignore without losing its lines", async () => {
    const dir = await tempDir();
    await writeFile(join(dir, ".gitignore"), "node_modules/");
    expect((await runPhoenix(["init", dir])).exitCode).toBe(0);
    expect(await readFile(join(dir, ".gitignore"), "utf8")).toBe("node_modules/\n.phoenix/\nphoenix.lock.bak\n");
  });

  it("rejects a --name that is not an identifier as a usage error naming the flag", async () => {
    const dir = await tempDir();
    const init = await runPhoenix(["init", dir, "--name", "9 lives"]);
    expect(init.exitCode).toBe(2);
    expect(init.stderr).toContain("--name '9 lives'");
    expect(await readdir(dir)).toEqual([]);
  });
});
