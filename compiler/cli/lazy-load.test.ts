import { describe, expect, it } from "vitest";
import { execa } from "execa";
import { mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { recordBaseBuild } from "../../fixtures/built-lock.js";
import { exampleSpecsProject } from "../../fixtures/example.js";
import { phoenixBin, tempDir } from "../../fixtures/run-phoenix.js";

/**
 * ts-morph takes about half a second to load and the SDK is not needed to look at specs: commands
 * that do not need them must not load them. A module resolve hook records every import of either.
 */
async function spy(): Promise<{ register: string; log: string }> {
  const dir = await tempDir("phoenix-spy-");
  const log = join(dir, "loaded.log");
  await writeFile(join(dir, "hooks.mjs"), `import { appendFileSync } from "node:fs";
export async function resolve(specifier, context, next) {
  if (/^(ts-morph|@anthropic-ai\\/sdk)$/.test(specifier)) appendFileSync(${JSON.stringify(log)}, specifier + "\\n");
  return next(specifier, context);
}
`);
  await writeFile(join(dir, "register.mjs"), `import { register } from "node:module";\nregister(${JSON.stringify(pathToFileURL(join(dir, "hooks.mjs")).href)});\n`);
  await writeFile(log, "");
  return { register: join(dir, "register.mjs"), log };
}

async function loadedBy(args: string[], cwd: string): Promise<string[]> {
  const { register, log } = await spy();
  const run = await execa("node", ["--import", register, phoenixBin, ...args], { cwd, reject: false });
  expect(run.stderr).toBe("");
  return (await readFile(log, "utf8")).split("\n").filter((l) => l !== "");
}

const example = exampleSpecsProject;

describe("heavy modules load only when a command needs them", () => {
  it("--help, check, status and diff on an unchanged tree load neither ts-morph nor the Anthropic SDK", async () => {
    const dir = await example();
    await recordBaseBuild(dir);
    for (const args of [["--help"], ["check"], ["status"], ["diff"], ["graph"]]) expect(await loadedBy(args, dir), args.join(" ")).toEqual([]);
  });

  it("context loads ts-morph to read a dependency's interface the cache cannot answer (the spy works)", async () => {
    const dir = await example();
    await mkdir(join(dir, "system-under-construction", "src", "store"), { recursive: true });
    await writeFile(join(dir, "system-under-construction", "src", "store", "index.js"), "export const store = 1;\n");
    expect(await loadedBy(["context", "sessions"], dir)).toEqual(["ts-morph"]);
    // the second time the interface cache answers
    expect(await loadedBy(["context", "sessions"], dir)).toEqual([]);
  });
});
