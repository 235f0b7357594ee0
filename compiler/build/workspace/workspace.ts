/**
 * The workspace: a private, copy-on-write view of the system root in which one node's attempts
 * work, so that nothing touches the real tree until every blocking check has passed.
 *
 * Two kinds, one interface. An overlay (overlay.ts) costs the same at any size of root: the root
 * is its read-only lower layer and only what an attempt writes is stored. A copy (copy.ts) works
 * everywhere but costs time in proportion to the root. `createWorkspace` takes an overlay when
 * the machine can mount one, else a copy.
 */
import { relative, resolve } from "node:path";
import type { Sandbox } from "../sandbox.js";
import type { FileChange } from "../types.js";
import { createCopyWorkspace } from "./copy.js";
import { createOverlayWorkspace, overlayPathsUsable, type OverlayPool } from "./overlay.js";
import { climbsOut } from "../../paths.js";

export interface Workspace {
  kind: "overlay" | "copy";
  /** Where phoenix itself reads and writes the workspace: file tools, the guard, hashing. */
  dir: string;
  /**
   * Where a program run through `confine(sandbox)` sees the workspace: its working directory.
   * An overlay shows there at the root's own path; a copy is at `dir`.
   */
  runDir: string;
  /** The real root underneath. */
  rootDir: string;
  /** `sandbox`, with every program it wraps seeing this workspace at `runDir`. */
  confine(sandbox: Sandbox): Sandbox;
  /** Every file the workspace gained, lost or changed against the root, sorted by path. */
  changes(): Promise<FileChange[]>;
  /** Puts `path` back as the root has it (or removes it when the root has none): a refused change undone. */
  revert(path: string): Promise<void>;
  /** Removes the workspace. Safe to call twice. */
  discard(): Promise<void>;
}

export type WorkspaceChoice = "auto" | "overlay" | "copy";

/** Why overlays failed on this machine, once they have: later workspaces go straight to copies. */
let overlayFailure: string | undefined;

export interface WorkspaceOptions {
  /** `auto` (the default, or the PHOENIX_WORKSPACE variable) takes an overlay where it can. */
  choice?: WorkspaceChoice;
  /** A build's overlays, reused node after node. */
  pool?: OverlayPool;
}

/**
 * A workspace of `rootDir`, its own files under `parentDir`. A container runner needs a copy,
 * since its programs see only real folders.
 */
export async function createWorkspace(rootDir: string, parentDir: string, label: string, options: WorkspaceOptions = {}): Promise<Workspace> {
  const choice = options.choice ?? defaultChoice();
  const root = resolve(rootDir);
  const parent = resolve(parentDir);
  if (choice !== "copy" && overlayFailure === undefined && overlayFits(root, parent)) {
    try {
      return await createOverlayWorkspace(root, parent, label, options.pool);
    } catch (error) {
      if (choice === "overlay") throw error;
      overlayFailure = (error as Error).message;
    }
  }
  if (choice === "overlay") throw new Error(`an overlay workspace cannot be used here: ${overlayFailure ?? "the root holds the scratch folder, or a path has a comma or colon"}`);
  return createCopyWorkspace(root, parent, label);
}

function defaultChoice(): WorkspaceChoice {
  const chosen = process.env["PHOENIX_WORKSPACE"];
  return chosen === "copy" || chosen === "overlay" ? chosen : "auto";
}

/** An overlay's own folders must lie outside its root (the kernel refuses overlapping layers). */
function overlayFits(root: string, parent: string): boolean {
  const inside = (dir: string, outer: string) => {
    const r = relative(outer, dir);
    return !climbsOut(r);
  };
  return process.platform === "linux" && !inside(parent, root) && !inside(root, parent) && overlayPathsUsable([root, parent]);
}
