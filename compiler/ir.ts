/**
 * The IR: one spec tree's meaning, resolved across files. Plain JSON (it round-trips through
 * JSON.stringify), checked by zod where it crosses a boundary, and free of layout: formatting
 * and comments never show up here, so hashes of it change only when meaning changes.
 *
 * Every named part keeps `at`, the span it was declared at, for diagnostics; hashing ignores it.
 */
import type { z } from "zod";
import type { agentSchema, checkSchema, componentSchema, decisionSchema, expectationSchema, irSchema, located, requirementSchema, systemSchema } from "./ir-schema.js";

export const requirementLevels = [
  "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "MAY NOT", "OPTIONAL",
] as const;
export const checkKinds = ["run", "probe", "judge", "human"] as const;
export const providers = ["anthropic", "claude-code", "codex", "command", "scripted"] as const;
export type CheckKind = (typeof checkKinds)[number];

export type Located = z.infer<typeof located>;
export type Requirement = z.infer<typeof requirementSchema>;
export type Expectation = z.infer<typeof expectationSchema>;
export type Check = z.infer<typeof checkSchema>;
export type Decision = z.infer<typeof decisionSchema>;
export type Agent = z.infer<typeof agentSchema>;
export type Component = z.infer<typeof componentSchema>;
export type System = z.infer<typeof systemSchema>;
export type Ir = z.infer<typeof irSchema>;

export const DEFAULT_ROOT = "system-under-construction";
export const DEFAULT_CONTAINER = "project-container";

/** The component with this name, if any. */
export function componentNamed(ir: Ir, name: string): Component | undefined {
  const list = ir.components;
  let index = componentIndexes.get(list);
  if (!index || index.size !== list.length) {
    index = new Map();
    list.forEach((c, i) => index!.has(c.name) || index!.set(c.name, i));
    componentIndexes.set(list, index);
  }
  const at = index.get(name);
  const found = at === undefined ? undefined : list[at];
  // a list changed since it was indexed (deltas fold into a copy in place) is searched instead
  return found?.name === name ? found : list.find((c) => c.name === name);
}

/** Each component list's positions by name: a build of 10,000 nodes looks components up by name often. */
const componentIndexes = new WeakMap<readonly Component[], Map<string, number>>();
