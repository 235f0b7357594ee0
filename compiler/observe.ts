/**
 * Looking at a project: compile the specs, read phoenix.lock, hash the container definition and
 * the owned files, and plan. The IO edge shared by diff, status and build; it never writes
 * phoenix.lock (only the stat cache under .phoenix/, which is a cache).
 */
import { join, relative, resolve } from "node:path";
import { compareDiagnostics, hasErrors, type Diagnostic } from "../spec-lang/index.js";
import { containerHash } from "../generators/container.js";
import { PROMPT_VERSION } from "../generators/prompts.js";
import { findDrift, scanOwnedFiles, type ActualFiles } from "./drift/index.js";
import { canonicalJson } from "./hash.js";
import type { Component, Ir } from "./ir.js";
import { BACKUP_FILE, LOCK_FILE, readLock, type Lock } from "./lock/index.js";
import { JOURNAL_FILE } from "./build/journal.js";
import type { CommandInputs } from "./cli/command.js";
import { planBuild, type Observations, type Plan } from "./plan.js";
import { isSound, loadProject, type Project } from "./project.js";
import { climbsOut } from "./paths.js";

export type Observation =
  | { ok: false; project: Project; diagnostics: Diagnostic[] }
  | {
    ok: true; project: Project & { base: NonNullable<Project["base"]>; desired: NonNullable<Project["desired"]> };
    lock: Lock; lockExists: boolean; seen: Observations; plan: Plan; diagnostics: Diagnostic[];
    /** phoenix.lock is the very text phoenix wrote last (lock/written.ts). */
    lockAsWritten: boolean;
    /** Owned files on disk, per component, as the drift scan found them. */
    owned: ActualFiles;
  };

export async function observeProject(dir: string, cwd: string): Promise<Observation> {
  const project = await loadProject(dir, cwd);
  if (!isSound(project)) return { ok: false, project, diagnostics: project.diagnostics };
  const { lock, exists, asWritten } = await readLock(dir, { cwd });
  const root = join(dir, project.desired.system.root);
  const asBuilt = ownedAsBuilt(project.desired, lock);
  const drift = await findDrift(dir, asBuilt, lock);
  // two owners of one existing file is a problem of the specs as they are now
  const shared = asBuilt === project.desired ? drift.diagnostics : (await scanOwnedFiles(dir, project.desired)).diagnostics;
  const diagnostics = [...project.diagnostics, ...shared].sort(compareDiagnostics);
  if (hasErrors(diagnostics)) return { ok: false, project, diagnostics };
  const container = await containerHash(root, project.desired.system.container);
  const seen: Observations = { lock, containerHash: container, promptVersion: PROMPT_VERSION, drift: drift.drift, today: new Date().toISOString().slice(0, 10) };
  const plan = planBuild(project.desired, project.base, project.changedBy, seen);
  return { ok: true, project, lock, lockExists: exists, lockAsWritten: asWritten === true, seen, plan, diagnostics, owned: drift.files };
}

/**
 * Everything observeProject may read, relative to the project: the specs, the root (owned files,
 * README, the container definition; wherever the container lies), phoenix.lock and its backup,
 * and the journal (status reads it). A remembered answer holds while none of these change.
 */
export function observedInputs(dir: string, project: Project): CommandInputs {
  const system = project.desired?.system ?? project.base?.system;
  const trees = ["specs"];
  if (system) {
    const root = resolve(dir, system.root);
    const container = resolve(root, system.container);
    trees.push(relative(dir, root) || ".");
    if (climbsOut(relative(root, container))) trees.push(relative(dir, container) || ".");
  }
  return { trees, files: [LOCK_FILE, BACKUP_FILE, JOURNAL_FILE] };
}

/**
 * Drift is actual minus representation: the files a component owned when it was built, against
 * what phoenix.lock recorded. A delta that changes `owns` must not make files under the new globs
 * look added by hand (the component is stale for spec-changed anyway), so built components are
 * scanned with the globs they were built with. Returns `desired` itself when nothing differs.
 */
function ownedAsBuilt(desired: Ir, lock: Lock): Ir {
  const differs = (c: Component) => {
    const built = lock.components[c.name];
    return built !== undefined && canonicalJson([...built.spec.owns].sort()) !== canonicalJson(c.owns.map((o) => o.value).sort());
  };
  if (!desired.components.some(differs)) return desired;
  return {
    ...desired,
    components: desired.components.map((c) => differs(c) ? { ...c, owns: lock.components[c.name]!.spec.owns.map((value) => ({ value, at: c.at })) } : c),
  };
}
