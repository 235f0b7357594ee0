/**
 * Finding and reading spec files: the file-system edge of the language stages.
 */
import { readFileSync } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { checkSpecBytes, compareDiagnostics, diagnostic, validateSpecTree, type Diagnostic, type Span, type SpecFile } from "../spec-lang/index.js";
import { climbsOut } from "./paths.js";

export { findProjectRoot } from "./project-root.js";

/** Every spec file under the given paths, with all their diagnostics. */
export interface LoadedSpecs {
  files: SpecFile[];
  diagnostics: Diagnostic[];
}

/**
 * The .phx files under `path` (a file or a directory, searched recursively), sorted so that
 * output is the same on every machine.
 */
export async function findSpecFiles(path: string): Promise<string[]> {
  const info = await stat(path);
  if (!info.isDirectory()) return [path];
  const found: string[] = [];
  for (const entry of await readdir(path, { withFileTypes: true })) {
    const child = join(path, entry.name);
    if (entry.isDirectory() && !skippedDirectory(child, entry.name)) found.push(...await findSpecFiles(child));
    else if (entry.isFile() && entry.name.endsWith(".phx")) found.push(child);
  }
  return found.sort();
}

/**
 * Hidden directories, node_modules, and specs/deltas/applied/: deltas already folded into the
 * base specs are kept there as history and are no longer part of the desired state.
 */
function skippedDirectory(path: string, name: string): boolean {
  return name.startsWith(".") || name === "node_modules" || (name === "applied" && basename(dirname(path)) === "deltas");
}

export interface LoadOptions {
  /**
   * Keep of each file only its blocks' kinds and names (their items left out) when no file can
   * hold a system block, for it has not the word: checking loose files needs no more, and holding
   * every file's AST cost more than parsing them (collecting it). With a system block anywhere,
   * every AST is kept, for the tree is compiled.
   */
  namesOnlyWithoutSystem?: boolean;
}

/** Reads, parses and validates every spec file under `paths`; file names in diagnostics are relative to `cwd`. */
export async function loadSpecs(paths: readonly string[], cwd: string, options: LoadOptions = {}): Promise<LoadedSpecs> {
  const diagnostics: Diagnostic[] = [];
  const read: { name: string; bytes: Buffer }[] = [];
  for (const path of paths) {
    const shown = displayPath(path, cwd);
    let found: string[];
    try {
      found = await findSpecFiles(resolve(cwd, path));
    } catch (error) {
      diagnostics.push(diagnostic("file-unreadable", fileStart(shown), { reason: describeIoError(error) }));
      continue;
    }
    if (found.length === 0) diagnostics.push(diagnostic("no-spec-files", fileStart(shown), { path: shown }));
    for (const file of found) {
      const name = displayPath(file, cwd);
      const bytes = readSpecFile(file);
      if (bytes instanceof Error) diagnostics.push(diagnostic("file-unreadable", fileStart(name), { reason: describeIoError(bytes) }));
      else read.push({ name, bytes });
    }
  }
  const namesOnly = options.namesOnlyWithoutSystem === true && !read.some((f) => f.bytes.includes("system"));
  const files = read.map(({ name, bytes }) => {
    const result = checkSpecBytes(bytes, name);
    diagnostics.push(...result.diagnostics);
    return namesOnly ? namesOf(result.ast) : result.ast;
  });
  diagnostics.push(...validateSpecTree(files));
  return { files, diagnostics: diagnostics.sort(compareDiagnostics) };
}

/** A file with its blocks' items left out. */
function namesOf(file: SpecFile): SpecFile {
  return { path: file.path, blocks: file.blocks.map((block) => ({ ...block, items: [] })), comments: [] };
}

/**
 * A spec file's bytes, or why they cannot be read. Synchronous on purpose: spec files are small,
 * and 10,000 of them read through the thread pool took 0.9 s here against 0.15 s read in turn.
 */
function readSpecFile(file: string): Buffer | Error {
  try {
    return readFileSync(file);
  } catch (error) {
    return error as Error;
  }
}

/** A path as shown to the user: relative to cwd when inside it, with forward slashes. */
export function displayPath(path: string, cwd: string): string {
  // the usual case, a plain path under a plain cwd, without path.relative's work (once per spec file)
  if (isPlainUnder(path, cwd)) return path.slice(cwd.length + 1).split(sep).join("/");
  const rel = relative(cwd, resolve(cwd, path));
  const shown = rel === "" ? "." : climbsOut(rel) ? resolve(cwd, path) : rel;
  return shown.split(sep).join("/");
}

/** `path` lies under the folder `cwd`, and neither has a `.`, `..` or empty segment to resolve. */
function isPlainUnder(path: string, cwd: string): boolean {
  return path.length > cwd.length + 1 && path.startsWith(cwd) && path[cwd.length] === sep && isPlainAbsolute(cwd)
    && !path.includes(`${sep}.`) && !path.includes(`${sep}${sep}`) && !path.endsWith(sep);
}

function isPlainAbsolute(dir: string): boolean {
  return isAbsolute(dir) && dir.length > 1 && !dir.endsWith(sep) && !dir.includes(`${sep}.`) && !dir.includes(`${sep}${sep}`);
}

/** The span of a whole-file problem: line 1, column 1. */
export function fileStart(file: string): Span {
  return { file, line: 1, column: 1, offset: 0, end: 0, endLine: 1, endColumn: 1 };
}

/** A file-system error in a user's words, without the syscall and path Node adds. */
export function describeIoError(error: unknown): string {
  const e = error as NodeJS.ErrnoException;
  if (e.code === "ENOENT") return "no such file or directory";
  if (e.code === "EACCES" || e.code === "EPERM") return "permission denied";
  if (e.code === "EISDIR") return "is a directory";
  return e.message ?? String(error);
}
