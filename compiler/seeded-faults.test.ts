/**
 * The truth test for `phoenix diff`: on a generated 200-component project that phoenix.lock says
 * is fully built, inject 50 random faults of every kind and check that the plan reports each of
 * them and nothing else (precision = recall = 1).
 */
import { describe, expect, it } from "vitest";
import { mkdir, readFile, rm, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { tempDir } from "../fixtures/run-phoenix.js";
import { scanOwnedFiles } from "./drift/index.js";
import { inputHash, sha256 } from "./hash.js";
import type { Lock } from "./lock/schema.js";
import { readLock, withWriterLock, writeLock } from "./lock/index.js";
import { observeProject } from "./observe.js";
import { buildInputs, planOf, type Plan } from "./plan.js";
import { loadProject } from "./project.js";
import { recordBuild } from "./record.js";
import { containerHash } from "../generators/container.js";
import { PROMPT_VERSION } from "../generators/prompts.js";
import { seededRandom } from "../fixtures/random.js";

const COMPONENTS = 200;
const FAULTS = 50;
const name = (i: number) => `c${String(i).padStart(3, "0")}`;

/** Each component depends on up to two earlier ones, chosen by the seed. */
function dependenciesOf(i: number, random: () => number): number[] {
  if (i === 0) return [];
  const picks = new Set([Math.floor(random() * i), Math.floor(random() * i)]);
  return [...picks].sort((a, b) => a - b);
}

function specOf(i: number, deps: number[], requirementText = "does its job", checkCommand = "npm test"): string {
  const c = name(i);
  return [
    `component ${c} {`,
    `  owns "src/${c}/**"`,
    `  interface "src/${c}/index.ts"`,
    ...(deps.length > 0 ? [`  depends_on ${deps.map(name).join(", ")}`] : []),
    `  requirement ${c.toUpperCase()}-1 MUST "${c} ${requirementText}."`,
    `  check unit {`,
    `    run "${checkCommand} -- ${c}"`,
    `    covers ${c.toUpperCase()}-1`,
    "  }",
    "}",
    "",
  ].join("\n");
}


interface Tree {
  dir: string;
  root: string;
  deps: number[][];
}

async function generateTree(seed: number): Promise<Tree> {
  const dir = await tempDir("phoenix-faults-");
  const root = join(dir, "system-under-construction");
  await mkdir(join(dir, "specs"), { recursive: true });
  await mkdir(join(root, "project-container"), { recursive: true });
  await writeFile(join(root, "README.md"), "# generated\n");
  await writeFile(join(root, "project-container", "Containerfile"), "FROM node:20\n");
  await writeFile(join(dir, "specs", "system.phx"), "system generated {\n  agent claude-code\n}\n");
  const random = seededRandom(seed);
  const deps = Array.from({ length: COMPONENTS }, (_, i) => dependenciesOf(i, random));
  for (let i = 0; i < COMPONENTS; i++) {
    await writeFile(join(dir, "specs", `${name(i)}.phx`), specOf(i, deps[i]!));
    await mkdir(join(root, "src", name(i)), { recursive: true });
    await writeFile(join(root, "src", name(i), "index.ts"), `export const ${name(i)} = ${i};\n`);
    await writeFile(join(root, "src", name(i), "impl.ts"), `// implementation of ${name(i)}\n`);
  }
  return { dir, root, deps };
}

/** phoenix.lock as a build of every component would have left it: all checks green. */
async function recordEverything(tree: Tree): Promise<Lock> {
  const project = await loadProject(tree.dir, tree.dir);
  const desired = project.desired!;
  const scan = await scanOwnedFiles(tree.dir, desired, { cache: false });
  const lock: Lock = { version: 1, lineage: "0b8e6a52-3c5e-4d0a-8f4a-2f1c6d7e9a10", serial: 0, components: {} };
  const seen = { lock, containerHash: await containerHash(tree.root, "project-container"), promptVersion: PROMPT_VERSION, drift: new Map() };
  for (let i = 0; i < COMPONENTS; i++) {
    const component = desired.components.find((c) => c.name === name(i))!;
    const inputs = buildInputs(component, desired, seen);
    lock.components[component.name] = recordBuild(component, inputs, inputHash(inputs), {
      outputs: Object.fromEntries(scan.files.get(component.name)!),
      interfaceHash: sha256(`interface of ${component.name} v1`),
      checks: { unit: { verdict: "pass", evidence: "1 passed", at: "2026-11-20T10:00:00.000Z" } },
      at: "2026-11-20T10:00:00.000Z",
    });
  }
  return lock;
}

type Fault =
  | { kind: "edit-file" | "delete-file"; component: number; file: "index.ts" | "impl.ts" }
  | { kind: "add-file"; component: number }
  | { kind: "change-requirement" | "change-check" | "change-interface"; component: number };

/** 50 faults on distinct (component, kind) pairs, so that each one has exactly one expected finding set. */
function faultsFor(seed: number): Fault[] {
  const random = seededRandom(seed * 7 + 1);
  const kinds = ["edit-file", "delete-file", "add-file", "change-requirement", "change-check", "change-interface"] as const;
  const faults: Fault[] = [];
  const used = new Set<string>();
  while (faults.length < FAULTS) {
    const kind = kinds[Math.floor(random() * kinds.length)]!;
    const component = Math.floor(random() * COMPONENTS);
    // one fault per component: two faults on one component could hide each other (an edit and a delete of one file)
    if (used.has(String(component))) continue;
    used.add(String(component));
    const file = random() < 0.5 ? "index.ts" : "impl.ts";
    faults.push(kind === "edit-file" || kind === "delete-file" ? { kind, component, file } : { kind, component } as Fault);
  }
  return faults;
}

/** Applies a fault to the tree or the lock; returns the findings it must cause. */
async function inject(fault: Fault, tree: Tree): Promise<string[]> {
  const c = name(fault.component);
  const src = join(tree.root, "src", c);
  switch (fault.kind) {
    case "edit-file":
      await writeFile(join(src, fault.file), `${await readFile(join(src, fault.file), "utf8")}// edited by hand\n`);
      return [`drift ${c} modified src/${c}/${fault.file}`];
    case "delete-file":
      await rm(join(src, fault.file));
      return [`drift ${c} deleted src/${c}/${fault.file}`];
    case "add-file":
      await writeFile(join(src, "extra.ts"), "export {};\n");
      return [`drift ${c} added src/${c}/extra.ts`];
    case "change-requirement":
      await writeFile(join(tree.dir, "specs", `${c}.phx`), specOf(fault.component, tree.deps[fault.component]!, "does its job faster"));
      return [`requirement ${c} ${c.toUpperCase()}-1`];
    case "change-check":
      await writeFile(join(tree.dir, "specs", `${c}.phx`), specOf(fault.component, tree.deps[fault.component]!, "does its job", "npm run test:ci"));
      return [`check ${c} unit`];
    case "change-interface":
      throw new Error("an interface change is a change of phoenix.lock: see changeInterface");
  }
}

/** The component was rebuilt with a new public surface: every dependent must follow. */
function changeInterface(component: number, tree: Tree, lock: Lock): string[] {
  const c = name(component);
  lock.components[c]!.interfaceHash = sha256(`interface of ${c} v2`);
  const dependents = tree.deps.flatMap((deps, i) => (deps.includes(component) ? [name(i)] : []));
  return dependents.map((d) => `interface ${d} <- ${c}`);
}

/** Everything the plan reports, in the same vocabulary as `inject`. */
function findings(plan: Plan): string[] {
  return plan.components.flatMap((c) => [
    ...c.drift.map((d) => `drift ${c.name} ${d.change} ${d.path}`),
    ...c.changes.map((x) => `${x.subject} ${c.name} ${x.name}`),
    ...c.reasons.filter((r) => r.code === "dependency-interface-changed").map((r) => `interface ${c.name} <- ${r.dependency}`),
  ]);
}

/** Writes phoenix.lock the way a build would: under the writer lock, atomically. */
async function saveLock(dir: string, change: (lock: Lock) => Lock): Promise<void> {
  await withWriterLock(dir, async () => {
    const { lock } = await readLock(dir);
    await writeLock(dir, change(lock));
  }, { onWarning: () => undefined });
}

/** The plan `phoenix diff` would print, read from the real files and the real phoenix.lock. */
async function planNow(dir: string): Promise<Plan> {
  const seen = await observeProject(dir, dir);
  if (!seen.ok) throw new Error(seen.diagnostics.map((d) => d.message).join("\n"));
  return seen.plan;
}

describe("phoenix diff on a 200-component tree with 50 seeded faults", () => {
  it("reports every fault and nothing else, and names the right reason for each", async () => {
    const tree = await generateTree(2119);
    const built = await recordEverything(tree);
    await saveLock(tree.dir, (empty) => ({ ...built, lineage: empty.lineage, serial: empty.serial }));
    expect(findings(await planNow(tree.dir))).toEqual([]);

    const expected: string[] = [];
    const interfaceChanges: Fault[] = [];
    for (const fault of faultsFor(2119)) {
      if (fault.kind === "change-interface") interfaceChanges.push(fault);
      else expected.push(...await inject(fault, tree));
    }
    await saveLock(tree.dir, (lock) => {
      const next = structuredClone(lock);
      for (const fault of interfaceChanges) expected.push(...changeInterface(fault.component, tree, next));
      return next;
    });
    const plan = await planNow(tree.dir);

    expect(new Set(expected).size).toBeGreaterThanOrEqual(FAULTS - interfaceChanges.length);
    expect(findings(plan).sort()).toEqual([...expected].sort());
    // every stale component is stale for a reported finding, and every unfaulted one is untouched
    for (const c of plan.components) {
      expect(c.action === "none", c.name).toBe(findings(planOf([c])).length === 0);
    }
  }, 120_000);
});
