/**
 * The IR: one spec tree's meaning, resolved across files. Plain JSON (it round-trips through
 * JSON.stringify), checked by zod where it crosses a boundary, and free of layout: formatting
 * and comments never show up here, so hashes of it change only when meaning changes.
 *
 * Every named part keeps `at`, the span it was declared at, for diagnostics; hashing ignores it.
 */
import { z } from "zod";

export const spanSchema = z.object({
  file: z.string(),
  line: z.number().int().min(1),
  column: z.number().int().min(1),
  offset: z.number().int().min(0),
  end: z.number().int().min(0),
  endLine: z.number().int().min(1),
  endColumn: z.number().int().min(1),
});

/** A value and where it was written. */
const located = z.object({ value: z.string(), at: spanSchema });
export type Located = z.infer<typeof located>;

export const requirementLevels = [
  "MUST", "MUST NOT", "REQUIRED", "SHALL", "SHALL NOT", "SHOULD", "SHOULD NOT", "RECOMMENDED", "MAY", "MAY NOT", "OPTIONAL",
] as const;

export const requirementSchema = z.object({
  id: z.string(),
  level: z.enum(requirementLevels),
  text: z.string(),
  because: z.string().optional(),
  at: spanSchema,
});
export type Requirement = z.infer<typeof requirementSchema>;

export const checkKinds = ["run", "probe", "judge", "human"] as const;
export type CheckKind = (typeof checkKinds)[number];

/** `expect status 200` (value is the status) or `expect p95 < 100ms` (value in milliseconds). */
const expectationSchema = z.object({
  metric: z.string(),
  comparison: z.enum(["<", "<="]).optional(),
  value: z.number(),
});
export type Expectation = z.infer<typeof expectationSchema>;

export const checkSchema = z.object({
  name: z.string(),
  kind: z.enum(checkKinds),
  /** The kind line's argument: the command, the request, the rubric or what a person confirms. */
  subject: z.string(),
  timeoutMs: z.number().positive().optional(),
  network: z.enum(["allow", "deny"]).optional(),
  expect: z.array(expectationSchema),
  samples: z.number().int().positive().optional(),
  votes: z.number().int().positive().optional(),
  covers: z.array(z.string()),
  advisory: z.boolean(),
  at: spanSchema,
});
export type Check = z.infer<typeof checkSchema>;

export const decisionSchema = z.object({ id: z.string(), question: z.string(), answer: z.string(), at: spanSchema });
export type Decision = z.infer<typeof decisionSchema>;

export const providers = ["anthropic", "claude-code", "codex", "command", "scripted"] as const;
export const agentSchema = z.object({ provider: z.enum(providers), argument: z.string().optional() });
export type Agent = z.infer<typeof agentSchema>;

export const componentSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  owns: z.array(located),
  interface: z.string().optional(),
  dependsOn: z.array(located),
  agent: agentSchema.optional(),
  autonomy: z.enum(["supervised", "autonomous"]),
  requirements: z.array(requirementSchema),
  checks: z.array(checkSchema),
  decisions: z.array(decisionSchema),
  at: spanSchema,
});
export type Component = z.infer<typeof componentSchema>;

export const systemSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  /** The only directory agents may change, relative to the project. */
  root: z.string(),
  /** The dev environment, relative to the root. */
  container: z.string(),
  /**
   * How to start the system for probe checks: a shell command run in the root, with PORT and HOST
   * set by phoenix. Not part of any component's spec: it says how to run the system, not what a
   * component must do.
   */
  start: z.string().optional(),
  /** `"METHOD URL-or-path"` that answers 2xx once the started system is up; only with `start`. */
  ready: z.string().optional(),
  agent: agentSchema.optional(),
  protect: z.array(z.string()),
  checks: z.array(checkSchema),
  at: spanSchema,
});
export type System = z.infer<typeof systemSchema>;

/** A spec tree: its system and its components, sorted by name. */
export const irSchema = z.object({
  system: systemSchema,
  components: z.array(componentSchema),
});
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
