/**
 * Looking at a project: compile the specs, read phoenix.lock, hash the container definition and
 * the owned files, and plan. The IO edge shared by diff, status and build; it never writes
 * phoenix.lock (only the stat cache under .phoenix/, which is a cache).
 */
import { join } from "node:path";
import { compareDiagnostics, hasErrors, type Diagnostic } from "../spec-lang/index.js";
import { containerHash } from "../generators/container.js";
import { PROMPT_VERSION } from "../generators/prompt-version.js";
import { findDrift } from "./drift/index.js";
import { readLock, type Lock } from "./lock/index.js";
import { planBuild, type Plan } from "./plan.js";
import { isSound, loadProject, type Project } from "./project.js";

export type Observation =
  | { ok: false; project: Project; diagnostics: Diagnostic[] }
  | { ok: true; project: Project & { base: NonNullable<Project["base"]>; desired: NonNullable<Project["desired"]> }; lock: Lock; lockExists: boolean; plan: Plan; diagnostics: Diagnostic[] };

export async function observeProject(dir: string, cwd: string): Promise<Observation> {
  const project = await loadProject(dir, cwd);
  if (!isSound(project)) return { ok: false, project, diagnostics: project.diagnostics };
  const { lock, exists } = await readLock(dir, { cwd });
  const root = join(dir, project.desired.system.root);
  const drift = await findDrift(dir, project.desired, lock);
  const diagnostics = [...project.diagnostics, ...drift.diagnostics].sort(compareDiagnostics);
  if (hasErrors(diagnostics)) return { ok: false, project, diagnostics };
  const container = await containerHash(root, project.desired.system.container);
  const plan = planBuild(project.desired, project.base, project.changedBy, {
    lock, containerHash: container, promptVersion: PROMPT_VERSION, drift: drift.drift,
  });
  return { ok: true, project, lock, lockExists: exists, plan, diagnostics };
}
