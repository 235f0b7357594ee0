/**
 * A phoenix project as the compiler sees it: the specs read and resolved, the deltas folded in,
 * the whole-tree checks run, and the root looked at. This is the IO edge in front of the pure
 * stages (resolve.ts, deltas.ts, graph.ts).
 */
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import {
  compareDiagnostics, diagnostic, hasErrors, itemsOfKind, type DeltaBlock, type Diagnostic, type SpecFile,
} from "../spec-lang/index.js";
import { coverageProblems, withoutSystemCovered } from "./coverage.js";
import { applyDeltas } from "./deltas.js";
import { graphProblems } from "./graph.js";
import { componentNamed, type Ir } from "./ir.js";
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
  /** Those of `diagnostics` that one file shows on its own (its validation), the rest needing the tree. */
  fileDiagnostics?: Diagnostic[];
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
  const fileProblems = withoutSystemCovered(loaded.diagnostics, compiled);
  const diagnostics = [...fileProblems, ...compiled.diagnostics, ...rootProblems].sort(compareDiagnostics);
  return { dir, files: loaded.files, ...compiled, diagnostics, fileDiagnostics: fileProblems };
}

/** The pure part: resolve, fold deltas, check the graph. */
export function compileTree(files: readonly SpecFile[], specsDir: string): Omit<Project, "dir" | "files"> {
  const resolved = resolveSpecTree(files, specsDir);
  if (!resolved.base) return { changedBy: new Map(), diagnostics: resolved.diagnostics };
  // the IR is what every later stage trusts; that it always matches irSchema is held by
  // compile-fuzz.test.ts on thousands of trees (checking it here cost 0.25 s at 10,000 components)
  const folded = applyDeltas(resolved.base, resolved.deltas);
  const diagnostics = [
    ...resolved.diagnostics, ...folded.diagnostics, ...graphProblems(folded.desired, removals(resolved.deltas, folded.desired)),
    ...coverageProblems(resolved.base, folded, resolved.deltas),
  ];
  return { base: resolved.base, desired: folded.desired, changedBy: folded.changedBy, diagnostics };
}

/** The components the folded deltas removed, each with the delta that did and where: `delta d (specs/d.phx:2:3)`. */
function removals(deltas: readonly DeltaBlock[], desired: Ir): Map<string, string> {
  const out = new Map<string, string>();
  for (const delta of deltas) {
    for (const item of itemsOfKind(delta.items, "remove")) {
      if (item.target !== "component" || componentNamed(desired, item.name.name)) continue;
      out.set(item.name.name, `delta ${delta.name.name} (${item.span.file}:${item.span.line}:${item.span.column})`);
    }
  }
  return out;
}

/** The root must exist and hold README.md and the project-container, with a definition in it. */
function inspectRoot(dir: string, ir: Ir): Diagnostic[] {
  const { root, container } = ir.system;
  const at = ir.system.at;
  const args = { root, container };
  const rootDir = join(dir, root);
  if (!isDirectory(rootDir)) return [diagnostic("root-missing", at, args)];
  const out: Diagnostic[] = [];
  if (!existsSync(join(rootDir, "README.md"))) out.push(diagnostic("root-readme-missing", at, args));
  const containerDir = join(rootDir, container);
  if (!isDirectory(containerDir)) out.push(diagnostic("root-container-missing", at, args));
  else if (!CONTAINER_DEFINITIONS.some((name) => isFile(join(containerDir, name)))) {
    out.push(diagnostic("root-container-empty", at, { ...args, files: CONTAINER_DEFINITIONS.join(", ") }));
  }
  return out;
}

/** The files that define a dev environment: the container runner builds the first two, editors open the last. */
const CONTAINER_DEFINITIONS = ["Containerfile", "Dockerfile", "devcontainer.json"];

function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
