/**
 * The plan: desired state (specs + deltas) against current state (phoenix.lock) and actual
 * state (the files on disk). Each component is unchanged, or stale for named reasons (ninja's
 * `-d explain`), or to be removed. Pure: everything observed comes in as data.
 */
import { meets, unmetMessage, type ObservedValues } from "./expectations.js";
import { buildOrder } from "./graph.js";
import { canonicalJson, inputHash, specContent, specContentHash, systemChecksHash, type BuildInputs, type Hash } from "./hash.js";
import type { Agent, Component, Ir } from "./ir.js";
import type { ComponentState, Lock } from "./lock/schema.js";
import { specChanges, type SpecChange } from "./spec-changes.js";

/** Why a component must be rebuilt. */
export type StaleReasonCode =
  | "new" | "never-built" | "spec-changed" | "dependency-interface-changed" | "agent-changed"
  | "container-changed" | "system-checks-changed" | "outputs-drifted" | "check-failing" | "patch-expired" | "expectation-unmet";

export interface StaleReason {
  code: StaleReasonCode;
  /** One line for people: which delta, which dependency, which check. */
  detail: string;
  /** The hashes behind the reason (`--explain`), recorded in the lock and as they are now. */
  recorded?: string | null;
  current?: string | null;
  /** For dependency-interface-changed: which dependency. */
  dependency?: string;
}

/** An owned file that differs from what the lock recorded. */
export interface FileDrift {
  path: string;
  change: "modified" | "added" | "deleted";
  expected?: Hash;
  actual?: Hash;
}

export type ComponentAction = "add" | "rebuild" | "remove" | "none";

export interface ComponentPlan {
  name: string;
  action: ComponentAction;
  reasons: StaleReason[];
  /** Requirement-, check- and dependency-level differences from the last build. */
  changes: SpecChange[];
  drift: FileDrift[];
  /** The deltas that change this component. */
  deltas: string[];
  /** What a build now would be made from, and its hash; absent for a removed component. */
  inputs?: BuildInputs;
  inputHash?: Hash;
}

export interface Plan {
  /** In build order (dependencies first); components to remove last. */
  components: ComponentPlan[];
  summary: Record<ComponentAction, number> & { drifted: number };
}

/** What was observed outside the specs. */
export interface Observations {
  /** Only its components are read: a caller planning a few components passes those it has. */
  lock: Pick<Lock, "components">;
  /** The hash of the root's project-container now. */
  containerHash: Hash | null;
  promptVersion: string;
  /** Drifted files per component (only components in the lock have any). */
  drift: ReadonlyMap<string, readonly FileDrift[]>;
  /** Today (YYYY-MM-DD), for temporary patches that expire; without it none expires. */
  today?: string;
}

export function planBuild(desired: Ir, base: Ir, changedBy: ReadonlyMap<string, string[]>, seen: Observations): Plan {
  const inBase = new Set(base.components.map((c) => c.name));
  const byName = new Map(desired.components.map((c) => [c.name, c]));
  // components in a cycle have no build order; a project with one has an error and is not planned
  const ordered = buildOrder(desired).map((name) => byName.get(name)!);
  const systemChecks = systemChecksHash(desired.system);
  const planned = ordered.map((c) => planComponent(c, desired, inBase.has(c.name), changedBy.get(c.name) ?? [], seen, systemChecks));
  const desiredNames = new Set(desired.components.map((c) => c.name));
  const removed = Object.keys(seen.lock.components).filter((name) => !desiredNames.has(name)).sort().map((name) => removal(name, seen, changedBy));
  return planOf([...planned, ...removed]);
}

/** A plan of these components, with its counts. */
export function planOf(components: ComponentPlan[]): Plan {
  const count = (action: ComponentAction) => components.filter((c) => c.action === action).length;
  return {
    components,
    summary: { add: count("add"), rebuild: count("rebuild"), remove: count("remove"), none: count("none"), drifted: components.filter((c) => c.drift.length > 0).length },
  };
}

/** The agent that builds a component: its own, else the system's. */
export function effectiveAgent(component: Component, ir: Pick<Ir, "system">): Agent | null {
  return component.agent ?? ir.system.agent ?? null;
}

/**
 * What a build of `component` would be made from now. A caller planning many components passes
 * what is the same for all (the system's checks' hash) and what it has already (the spec content).
 */
export function buildInputs(
  component: Component, ir: Pick<Ir, "system">, seen: Observations, content = specContent(component), systemChecks = systemChecksHash(ir.system),
): BuildInputs {
  const dependencyInterfaces = Object.fromEntries(component.dependsOn.map((d) => d.value).sort()
    .map((name) => [name, seen.lock.components[name]?.interfaceHash ?? null]));
  return {
    specHash: specContentHash(content),
    dependencyInterfaces,
    agent: effectiveAgent(component, ir),
    promptVersion: seen.promptVersion,
    containerHash: seen.containerHash,
    systemChecksHash: systemChecks,
  };
}

/**
 * One component's plan. planBuild calls it for every component; the plan memo (memo/plan-memo.ts)
 * for the few an edit touched, with the lock entries they read.
 */
