import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cacheWrites, extractionCount, INTERFACE_CACHE_FILE, interfaceCacheSaved, interfaceHash, normaliseText } from "./interface.js";

type Files = Record<string, string>;

const roots: string[] = [];

afterAll(async () => {
  await Promise.all(roots.map((root) => rm(root, { recursive: true, force: true })));
});

async function makeRoot(files: Files): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), "phoenix-interface-"));
  roots.push(root);
  await writeFiles(root, files);
  return root;
}

async function writeFiles(root: string, files: Files): Promise<void> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(root, path)), { recursive: true });
    await writeFile(join(root, path), text);
  }
}

const INTERFACE = "src/store/index.ts";

/** A store component's interface: own declarations, `export *`, a selective re-export, private code. */
const STORE: Files = {
  [INTERFACE]: `import { normalise } from "./util.js";
export * from "./types.js";
export { makeId } from "./ids.js";
import type { User } from "./types.js";

/** Options for opening a store; not exported, but part of openStore's signature. */
interface Options {
  capacity: number;
}

/** Looks a user up by email. */
export function findUser(store: Store, email: string): User | undefined {
  return store.users.get(normalise(email));
}

export function openStore(options: Options): Store {
  return new Store();
}

export class Store {
  private readonly salt = "s";
  readonly users = new Map<string, User>();

  add(user: User): void {
    this.users.set(normalise(user.email), user);
  }
}

export const LIMIT = 10;

function helper(): number {
  return 1;
}
`,
  "src/store/types.ts": `export interface User {
  email: string;
  hash: string;
}

export type Role = "admin" | "member";
`,
  "src/store/ids.ts": `export function makeId(): string {
  return "id";
}

export function internalId(): number {
  return 1;
}
`,
  "src/store/util.ts": `export function normalise(email: string): string {
  return email.toLowerCase();
}
`,
};

interface Edit {
  name: string;
  file: string;
  /** Each `[from, to]` is applied once, in order. */
  replace: [string, string][];
}

function edit(name: string, file: string, ...replace: [string, string][]): Edit {
  return { name, file, replace };
}

/** STORE with one edit applied; every replacement must apply, or the case would prove nothing. */
function edited({ name, file, replace }: Edit): Files {
  let text = STORE[file] ?? "";
  for (const [from, to] of replace) {
    if (!text.includes(from)) throw new Error(`edit "${name}" does not apply: no ${JSON.stringify(from)}`);
    text = text.replace(from, to);
  }
  return { ...STORE, [file]: text };
}

const KEEPS_HASH: Edit[] = [
  edit("a function body", INTERFACE, ["return store.users.get(normalise(email));", "const key = normalise(email);\n  return store.users.get(key);"]),
  edit("a doc comment", INTERFACE, ["/** Looks a user up by email. */", "/** Finds the user with this email, if any. */\n// and a line comment"]),
  edit("reformatting", INTERFACE, ["export function openStore(options: Options): Store {\n  return new Store();\n}", "export function openStore(\n    options: Options,\n): Store { return new Store() }"]),
  edit("declaration order", INTERFACE, ["export const LIMIT = 10;\n", ""], ["import { normalise }", "export const LIMIT = 10;\nimport { normalise }"]),
  edit("a private member added", INTERFACE, ["  private readonly salt = \"s\";", "  private readonly salt = \"s\";\n  private cache = new Map<string, number>();\n  #secret = 1;"]),
  edit("a private member's type", INTERFACE, ["private readonly salt = \"s\";", "private readonly salt = 42;"]),
  edit("a non-exported helper", INTERFACE, ["function helper(): number {\n  return 1;\n}", "function helper(text: string): string {\n  return text;\n}"]),
  edit("an imported module's body", "src/store/util.ts", ["return email.toLowerCase();", "return email.trim().toLowerCase();"]),
  edit("an export of a module re-exported selectively", "src/store/ids.ts", ["export function internalId(): number", "export function internalId(): string"]),
  edit("interface members reordered", "src/store/types.ts", ["  email: string;\n  hash: string;", "  hash: string;\n  email: string;"]),
];

