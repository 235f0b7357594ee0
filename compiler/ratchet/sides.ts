/**
 * The two sides the ratchet compares, read from where they live: the base from git (`git show
 * REF:path`, nothing checked out), now from the files on disk. The IO edge of the ratchet.
 */
import { readFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import picomatch from "picomatch";
import { checkSpecBytes, hasErrors, type SpecFile } from "../../spec-lang/index.js";
import { UserError } from "../cli/command.js";
import { listTree } from "../build/workspace/tree.js";
import { normaliseGlob } from "../globs.js";
import type { Ir } from "../ir.js";
import { emptyLock, LOCK_FILE, parseLock, type Lock } from "../lock/index.js";
import { compileTree } from "../project.js";
import type { RatchetSide } from "./rules.js";


/** execa takes about 0.2 s to import: loaded when a program is first run, not before. */
const loadExeca = () => import("execa").then((m) => m.execa);

export interface BaseSide extends RatchetSide {
  /** The ref as given, and the commit it names. */
  ref: string;
  commit: string;
}

/** The specs, phoenix.lock and protected files at `ref`, for the project at `projectDir` (git runs at the top, where paths are whole). */
export async function readBase(projectDir: string, ref: string, protectNow: readonly string[]): Promise<BaseSide> {
  const top = await git(projectDir, ["rev-parse", "--show-toplevel"]).catch(() => {
    throw new UserError(`--base ${ref}: ${projectDir} is not in a git repository, so there is no base to compare with`);
  });
  const prefix = relative(top, projectDir).split(sep).join("/");
  const inRepo = (path: string) => (prefix === "" ? path : `${prefix}/${path}`);
  const commit = await git(projectDir, ["rev-parse", "--verify", "--quiet", `${ref}^{commit}`]).catch(() => {
    throw new UserError(`--base ${ref}: no such commit, branch or tag here (fetch it first, e.g. \`git fetch origin main\`)`);
  });
  const specPaths = (await listAt(top, commit, inRepo("specs"))).filter((p) => p.endsWith(".phx") && !p.includes("/deltas/applied/"));
  const files: SpecFile[] = [];
  for (const path of specPaths) {
    const shown = relative(prefix, path);
    const parsed = checkSpecBytes(await show(top, commit, path), shown);
    if (hasErrors(parsed.diagnostics)) throw new UserError(`--base ${ref}: ${shown} has errors at that commit, so it cannot be compared (run \`phoenix check\` there)`);
    files.push(parsed.ast);
  }
  const compiled = compileTree(files, "specs");
  if (!compiled.desired || hasErrors(compiled.diagnostics)) throw new UserError(`--base ${ref}: the specs at that commit do not compile, so they cannot be compared`);
  const lockBytes = await show(top, commit, inRepo(LOCK_FILE)).catch(() => undefined);
  const lock = lockBytes ? parseLock(lockBytes, `${LOCK_FILE} (at ${ref})`) : emptyLock();
  const root = compiled.desired.system.root;
  const matches = protectedMatcher([...compiled.desired.system.protect, ...protectNow]);
  const rootInRepo = inRepo(root === "." ? "" : root).replace(/\/$/, "");
  const protectedFiles = new Map<string, string>();
  for (const path of await listAt(top, commit, rootInRepo)) {
    const relativePath = rootInRepo === "" ? path : path.slice(rootInRepo.length + 1);
    if (matches(relativePath)) protectedFiles.set(relativePath, (await show(top, commit, path)).toString("utf8"));
  }
  return { ref, commit, ir: compiled.desired, protectedFiles, coverage: coverageOf(lock) };
}

/** Now: the desired IR, the protected files on disk, the coverage phoenix.lock records (or a fresh run measured). */
export async function readNow(projectDir: string, ir: Ir, lock: Lock, protectBase: readonly string[], measured?: ReadonlyMap<string, number>): Promise<RatchetSide> {
  const rootDir = join(projectDir, ir.system.root);
  const matches = protectedMatcher([...ir.system.protect, ...protectBase]);
  const protectedFiles = new Map<string, string>();
  for (const [path, entry] of await listTree(rootDir)) {
    if (entry.kind === "file" && matches(path)) protectedFiles.set(path, await readFile(join(rootDir, path), "utf8"));
  }
  return { ir, protectedFiles, coverage: new Map([...coverageOf(lock), ...(measured ?? [])]) };
}

function protectedMatcher(globs: readonly string[]): (path: string) => boolean {
  const unique = [...new Set(globs)];
  return unique.length === 0 ? () => false : picomatch(unique.map(normaliseGlob), { dot: true });
}

/** Coverage recorded in a lock, by `component.check` (`system.check` for the system's), the lowest where several record it. */
export function coverageOf(lock: Lock): Map<string, number> {
  const out = new Map<string, number>();
  for (const [component, state] of Object.entries(lock.components)) {
    for (const [key, verdict] of Object.entries(state.checks)) {
      if (verdict.coverage === undefined) continue;
      const name = key.startsWith("system.") ? key : `${component}.${key}`;
      out.set(name, Math.min(out.get(name) ?? Infinity, verdict.coverage));
    }
  }
  return out;
}

async function git(cwd: string, args: string[]): Promise<string> {
  const execa = await loadExeca();
  const result = await execa("git", args, { cwd });
  return String(result.stdout).trim();
}

async function listAt(cwd: string, commit: string, path: string): Promise<string[]> {
  const execa = await loadExeca();
  const result = await execa("git", ["ls-tree", "-r", "-z", "--name-only", commit, "--", path === "" ? "." : path], { cwd, reject: false });
  return String(result.stdout).split("\0").filter((p) => p !== "");
}

async function show(cwd: string, commit: string, path: string): Promise<Buffer> {
  const execa = await loadExeca();
  const result = await execa("git", ["show", `${commit}:${path}`], { cwd, encoding: "buffer", stripFinalNewline: false });
  return Buffer.from(result.stdout as Uint8Array);
}