export function planComponent(component: Component, ir: Pick<Ir, "system">, inBase: boolean, deltas: string[], seen: Observations, systemChecks: Hash): ComponentPlan {
  const content = specContent(component);
  const inputs = buildInputs(component, ir, seen, content, systemChecks);
  const built = seen.lock.components[component.name];
  const drift = [...(seen.drift.get(component.name) ?? [])];
  // the spec hash is the content's identity: equal hashes, nothing to compare line by line
  const changes = built?.specHash === inputs.specHash ? [] : specChanges(built?.spec, content);
  const reasons = built ? staleReasons(component, built, inputs, drift, deltas, seen.today) : [notBuilt(inBase, deltas)];
  const action: ComponentAction = !built ? "add" : reasons.length > 0 ? "rebuild" : "none";
  return { name: component.name, action, reasons, changes, drift, deltas, inputs, inputHash: inputHash(inputs) };
}

function notBuilt(inBase: boolean, deltas: string[]): StaleReason {
  return inBase
    ? { code: "never-built", detail: "no build of it is recorded in phoenix.lock" }
    : { code: "new", detail: `added by delta ${deltas.join(", ")}` };
}

/** Every named reason a built component is stale, in a fixed order. */
function staleReasons(component: Component, built: ComponentState, inputs: BuildInputs, drift: FileDrift[], deltas: string[], today: string | undefined): StaleReason[] {
  const reasons: StaleReason[] = [];
  if (built.specHash !== inputs.specHash) {
    const from = deltas.length > 0 ? `delta ${deltas.join(", ")}` : "the specs";
    reasons.push({ code: "spec-changed", detail: `${from} changed what it must do`, recorded: built.specHash, current: inputs.specHash });
  }
  for (const [dependency, now] of Object.entries(inputs.dependencyInterfaces)) {
    const then = built.dependencyInterfaces[dependency];
    // a dependency that is new to the component is a spec change, reported above
    if (then !== undefined && then !== now) {
      reasons.push({
        code: "dependency-interface-changed", detail: `${dependency}'s interface changed since ${component.name} was built`, recorded: then, current: now, dependency,
      });
    }
  }
  if (canonicalJson(built.agent) !== canonicalJson(inputs.agent) || built.promptVersion !== inputs.promptVersion) {
    reasons.push({
      code: "agent-changed", detail: `built by ${agentName(built.agent)} with ${built.promptVersion}, now ${agentName(inputs.agent)} with ${inputs.promptVersion}`,
      recorded: `${agentName(built.agent)}@${built.promptVersion}`, current: `${agentName(inputs.agent)}@${inputs.promptVersion}`,
    });
  }
  if (built.systemChecksHash !== inputs.systemChecksHash) {
    reasons.push({ code: "system-checks-changed", detail: "the system's checks changed: every component must pass them again", recorded: built.systemChecksHash ?? null, current: inputs.systemChecksHash });
  }
  if (built.containerHash !== inputs.containerHash) {
    reasons.push({ code: "container-changed", detail: "the project-container definition changed", recorded: built.containerHash, current: inputs.containerHash });
  }
  if (drift.length > 0) {
    reasons.push({ code: "outputs-drifted", detail: `${drift.length} owned file${drift.length === 1 ? "" : "s"} changed outside phoenix` });
  }
  const failing = failingChecks(component, built);
  if (failing.length > 0) reasons.push({ code: "check-failing", detail: `last run: ${failing.join(", ")} failed` });
  for (const check of component.checks.filter((c) => c.kind === "probe" && !c.advisory)) {
    const observed = built.probes[check.name];
    if (!isObserved(observed)) continue;
    const unmet = check.expect.filter((e) => !meets(e, observed));
    if (unmet.length > 0) reasons.push({ code: "expectation-unmet", detail: `${check.name}: ${unmet.map((e) => unmetMessage(e, observed)).join("; ")}` });
  }
  const patch = built.adoption;
  if (patch?.kind === "temporary-patch" && patch.expires !== undefined && today !== undefined && today > patch.expires) {
    reasons.push({ code: "patch-expired", detail: `the hand edit ${patch.by} adopted as a temporary patch expired on ${patch.expires} (${patch.reason})` });
  }
  return reasons;
}

function isObserved(values: Readonly<Record<string, number>> | undefined): values is Readonly<Record<string, number>> & ObservedValues {
  return values !== undefined && ["status", "p50", "p95", "max"].every((k) => typeof values[k] === "number");
}

/** Blocking checks of the current spec whose last recorded verdict is not a pass. */
function failingChecks(component: Component, built: ComponentState): string[] {
  return component.checks.filter((c) => !c.advisory)
    .filter((c) => built.checks[c.name] !== undefined && built.checks[c.name]!.verdict !== "pass")
    .map((c) => c.name);
}

function removal(name: string, seen: Observations, changedBy: ReadonlyMap<string, string[]>): ComponentPlan {
  const built = seen.lock.components[name]!;
  const deltas = changedBy.get(name) ?? [];
  const files = Object.keys(built.outputs).length;
  return {
    name, action: "remove", deltas, drift: [...(seen.drift.get(name) ?? [])],
    reasons: [{ code: "spec-changed", detail: `${deltas.length > 0 ? `removed by delta ${deltas.join(", ")}` : "no longer in the specs"}; its ${files} file${files === 1 ? "" : "s"} will be deleted` }],
    changes: specChanges(built.spec, undefined),
  };
}

function agentName(agent: Agent | null): string {
  if (!agent) return "no agent";
  return agent.argument === undefined ? agent.provider : `${agent.provider} ${JSON.stringify(agent.argument)}`;
}