const CHANGES_HASH: Edit[] = [
  edit("a new export", INTERFACE, ["export const LIMIT = 10;", "export const LIMIT = 10;\nexport function removeUser(email: string): void {}"]),
  edit("a removed export", INTERFACE, ["export const LIMIT = 10;\n", "const LIMIT = 10;\n"]),
  edit("a renamed export", INTERFACE, ["export const LIMIT = 10;", "export const MAX = 10;"]),
  edit("a parameter type", INTERFACE, ["findUser(store: Store, email: string)", "findUser(store: Store, email: number)"]),
  edit("a return type", INTERFACE, ["email: string): User | undefined {", "email: string): User | null {"]),
  edit("a const's inferred type", INTERFACE, ["export const LIMIT = 10;", "export const LIMIT = \"10\";"]),
  edit("a public method's signature", INTERFACE, ["add(user: User): void {", "add(user: User): boolean {\n    return true;"]),
  edit("a private member made public", INTERFACE, ["private readonly salt", "readonly salt"]),
  edit("an unexported type in an exported signature", INTERFACE, ["  capacity: number;", "  capacity: string;"]),
  edit("a re-exported interface's property type", "src/store/types.ts", ["  hash: string;", "  hash: Uint8Array;"]),
  edit("a new export in a module re-exported with *", "src/store/types.ts", ["export type Role", "export type Id = string;\nexport type Role"]),
  edit("a re-exported type alias", "src/store/types.ts", ["\"admin\" | \"member\"", "\"admin\" | \"member\" | \"guest\""]),
  edit("a selectively re-exported function's return type", "src/store/ids.ts", ["export function makeId(): string", "export function makeId(): number"]),
];

describe("interfaceHash of a TypeScript interface", () => {
  let unedited: string | null;

  beforeAll(async () => {
    unedited = await interfaceHash(await makeRoot(STORE), INTERFACE);
  });

  it("is a sha256 of the surface, the same wherever the root is", async () => {
    expect(unedited).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await interfaceHash(await makeRoot(STORE), INTERFACE)).toBe(unedited);
  });

  // no cache: each hash is a fresh extraction
  it.each(KEEPS_HASH)("does not change with $name", async (change) => {
    expect(await interfaceHash(await makeRoot(edited(change)), INTERFACE)).toBe(unedited);
  });

  it.each(CHANGES_HASH)("changes with $name", async (change) => {
    expect(await interfaceHash(await makeRoot(edited(change)), INTERFACE)).not.toBe(unedited);
  });

  it("covers JavaScript and declaration files", async () => {
    const root = await makeRoot({
      "lib/a.js": "export function greet(name) {\n  return `hi ${name}`;\n}\n",
      "lib/b.d.ts": "export declare function greet(name: string): string;\n",
    });
    const js = await interfaceHash(root, "lib/a.js");
    const dts = await interfaceHash(root, "lib/b.d.ts");
    await writeFiles(root, { "lib/a.js": "// greets\nexport function greet(name) { return 'hello ' + name; }\n" });
    expect(await interfaceHash(root, "lib/a.js")).toBe(js);
    await writeFiles(root, { "lib/b.d.ts": "export declare function greet(name: string, loud: boolean): string;\n" });
    expect(await interfaceHash(root, "lib/b.d.ts")).not.toBe(dts);
  });
});

describe("interfaceHash of other files", () => {
  it("ignores line endings and trailing whitespace, not content", async () => {
    const root = await makeRoot({ "api/schema.graphql": "type User {\n  email: String\n}\n" });
    const hash = await interfaceHash(root, "api/schema.graphql");
    await writeFiles(root, { "api/schema.graphql": "type User {  \r\n  email: String\t\r\n}\r\n\r\n" });
    expect(await interfaceHash(root, "api/schema.graphql")).toBe(hash);
    await writeFiles(root, { "api/schema.graphql": "type User {\n  email: String!\n}\n" });
    expect(await interfaceHash(root, "api/schema.graphql")).not.toBe(hash);
  });

  it("normalises text as people see it", () => {
    expect(normaliseText("\uFEFFa  \r\nb\t\rc\n\n")).toBe("a\nb\nc");
  });
});

describe("a missing interface", () => {
  it.each(["src/store/index.ts", "schema.json", "src/store/index.ts/x.ts"])("%s hashes to null", async (path) => {
    const root = await makeRoot({ "README.md": "a system\n" });
    expect(await interfaceHash(root, path)).toBeNull();
  });
});

