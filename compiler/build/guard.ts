/**
 * The guard (poka-yoke): an attempt may change only its component's owned files inside the root.
 * Everything else it changed (outside the owned globs, protected paths such as tests, the specs,
 * phoenix.lock, symlinks that leave the root, oversized files) is refused, reverted in the
 * workspace, and explained to the agent, so the next attempt knows exactly what not to do.
 *
 * `judgeChange` and `judgeToolPath` are pure; `guardWorkspace` is the IO edge.
 */
import { join, posix, relative, resolve, sep } from "node:path";
import { lstat, readFile, readlink } from "node:fs/promises";
import picomatch from "picomatch";
import { normaliseGlob } from "../globs.js";
import type { Component, Ir } from "../ir.js";
import { BACKUP_FILE, LOCK_FILE } from "../lock/index.js";
import { protectedChangeNotes } from "../ratchet/rules.js";
import type { FileChange, GuardResult, Refusal } from "./types.js";
import type { Workspace } from "./workspace/workspace.js";
import { climbsOut } from "../paths.js";

/** Files above this size are refused: generated code is small, and a big blob is a mistake. */
export const DEFAULT_MAX_FILE_BYTES = 1024 * 1024;

/** What one component's attempts may write, relative to the root. */
export interface GuardRules {
  component: string;
  owns: readonly string[];
  owned: (path: string) => boolean;
  /** The owned globs' literal folders (or files): where owned files can be, so walks stay there. */
  ownedRoots: readonly string[];
  protect: readonly string[];
  protectedPath: (path: string) => boolean;
  /** The specs folder relative to the root, when the root contains it (a root of "."). */
  specsDir: string | null;
  /** phoenix.lock and its backup relative to the root, when the root contains them. */
  lockFiles: readonly string[];
  maxFileBytes: number;
}

export function guardRules(component: Component, ir: Ir, projectDir: string, maxFileBytes = DEFAULT_MAX_FILE_BYTES): GuardRules {
  const root = resolve(projectDir, ir.system.root);
  const inside = (path: string): string | null => {
    const r = relative(root, resolve(projectDir, path)).split(sep).join("/");
    return climbsOut(r) ? null : r;
  };
  const owns = component.owns.map((o) => o.value);
  const protect = ir.system.protect;
  return {
    component: component.name,
    owns,
    owned: matcher(owns),
    ownedRoots: owns.map((glob) => picomatch.scan(normaliseGlob(glob)).base),
    protect,
    protectedPath: matcher(protect),
    specsDir: inside("specs"),
    lockFiles: [LOCK_FILE, BACKUP_FILE].map(inside).filter((p): p is string => p !== null),
    maxFileBytes,
  };
}

function matcher(globs: readonly string[]): (path: string) => boolean {
  if (globs.length === 0) return () => false;
  return picomatch(globs.map(normaliseGlob), { dot: true });
}

/** The refusal for one change, or null when the change is allowed. */
export function judgeChange(change: FileChange, rules: GuardRules): Refusal | null {
  const refuse = (reason: Refusal["reason"], message: string): Refusal => ({ path: change.path, reason, message });
  const place = placeRefusal(change.path, rules);
  if (place) return { ...place, path: change.path };
  if (change.change === "deleted") return null;
  if (change.kind === "symlink") {
    const escapes = change.target === undefined || leavesRoot(change.path, change.target);
    return escapes
      ? refuse("symlink-escape", `${change.path} is a symlink to ${change.target ?? "?"}, which leaves the root; write regular files only`)
      : refuse("not-a-file", `${change.path} is a symlink; write regular files only`);
  }
  if (change.kind === "other") return refuse("not-a-file", `${change.path} is not a regular file (a pipe, socket or device); write regular files only`);
  if ((change.size ?? 0) > rules.maxFileBytes) {
    return refuse("too-large", `${change.path} is ${change.size} bytes, over the limit of ${rules.maxFileBytes}; generated files must be smaller`);
  }
  return null;
}

