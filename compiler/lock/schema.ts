/**
 * The shape of `phoenix.lock`: the current state, i.e. what each component was last built from
 * and what that build produced and proved. Committed to git; JSON with sorted keys.
 */
import { z } from "zod";
import { agentSchema } from "../ir-schema.js";

/** The lock format this phoenix reads and writes. */
export const LOCK_VERSION = 1;

const hash = z.string().regex(/^sha256:[0-9a-f]{64}$/, "expected sha256: and 64 hex digits");
const isoTime = z.iso.datetime({ offset: true });

/** A requirement, check or decision as it was when the component was built (see hash.ts specContent). */
const requirementSnapshot = z.object({ id: z.string(), level: z.string(), text: z.string(), because: z.string().optional() });
const checkSnapshot = z.object({
  name: z.string(),
  kind: z.enum(["run", "probe", "judge", "human"]),
  subject: z.string(),
  timeoutMs: z.number().optional(),
  network: z.enum(["allow", "deny"]).optional(),
  expect: z.array(z.object({ metric: z.string(), comparison: z.enum(["<", "<="]).optional(), value: z.number() })),
  samples: z.number().optional(),
  votes: z.number().optional(),
  covers: z.array(z.string()),
  advisory: z.boolean(),
});
const decisionSnapshot = z.object({ id: z.string(), question: z.string(), answer: z.string() });

/** The spec a component was built from: exactly `specContent` of hash.ts. */
export const specSnapshotSchema = z.object({
  name: z.string(),
  description: z.string().optional(),
  owns: z.array(z.string()),
  interface: z.string().optional(),
  dependsOn: z.array(z.string()),
  requirements: z.array(requirementSnapshot),
  checks: z.array(checkSnapshot),
  decisions: z.array(decisionSnapshot),
});
export type SpecSnapshot = z.infer<typeof specSnapshotSchema>;

export const verdictSchema = z.object({
  verdict: z.enum(["pass", "fail", "error"]),
  /** A few lines a person can read: the failing test, the compiler error, the judge's reason. */
  evidence: z.string(),
  at: isoTime,
  durationMs: z.number().min(0).optional(),
  /** Coverage in percent, when the check reports it: the ratchet's floor. */
  coverage: z.number().min(0).max(100).optional(),
});
export type Verdict = z.infer<typeof verdictSchema>;

export const approvalSchema = z.object({
  by: z.string(),
  at: isoTime,
  /** The outputs approved; a later change to them voids the approval. */
  outputHash: hash,
  note: z.string().optional(),
  /** Set when the approval is one `human` check's (`phoenix approve NODE --check NAME`). */
  check: z.string().optional(),
});
export type Approval = z.infer<typeof approvalSchema>;

/** Why the current outputs are a person's hand edit rather than an agent's build. */
export const adoptionSchema = z.object({
  kind: z.enum(["waiver", "temporary-patch", "promote-to-requirement"]),
  reason: z.string(),
  by: z.string(),
  at: isoTime,
  /** A temporary patch's last day (YYYY-MM-DD); after it the component is stale again. */
  expires: z.iso.date().optional(),
});
export type Adoption = z.infer<typeof adoptionSchema>;

export const componentStateSchema = z.object({
  specHash: hash,
  inputHash: hash,
  spec: specSnapshotSchema,
  agent: agentSchema.nullable(),
  promptVersion: z.string(),
  /** The interface hash of each dependency when this component was built. */
  dependencyInterfaces: z.record(z.string(), hash.nullable()),
  containerHash: hash.nullable(),
  /** The system's checks the build passed (absent in locks written before phoenix recorded it). */
  systemChecksHash: hash.optional(),
  /** Owned files the build produced, relative to the root, with their sha256. */
  outputs: z.record(z.string(), hash),
  /** Hash of `outputs` (canonical JSON): what approvals bind to. */
  outputHash: hash,
  /** The component's public surface; null when it declares no interface file. */
  interfaceHash: hash.nullable(),
  checks: z.record(z.string(), verdictSchema),
  approvals: z.array(approvalSchema),
  /** Last observed values of probe checks, by check name then metric (`status`, `p95`, ...). */
  probes: z.record(z.string(), z.record(z.string(), z.number())),
  builtAt: isoTime,
  /** Set when a person adopted hand edits (`phoenix adopt`) as the current outputs. */
  adoption: adoptionSchema.optional(),
});
export type ComponentState = z.infer<typeof componentStateSchema>;

/**
 * A question an agent asked instead of guessing. The component waits (needs-human) until a
 * person answers with `phoenix answer`, which writes a `decision` into its spec and removes the
 * question. Kept in phoenix.lock, the committed state, so every clone and CI sees who waits.
 */
export const questionSchema = z.object({
  component: z.string(),
  text: z.string(),
  askedAt: isoTime,
  /** Answers the agent suggests, if any. */
  options: z.array(z.string()).optional(),
  /** The attempt that asked, and the agent. */
  attempt: z.number().int().min(1).optional(),
  agent: z.string().optional(),
});
export type Question = z.infer<typeof questionSchema>;

/** A person's sign-off on weakening findings (`phoenix allow-weakening`): exactly these, no others. */
export const allowanceSchema = z.object({
  by: z.string(),
  at: isoTime,
  reason: z.string(),
  /** The commit the findings were measured against. */
  base: z.string(),
  findings: z.array(z.object({ fingerprint: hash, rule: z.string(), component: z.string(), subject: z.string(), message: z.string() })),
});
export type Allowance = z.infer<typeof allowanceSchema>;

export const lockSchema = z.object({
  version: z.literal(LOCK_VERSION),
  /** Fixed when the lock is first created; a lock from another project has another lineage. */
  lineage: z.uuid(),
  /** Goes up by one each time the content changes, never otherwise. */
  serial: z.number().int().min(0),
  components: z.record(z.string(), componentStateSchema),
  /** Open questions by ID (`web-Q1`); absent when there are none. */
  questions: z.record(z.string(), questionSchema).optional(),
  /** Sign-offs on weakened checks; absent when there are none. */
  allowances: z.array(allowanceSchema).optional(),
});
export type Lock = z.infer<typeof lockSchema>;