describe("the interface cache", () => {
  it("answers an unchanged interface without extracting again", async () => {
    const root = await makeRoot(STORE);
    const cacheDir = join(root, ".phoenix");
    const fresh = await interfaceHash(root, INTERFACE);
    const first = extractionCount();
    expect(await interfaceHash(root, INTERFACE, { cacheDir })).toBe(fresh);
    expect(extractionCount()).toBe(first + 1);
    expect(await interfaceHash(root, INTERFACE, { cacheDir })).toBe(fresh);
    expect(extractionCount()).toBe(first + 1);
  });

  it("extracts again when a re-exported file changes", async () => {
    const root = await makeRoot(STORE);
    const cacheDir = join(root, ".phoenix");
    const before = await interfaceHash(root, INTERFACE, { cacheDir });
    const count = extractionCount();
    await writeFiles(root, edited(CHANGES_HASH.find((e) => e.file === "src/store/types.ts")!));
    expect(await interfaceHash(root, INTERFACE, { cacheDir })).not.toBe(before);
    expect(extractionCount()).toBe(count + 1);
  });

  it("ignores a corrupt cache and replaces it", async () => {
    const root = await makeRoot({ ...STORE, [`.phoenix/${INTERFACE_CACHE_FILE}`]: "{\"extractor\": 1, \"entr" });
    const cacheDir = join(root, ".phoenix");
    const fresh = await interfaceHash(root, INTERFACE);
    expect(await interfaceHash(root, INTERFACE, { cacheDir })).toBe(fresh);
    const count = extractionCount();
    expect(await interfaceHash(root, INTERFACE, { cacheDir })).toBe(fresh);
    expect(extractionCount()).toBe(count);
    await interfaceCacheSaved();
    expect(JSON.parse(await readFile(join(cacheDir, INTERFACE_CACHE_FILE), "utf8"))).toHaveProperty("entries");
  });

  it("writes many new entries in a few writes, and every one of them by the end", async () => {
    const files = Object.fromEntries(Array.from({ length: 30 }, (_, i) => [`src/c${i}/index.ts`, `export const value${i}: number = ${i};\n`]));
    const root = await makeRoot(files);
    const cacheDir = join(root, ".phoenix");
    const writes = cacheWrites();
    const started = performance.now();
    for (const path of Object.keys(files)) await interfaceHash(root, path, { cacheDir });
    await interfaceCacheSaved();
    // one write, then at most one every 200 ms (the whole cache each time), and the last one
    expect(cacheWrites() - writes).toBeLessThanOrEqual(2 + (performance.now() - started) / 200);
    const saved = JSON.parse(await readFile(join(cacheDir, INTERFACE_CACHE_FILE), "utf8")) as { entries: { interface: string }[] };
    expect(saved.entries.map((e) => e.interface).sort()).toEqual(Object.keys(files).sort());
  });

  it("writes its new entries before a process exits, and another process reads them", async () => {
    const root = await makeRoot({ ...STORE, "src/other/index.ts": "export const answer = 42;\n", "src/third/index.ts": "export const third = 3;\n" });
    const cacheDir = join(root, ".phoenix");
    await interfaceHash(root, INTERFACE, { cacheDir });
    await interfaceCacheSaved();
    // another phoenix process hashes two more interfaces into the same cache (the second written
    // behind, after the first write), and exits
    const module = new URL("./interface.js", import.meta.url).pathname.replace("/generators/", "/dist/generators/");
    const script = `const { interfaceHash } = await import(${JSON.stringify(module)});
for (const path of ["src/other/index.ts", "src/third/index.ts"]) await interfaceHash(${JSON.stringify(root)}, path, { cacheDir: ${JSON.stringify(cacheDir)} });`;
    const { execFileSync } = await import("node:child_process");
    execFileSync(process.execPath, ["--input-type=module", "-e", script]);
    const count = extractionCount();
    for (const path of ["src/other/index.ts", "src/third/index.ts", INTERFACE]) await interfaceHash(root, path, { cacheDir });
    expect(extractionCount()).toBe(count);
  });

  it("keeps every entry when interfaces are hashed in parallel", async () => {
    const root = await makeRoot({ ...STORE, "src/other/index.ts": "export const answer = 42;\n", "src/third/index.ts": "export const third = 3;\n" });
    const cacheDir = join(root, ".phoenix");
    await Promise.all([interfaceHash(root, INTERFACE, { cacheDir }), interfaceHash(root, "src/other/index.ts", { cacheDir })]);
    const count = extractionCount();
    await Promise.all([interfaceHash(root, INTERFACE, { cacheDir }), interfaceHash(root, "src/other/index.ts", { cacheDir })]);
    expect(extractionCount()).toBe(count);
  });

  it("does not cache an interface with an unresolved relative import", async () => {
    // creating ./later.ts would change the answer, and the cache could not notice
    const root = await makeRoot({ "src/index.ts": "export * from \"./later.js\";\nexport const a = 1;\n" });
    const cacheDir = join(root, ".phoenix");
    const before = await interfaceHash(root, "src/index.ts", { cacheDir });
    await writeFiles(root, { "src/later.ts": "export const b = 2;\n" });
    expect(await interfaceHash(root, "src/index.ts", { cacheDir })).not.toBe(before);
  });
});
