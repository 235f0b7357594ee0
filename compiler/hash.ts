/**
 * Content hashes: sha256 over canonical JSON (keys sorted, no undefined, no source positions),
 * so a hash changes when meaning changes and never because of layout, comments or key order.
 */
import { createHash } from "node:crypto";
import type { Agent, Component, System } from "./ir.js";

/** `sha256:` and 64 hex digits. */
export type Hash = `sha256:${string}`;

export function sha256(data: string | Uint8Array): Hash {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** JSON with object keys sorted at every depth; `undefined` members are left out. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (typeof value !== "object" || value === null) return value;
  const entries = Object.entries(value).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Object.fromEntries(entries.map(([k, v]) => [k, sortKeys(v)]));
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

/** The normalised hash of a component's spec: what a delta's `base` pins. */
export function specHash(component: Component): Hash {
  return sha256(canonicalJson(specContent(component)));
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
