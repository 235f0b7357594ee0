/**
 * A phoenix project as the compiler sees it: the specs read and resolved, the deltas folded in,
 * the whole-tree checks run, and the root looked at. This is the IO edge in front of the pure
 * stages (resolve.ts, deltas.ts, graph.ts).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  compareDiagnostics, diagnostic, hasErrors, itemsOfKind, MUST_LEVELS, type DeltaBlock, type Diagnostic, type Span, type SpecFile,
} from "../spec-lang/index.js";
import { applyDeltas, type DesiredState } from "./deltas.js";
import { graphProblems } from "./graph.js";
import { componentNamed, irSchema, type Component, type Ir, type Requirement } from "./ir.js";
import { resolveSpecTree } from "./resolve.js";
import { displayPath, loadSpecs } from "./spec-files.js";

export interface Project {
  /** The directory holding specs/. */
  dir: string;
  files: SpecFile[];
  /** The base specs without deltas; absent when the tree has no system block. */
  base?: Ir;
  /** Base + deltas: what `phoenix build` makes real. Absent when there is no base. */
  desired?: Ir;
  /** The deltas folded into each component. */
  changedBy: Map<string, string[]>;
  diagnostics: Diagnostic[];
}

/** True when the project has no errors, so its desired state can be trusted. */
export function isSound(project: Project): project is Project & { base: Ir; desired: Ir } {
  return project.base !== undefined && project.desired !== undefined && !hasErrors(project.diagnostics);
}

/** Reads the whole project at `dir`; file names in diagnostics are relative to `cwd`. */
export async function loadProject(dir: string, cwd: string): Promise<Project> {
  const specsDir = join(dir, "specs");
  const loaded = await loadSpecs([specsDir], cwd);
  const compiled = compileTree(loaded.files, displayPath(specsDir, cwd));
  const rootProblems = compiled.base ? inspectRoot(dir, compiled.base) : [];
  const diagnostics = [...loaded.diagnostics, ...compiled.diagnostics, ...rootProblems].sort(compareDiagnostics);
  return { dir, files: loaded.files, ...compiled, diagnostics };
}

/** The pure part: resolve, fold deltas, check the graph. */
export function compileTree(files: readonly SpecFile[], specsDir: string): Omit<Project, "dir" | "files"> {
  const resolved = resolveSpecTree(files, specsDir);
  if (!resolved.base) return { changedBy: new Map(), diagnostics: resolved.diagnostics };
  const folded = applyDeltas(resolved.base, resolved.deltas);
  // the IR is what every later stage trusts; a shape that breaks its schema is phoenix's bug
  irSchema.parse(folded.desired);
  const modified = modifiedComponents(resolved.base, folded);
  const diagnostics = [
    ...resolved.diagnostics, ...folded.diagnostics, ...graphProblems(folded.desired),
    ...coversAfterDeltas(modified), ...uncoveredAfterDeltas(modified, resolved.deltas),
  ];
  return { base: resolved.base, desired: folded.desired, changedBy: folded.changedBy, diagnostics };
}

/** A base component as the deltas left it. */
interface ModifiedComponent {
  before: Component;
  after: Component;
  /** The deltas folded into it. */
  deltas: string[];
}

/**
 * The base components the deltas changed. Components a delta adds were validated whole in their
 * file, so only these need their coverage checked again once the deltas fold in.
 */
function modifiedComponents(base: Ir, folded: DesiredState): ModifiedComponent[] {
  return folded.desired.components.flatMap((after) => {
    const before = componentNamed(base, after.name);
    const deltas = folded.changedBy.get(after.name);
    return before && deltas ? [{ before, after, deltas }] : [];
  });
}

/** ` once delta d is folded in`, the hint that says a problem exists only in the desired state. */
function onceFoldedIn(deltas: readonly string[]): string {
  return ` once ${deltas.length === 1 ? `delta ${deltas[0]} is` : `deltas ${deltas.join(", ")} are`} folded in`;
}

/**
 * A delta can leave a check covering a requirement that is gone (it removed the requirement) or
 * never existed (its new check names a typo). One file's validation cannot see that: only the
 * folded component shows it.
 */
function coversAfterDeltas(modified: readonly ModifiedComponent[]): Diagnostic[] {
  return modified.flatMap(({ after, deltas }) => {
    const ids = after.requirements.map((r) => r.id);
    return after.checks.flatMap((check) => check.covers.filter((id) => !ids.includes(id)).map((id) =>
      diagnostic("unknown-covered-requirement", check.at, { check: check.name, id, component: after.name, hint: onceFoldedIn(deltas) })));
  });
}

/**
 * A MUST that no check covers once the deltas fold in: a delta added it without a check, or
 * took away the check that covered it. It is reported where the delta says so (the requirement
 * it wrote, or its `modify`); one the base specs already leave uncovered was reported there.
 */
function uncoveredAfterDeltas(modified: readonly ModifiedComponent[], deltaBlocks: readonly DeltaBlock[]): Diagnostic[] {
  return modified.flatMap(({ before, after, deltas }) => {
    const reportedInBase = new Set(uncoveredMusts(before).map((r) => r.id));
    return uncoveredMusts(after).filter((r) => !reportedInBase.has(r.id)).map((r) => {
      const writtenByDelta = !before.requirements.some((b) => b.at.file === r.at.file && b.at.offset === r.at.offset);
      const at = writtenByDelta ? r.at : modifySpan(deltaBlocks, deltas, after.name) ?? r.at;
      return diagnostic("uncovered-requirement", at, { id: r.id, level: r.level, hint: onceFoldedIn(deltas) });
    });
  });
}

function uncoveredMusts(component: Component): Requirement[] {
  const covered = new Set(component.checks.flatMap((c) => c.covers));
  return component.requirements.filter((r) => MUST_LEVELS.has(r.level) && !covered.has(r.id));
}

/** Where the first of `deltas` modifies `component`. */
function modifySpan(deltaBlocks: readonly DeltaBlock[], deltas: readonly string[], component: string): Span | undefined {
  const modify = deltaBlocks.filter((d) => deltas.includes(d.name.name))
    .flatMap((d) => itemsOfKind(d.items, "modify")).find((m) => m.component.name === component);
  return modify?.span;
}

/** The root must exist and hold README.md and the project-container. */
function inspectRoot(dir: string, ir: Ir): Diagnostic[] {
  const { root, container } = ir.system;
  const at = ir.system.at;
  const args = { root, container };
  const rootDir = join(dir, root);
  if (!isDirectory(rootDir)) return [diagnostic("root-missing", at, args)];
  const out: Diagnostic[] = [];
  if (!existsSync(join(rootDir, "README.md"))) out.push(diagnostic("root-readme-missing", at, args));
  if (!isDirectory(join(rootDir, container))) out.push(diagnostic("root-container-missing", at, args));
  return out;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
