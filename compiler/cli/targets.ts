/** TARGET arguments (`phoenix diff web`, `phoenix build web`): component names of the desired state. */
import { didYouMean } from "../../spec-lang/index.js";
import { withDependencies } from "../graph.js";
import type { Ir } from "../ir.js";
import { UsageError } from "./command.js";

/** Throws a UsageError, with a did-you-mean, for a target that names no component. */
export function checkTargets(targets: readonly string[], ir: Ir): void {
  const names = ir.components.map((c) => c.name);
  for (const target of targets) {
    if (!names.includes(target)) throw new UsageError(`no component '${target}' in the desired state${didYouMean(target, names)}`);
  }
}

/** The targets and their dependencies, or undefined (everything) when no target is given. */
export function targetClosure(targets: readonly string[], ir: Ir): Set<string> | undefined {
  if (targets.length === 0) return undefined;
  checkTargets(targets, ir);
  return withDependencies(ir, targets);
}
