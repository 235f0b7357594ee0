import { mkdir, mkdtemp, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { containerHash } from "./container.js";

type Files = Record<string, string>;

const roots: string[] = [];

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function makeRoot(files: Files): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "phoenix-container-"));
  roots.push(root);
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
  return root;
}

const CONTAINER: Files = {
  "project-container/Containerfile": "FROM node:20\nRUN npm i -g pnpm\n",
  "project-container/devcontainer.json": "{ \"build\": { \"dockerfile\": \"Containerfile\" } }\n",
  "project-container/scripts/setup.sh": "#!/bin/sh\necho ready\n",
};

describe("containerHash", () => {
  it("is the same for the same definition wherever it is", async () => {
    const hash = await containerHash(await makeRoot(CONTAINER), "project-container");
    expect(hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await containerHash(await makeRoot({ ...CONTAINER, "src/app.ts": "elsewhere\n" }), "project-container")).toBe(hash);
  });

  it.each<[string, Files]>([
    ["an edited Containerfile", { ...CONTAINER, "project-container/Containerfile": "FROM node:22\nRUN npm i -g pnpm\n" }],
    ["an added file", { ...CONTAINER, "project-container/scripts/extra.sh": "" }],
    ["a renamed file", { ...Object.fromEntries(Object.entries(CONTAINER).filter(([p]) => !p.endsWith("setup.sh"))), "project-container/scripts/init.sh": "#!/bin/sh\necho ready\n" }],
    ["a file moved to another directory", { ...Object.fromEntries(Object.entries(CONTAINER).filter(([p]) => !p.endsWith("setup.sh"))), "project-container/setup.sh": "#!/bin/sh\necho ready\n" }],
  ])("changes with %s", async (_, files) => {
    const before = await containerHash(await makeRoot(CONTAINER), "project-container");
    expect(await containerHash(await makeRoot(files), "project-container")).not.toBe(before);
  });

  it("is null when the definition is missing", async () => {
    expect(await containerHash(await makeRoot({ "README.md": "a system\n" }), "project-container")).toBeNull();
  });

  it("hashes an empty definition directory", async () => {
    const root = await makeRoot({});
    await mkdir(join(root, "project-container"));
    expect(await containerHash(root, "project-container")).toMatch(/^sha256:/);
  });

  it("counts a symlinked file as its target and skips a dangling one", async () => {
    const plain = await containerHash(await makeRoot(CONTAINER), "project-container");
    const root = await makeRoot(Object.fromEntries(Object.entries(CONTAINER).filter(([p]) => !p.endsWith("Containerfile"))));
    await writeFile(join(root, "shared-Containerfile"), CONTAINER["project-container/Containerfile"]!);
    await symlink(join(root, "shared-Containerfile"), join(root, "project-container/Containerfile"));
    await symlink(join(root, "nowhere"), join(root, "project-container/dangling"));
    expect(await containerHash(root, "project-container")).toBe(plain);
  });

  it("hashes a definition given as a single file", async () => {
    const root = await makeRoot({ Containerfile: "FROM node:20\n" });
    const hash = await containerHash(root, "Containerfile");
    await writeFile(join(root, "Containerfile"), "FROM node:22\n");
    expect(await containerHash(root, "Containerfile")).not.toBe(hash);
  });
});
