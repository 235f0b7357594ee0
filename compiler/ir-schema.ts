/**
 * The IR's zod schemas: where the IR crosses a boundary and in tests (compile-fuzz.test.ts holds
 * every compiled IR to them). Apart from ir.ts, which declares the types from them without
 * loading zod: a look at a project never checks its own IR, and zod took a tenth of a second to load.
 */
import { z } from "zod";
import { checkKinds, providers, requirementLevels } from "./ir.js";

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
export const located = z.object({ value: z.string(), at: spanSchema });

export const requirementSchema = z.object({
  id: z.string(),
  level: z.enum(requirementLevels),
  text: z.string(),
  because: z.string().optional(),
  at: spanSchema,
});

/** `expect status 200` (value is the status) or `expect p95 < 100ms` (value in milliseconds). */
export const expectationSchema = z.object({
  metric: z.string(),
  comparison: z.enum(["<", "<="]).optional(),
  value: z.number(),
});

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

export const decisionSchema = z.object({ id: z.string(), question: z.string(), answer: z.string(), at: spanSchema });

export const agentSchema = z.object({ provider: z.enum(providers), argument: z.string().optional() });

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

/** A spec tree: its system and its components, sorted by name. */
export const irSchema = z.object({
  system: systemSchema,
  components: z.array(componentSchema),
});
