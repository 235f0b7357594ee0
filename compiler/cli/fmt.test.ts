import { describe, expect, it } from "vitest";
import { chmod, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";

const messy = [
  "// the store",
  "component   store{owns \"src/store/**\" // its files",
  "",
  "",
  "   requirement STORE-1 MUST \"Hashes only.\" check unit { run \"npx vitest\" covers STORE-1 }}",
].join("\n");

const canonical = [
  "// the store",
  "component store {",
  '  owns "src/store/**"  // its files',
  "",
  '  requirement STORE-1 MUST "Hashes only."',
  "  check unit {",
  '    run "npx vitest"',
  "    covers STORE-1",
  "  }",
  "}",
  "",
].join("\n");

/** A project whose specs/ holds the given files. */
async function project(files: Record<string, string>): Promise<string> {
  const dir = await tempDir();
  await mkdir(join(dir, "specs"));
  for (const [name, text] of Object.entries(files)) await writeFile(join(dir, "specs", name), text);
  return dir;
}

describe("phoenix fmt", () => {
  it("rewrites a messy file in the canonical layout, keeping its mode, and writes nothing else", async () => {
    const dir = await project({ "store.phx": messy, "web.phx": canonical.replaceAll("store", "web") });
    await chmod(join(dir, "specs/store.phx"), 0o640);
    const untouched = await stat(join(dir, "specs/web.phx"));
    const run = await runPhoenix(["fmt"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe("specs/store.phx\nreformatted 1 file, 1 already formatted");
    expect(await readFile(join(dir, "specs/store.phx"), "utf8")).toBe(canonical);
    expect((await stat(join(dir, "specs/store.phx"))).mode & 0o777).toBe(0o640);
    expect((await stat(join(dir, "specs/web.phx"))).mtimeMs).toBe(untouched.mtimeMs);
    expect((await readdir(join(dir, "specs"))).sort()).toEqual(["store.phx", "web.phx"]);
  });

  it("changes nothing when run a second time", async () => {
    const dir = await project({ "store.phx": messy });
    expect((await runPhoenix(["fmt"], { cwd: dir })).exitCode).toBe(0);
    const again = await runPhoenix(["fmt"], { cwd: dir });
    expect(again.exitCode).toBe(0);
    expect(again.stdout).toBe("reformatted 0 files, 1 already formatted");
    expect(await readFile(join(dir, "specs/store.phx"), "utf8")).toBe(canonical);
  });

  it("--check lists a file that would change, exits 1 and leaves it byte for byte", async () => {
    const dir = await project({ "store.phx": messy });
    const run = await runPhoenix(["fmt", "--check"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe("specs/store.phx\n1 file would be reformatted, 0 already formatted");
    expect(await readFile(join(dir, "specs/store.phx"), "utf8")).toBe(messy);
  });

  it("--check exits 0 on formatted files", async () => {
    const dir = await project({ "store.phx": canonical });
    const run = await runPhoenix(["fmt", "--check"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toBe("0 files would be reformatted, 1 already formatted");
  });

  it("leaves a file with a syntax error untouched, prints where, and still formats the others", async () => {
    const broken = 'component web {\n  owns "src/web/**\n}\n';
    const dir = await project({ "store.phx": messy, "web.phx": broken });
    const run = await runPhoenix(["fmt"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("specs/web.phx:2:8: error unterminated-string: ");
    expect(run.stdout).toContain("reformatted 1 file, 0 already formatted, 1 not formatted (see above)");
    expect(await readFile(join(dir, "specs/web.phx"), "utf8")).toBe(broken);
    expect(await readFile(join(dir, "specs/store.phx"), "utf8")).toBe(canonical);
  });

  it("formats only the paths it is given", async () => {
    const dir = await project({ "store.phx": messy, "other.phx": messy.replaceAll("store", "other") });
    const run = await runPhoenix(["fmt", "specs/store.phx"], { cwd: dir });
    expect(run.exitCode).toBe(0);
    expect(await readFile(join(dir, "specs/other.phx"), "utf8")).toBe(messy.replaceAll("store", "other"));
  });

  it("reports a path that does not exist", async () => {
    const dir = await project({ "store.phx": canonical });
    const run = await runPhoenix(["fmt", "nowhere"], { cwd: dir });
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain("nowhere:1:1: error file-unreadable: cannot read file: no such file or directory");
  });
});