/** Why a change at `path` (relative to the root) is not this component's to make, if it is not. */
function placeRefusal(path: string, rules: GuardRules): Refusal | null {
  const refuse = (reason: Refusal["reason"], message: string): Refusal => ({ path, reason, message });
  if (rules.lockFiles.includes(path)) return refuse("lock", `${path} is phoenix's record of the current state; only phoenix writes it`);
  if (rules.specsDir !== null && (path === rules.specsDir || path.startsWith(`${rules.specsDir}/`))) {
    return refuse("spec", `${path} is a spec: specs are the humans' to change; ask a question if the spec seems wrong`);
  }
  if (rules.protectedPath(path)) {
    return refuse("protected", `${path} is protected (${rules.protect.join(", ")}): no agent may change it; make the code pass it instead`);
  }
  if (!rules.owned(path)) {
    return refuse("outside-owned", `${path} is outside component ${rules.component}'s files (${rules.owns.join(", ")}); change only those`);
  }
  return null;
}

/** Whether a symlink at `path` pointing to `target` resolves outside the root. */
function leavesRoot(path: string, target: string): boolean {
  if (posix.isAbsolute(target)) return true;
  const resolved = posix.normalize(posix.join(posix.dirname(path), target));
  return resolved === ".." || resolved.startsWith("../");
}

/**
 * A path an agent's file tool was given, normalised relative to the root, or the refusal: an
 * absolute path or one that climbs out with `..` is path-traversal; then the rules of judgeChange.
 */
export function judgeToolPath(path: string, rules: GuardRules, forWrite: boolean): { path: string } | { refusal: Refusal } {
  const normal = posix.normalize(path.replace(/\\/g, "/")).replace(/^\.\//, "").replace(/\/$/, "");
  if (path.includes("\0") || posix.isAbsolute(normal) || normal === ".." || normal.startsWith("../") || normal === "" || normal === ".") {
    return { refusal: { path, reason: "path-traversal", message: `${path} is not a path inside the root; give paths relative to the root, without ..` } };
  }
  if (forWrite) {
    const refusal = placeRefusal(normal, rules);
    if (refusal) return { refusal };
  }
  return { path: normal };
}

/**
 * Whether `path` inside the workspace `dir` stays inside once symlinks on the way are followed:
 * a tool must not write to `src/link/x` when `src/link` points out of the root. Resolved here one
 * part at a time, never by realpath: `dir` may be a view into another mount namespace
 * (/proc/PID/root/...), where realpath would answer for the wrong tree. An absolute target is
 * outside by definition.
 */
export async function staysInside(dir: string, path: string): Promise<boolean> {
  const parts = (p: string) => p.split("/").filter((part) => part !== "" && part !== ".");
  const pending = parts(path);
  const at: string[] = [];
  for (let hops = 0; pending.length > 0;) {
    const part = pending.shift()!;
    if (part === "..") {
      if (at.length === 0) return false;
      at.pop();
      continue;
    }
    at.push(part);
    const stats = await lstat(join(dir, ...at)).catch(() => undefined);
    // the deepest part of the path that exists decides where a write would land
    if (!stats) return true;
    if (!stats.isSymbolicLink()) continue;
    const target = await readlink(join(dir, ...at));
    if (posix.isAbsolute(target) || ++hops > MAX_SYMLINK_HOPS) return false;
    at.pop();
    pending.unshift(...parts(target));
  }
  return true;
}

/** As the kernel's limit: a longer chain is a loop. */
const MAX_SYMLINK_HOPS = 40;

/** A refused change to a protected file, with what it would have weakened (the ratchet's rules). */
async function withWeakening(workspace: Workspace, refusal: Refusal): Promise<Refusal> {
  const [before, after] = await Promise.all([
    readFile(join(workspace.rootDir, refusal.path), "utf8").catch(() => undefined),
    readFile(join(workspace.dir, refusal.path), "utf8").catch(() => undefined),
  ]);
  const notes = protectedChangeNotes(before, after);
  return notes.length === 0 ? refusal : { ...refusal, message: `${refusal.message} (it would weaken the checks: ${notes.join("; ")})` };
}

/** Finds what the attempt changed, refuses and reverts what it may not change. */
export async function guardWorkspace(workspace: Workspace, rules: GuardRules): Promise<GuardResult & { changes: FileChange[] }> {
  const changes = await workspace.changes();
  const accepted: FileChange[] = [];
  const refused: Refusal[] = [];
  for (const change of changes) {
    const refusal = judgeChange(change, rules);
    if (refusal) refused.push(refusal);
    else accepted.push(change);
  }
  const explained = await Promise.all(refused.map((r) => (r.reason === "protected" ? withWeakening(workspace, r) : r)));
  for (const refusal of refused) await workspace.revert(refusal.path);
  return { accepted, refused: explained, changes };
}
