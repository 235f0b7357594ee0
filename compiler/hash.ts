/**
 * Content hashes: sha256 over canonical JSON (keys sorted, no undefined, no source positions),
 * so a hash changes when meaning changes and never because of layout, comments or key order.
 */
import { hash } from "node:crypto";
import type { Agent, Component, System } from "./ir.js";

/** `sha256:` and 64 hex digits. */
export type Hash = `sha256:${string}`;

export function sha256(data: string | Uint8Array): Hash {
  // the one-shot form: a Hash object per call cost 2.5 times as much, ~30,000 calls a plan at 10k
  return `sha256:${hash("sha256", data, "hex")}`;
}

/**
 * JSON with object keys sorted at every depth; `undefined` members are left out. Written out
 * directly, the same text JSON.stringify gives for a key-sorted copy (hash.test.ts holds it to
 * that): making the copies was most of the cost of planning 10,000 components.
 */
export function canonicalJson(value: unknown): string {
  return writeCanonical(value) as string; // as JSON.stringify: undefined for undefined itself
}

/** The canonical JSON of `value`; undefined where JSON.stringify leaves a member out. */
function writeCanonical(value: unknown): string | undefined {
  if (value === null) return "null";
  if (typeof value !== "object") return JSON.stringify(value) as string | undefined;
  let out: string;
  if (Array.isArray(value)) {
    out = "[";
    for (let i = 0; i < value.length; i++) out += `${i > 0 ? "," : ""}${writeCanonical(value[i]) ?? "null"}`;
    return `${out}]`;
  }
  out = "{";
  for (const key of sortedKeys(value)) {
    const member = writeCanonical((value as Record<string, unknown>)[key]);
    if (member !== undefined) out += `${out.length > 1 ? "," : ""}${JSON.stringify(key)}:${member}`;
  }
  return `${out}}`;
}

/**
 * The keys in the order a key-sorted copy enumerates them: JavaScript lists array-index keys
 * ("0", "12") first, in numeric order, whatever order they were added in.
 */
function sortedKeys(value: object): string[] {
  const keys = Object.keys(value).sort();
  if (!keys.some(isArrayIndex)) return keys;
  return [...keys.filter(isArrayIndex).sort((a, b) => Number(a) - Number(b)), ...keys.filter((k) => !isArrayIndex(k))];
}

function isArrayIndex(key: string): boolean {
  const first = key.charCodeAt(0);
  if (!(first >= 0x30 && first <= 0x39)) return false; // the usual case, without a regular expression
  return /^(?:0|[1-9]\d*)$/.test(key) && Number(key) < 2 ** 32 - 1;
}

/**
 * What a component's spec says, in a form where order of declaration does not matter:
 * requirements, checks and decisions sorted by name; globs, dependencies, covers and expects
 * sorted. The agent and autonomy are not part of it: they change who builds, not what is built
 * (the agent is in the input hash).
 */
export function specContent(component: Component) {
  const byKey = <T>(key: (t: T) => string) => (a: T, b: T) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  return {
    name: component.name,
    description: component.description,
    owns: component.owns.map((o) => o.value).sort(),
    interface: component.interface,
    dependsOn: component.dependsOn.map((d) => d.value).sort(),
    requirements: component.requirements.map(({ at: _, ...r }) => r).sort(byKey((r) => r.id)),
    // `expect` lines are a set of bounds like `covers` is a set of IDs: writing them in another
    // order must not make the component stale
    checks: component.checks
      .map(({ at: _, ...c }) => ({ ...c, covers: [...c.covers].sort(), expect: [...c.expect].sort(byKey(canonicalJson)) }))
      .sort(byKey((c) => c.name)),
    decisions: component.decisions.map(({ at: _, ...d }) => d).sort(byKey((d) => d.id)),
  };
}

/** What a component's spec says (see specContent). */
export type SpecContent = ReturnType<typeof specContent>;

/** The normalised hash of a component's spec: what a delta's `base` pins. */
export function specHash(component: Component): Hash {
  return specContentHash(specContent(component));
}

/** specHash, for a caller that has the spec content already. */
export function specContentHash(content: SpecContent): Hash {
  return sha256(canonicalJson(content));
}

/** Everything a component's build depends on; its hash decides whether a rebuild is due. */
export interface BuildInputs {
  specHash: Hash;
  /** The interface hash of each dependency, by name. */
  dependencyInterfaces: Readonly<Record<string, string | null>>;
  agent: Agent | null;
  promptVersion: string;
  containerHash: string | null;
  /** The system's checks, which every component's build must pass: changing them re-opens every build. */
  systemChecksHash: Hash;
}

export function inputHash(inputs: BuildInputs): Hash {
  return sha256(canonicalJson(inputs));
}

/** The hash of the system's checks, without where they were written. */
export function systemChecksHash(system: Pick<System, "checks">): Hash {
  return sha256(canonicalJson(system.checks.map(({ at: _, ...c }) => ({ ...c, covers: [...c.covers].sort() })).sort((a, b) => (a.name < b.name ? -1 : 1))));
}

/** The short form shown to people: `sha256:` and 12 hex digits. */
export function shortHash(hash: string): string {
  return hash.slice(0, "sha256:".length + 12);
}
