import { cpSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { inflateRawSync } from "node:zlib";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { repoRoot, tempDir } from "../../fixtures/run-phoenix.js";

// The flags that keep `vsce package` offline and free of prompts; the npm script must use them too.
const VSCE_FLAGS = ["--no-dependencies", "--allow-missing-repository"];

/** The files of a zip archive (a .vsix is one) by name, read through its central directory. */
function readZip(zip: Buffer): Map<string, string> {
  const end = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06])); // end of central directory
  const count = zip.readUInt16LE(end + 10);
  let entry = zip.readUInt32LE(end + 16);
  const files = new Map<string, string>();
  for (let i = 0; i < count; i++) {
    const nameLength = zip.readUInt16LE(entry + 28);
    const name = zip.toString("utf8", entry + 46, entry + 46 + nameLength);
    const local = zip.readUInt32LE(entry + 42);
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28);
    const data = zip.subarray(start, start + zip.readUInt32LE(entry + 20));
    files.set(name, (zip.readUInt16LE(entry + 10) === 8 ? inflateRawSync(data) : data).toString("utf8"));
    entry += 46 + nameLength + zip.readUInt16LE(entry + 30) + zip.readUInt16LE(entry + 32);
  }
  return files;
}

describe("the VS Code extension", () => {
  it("packages into a .vsix with its manifest, grammar and language configuration, offline and without prompts", async () => {
    const dir = await tempDir("phoenix-vsix-");
    try {
      cpSync(join(repoRoot, "spec-lang/editor"), dir, { recursive: true });
      const vsix = join(dir, "phoenix-phx.vsix");
      const run = await execa(join(repoRoot, "node_modules/.bin/vsce"), ["package", ...VSCE_FLAGS, "--out", vsix], { cwd: dir, stdin: "ignore", all: true });
      expect(run.all).not.toMatch(/WARNING|continue\?/);

      const files = readZip(readFileSync(vsix));
      expect([...files.keys()].filter((name) => name.startsWith("extension/")).sort()).toEqual([
        "extension/LICENSE.txt", "extension/language-configuration.json", "extension/package.json",
        "extension/readme.md", "extension/syntaxes/phx.tmLanguage.json",
      ]);
      expect(files.get("extension/syntaxes/phx.tmLanguage.json")).toBe(readFileSync(join(repoRoot, "spec-lang/editor/syntaxes/phx.tmLanguage.json"), "utf8"));
      const manifest = JSON.parse(files.get("extension/package.json")!);
      expect(manifest.contributes.languages).toEqual([expect.objectContaining({ id: "phx", extensions: [".phx"], configuration: "./language-configuration.json" })]);
      expect(manifest.contributes.grammars).toEqual([{ language: "phx", scopeName: "source.phx", path: "./syntaxes/phx.tmLanguage.json" }]);
      expect(JSON.parse(files.get("extension/language-configuration.json")!).comments).toEqual({ lineComment: "//", blockComment: ["/*", "*/"] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);

  it("is packaged by `npm run package:vscode` with the same flags", () => {
    const script: string = JSON.parse(readFileSync(join(repoRoot, "package.json"), "utf8")).scripts["package:vscode"];
    expect(script).toMatch(/^cd spec-lang\/editor && vsce package /);
    for (const flag of VSCE_FLAGS) expect(script).toContain(flag);
  });
});
