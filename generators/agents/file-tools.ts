/**
 * File tools for in-process agents (scripted, anthropic): list, read, write and delete inside the
 * workspace, each enforcing the guard as it is called. A refused call changes nothing and tells
 * the agent why; the guard's diff after the attempt is the second line of defence.
 */
import { lstat, mkdir, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { dirname, join } from "node:path";
import { judgeToolPath, staysInside, type GuardRules } from "../../compiler/build/guard.js";
import { listTree } from "../../compiler/build/workspace/tree.js";
import type { Refusal } from "../../compiler/build/types.js";
import { protectedChangeNotes } from "../../compiler/ratchet/rules.js";
import { comparePaths } from "../../compiler/drift/drift.js";

/** What a tool call answers: its result, or the refusal. */
export type ToolAnswer<T> = { ok: true; value: T } | { ok: false; refusal: Refusal };

export class WorkspaceFiles {
  /** Every refusal so far, in order. */
  readonly refused: Refusal[] = [];

  constructor(private readonly workspace: string, private readonly rules: GuardRules) {}

  /** Files under `prefix` (relative to the root), sorted. */
  async list(prefix = ""): Promise<ToolAnswer<string[]>> {
    const at = prefix === "" ? { path: "" } : judgeToolPath(prefix, this.rules, false);
    if ("refusal" in at) return this.refuse(at.refusal);
    const tree = await listTree(this.workspace);
    const paths = [...tree.keys()].filter((p) => at.path === "" || p === at.path || p.startsWith(`${at.path}/`)).sort(comparePaths);
    return { ok: true, value: paths };
  }

  async read(path: string): Promise<ToolAnswer<string>> {
    const at = await this.place(path, false);
    if ("refusal" in at) return this.refuse(at.refusal);
    try {
      return { ok: true, value: await readFile(join(this.workspace, at.path), "utf8") };
    } catch {
      return this.refuse({ path, reason: "not-a-file", message: `${path} does not exist or is not a file` });
    }
  }

  async write(path: string, content: string): Promise<ToolAnswer<null>> {
    const at = await this.place(path, true);
    if ("refusal" in at) return this.refuse(await this.withWeakening(at.refusal, content));
    const size = Buffer.byteLength(content);
    if (size > this.rules.maxFileBytes) {
      return this.refuse({ path: at.path, reason: "too-large", message: `${at.path} would be ${size} bytes, over the limit of ${this.rules.maxFileBytes}` });
    }
    const target = join(this.workspace, at.path);
    await mkdir(dirname(target), { recursive: true });
    // a symlink at the path itself is replaced, never written through
    if ((await lstat(target).catch(() => undefined))?.isSymbolicLink()) await rm(target);
    await writeFile(target, content);
    return { ok: true, value: null };
  }

  async delete(path: string): Promise<ToolAnswer<null>> {
    const at = await this.place(path, true);
    if ("refusal" in at) return this.refuse(await this.withWeakening(at.refusal, undefined));
    await rm(join(this.workspace, at.path), { force: true });
    return { ok: true, value: null };
  }

  /**
   * Creates a symlink. Only the scripted agent offers this, to prove the guard: a symlink is
   * never an accepted output, so the guard refuses it after the attempt.
   */
  async symlink(path: string, target: string): Promise<ToolAnswer<null>> {
    const at = await this.place(path, true);
    if ("refusal" in at) return this.refuse(at.refusal);
    const link = join(this.workspace, at.path);
    await mkdir(dirname(link), { recursive: true });
    await rm(link, { force: true });
    await symlink(target, link);
    return { ok: true, value: null };
  }

  private async place(path: string, forWrite: boolean): Promise<{ path: string } | { refusal: Refusal }> {
    const at = judgeToolPath(path, this.rules, forWrite);
    if ("refusal" in at) return at;
    if (!(await staysInside(this.workspace, dirname(at.path)))) {
      return { refusal: { path: at.path, reason: "symlink-escape", message: `${at.path} goes through a symlink that leaves the root` } };
    }
    return at;
  }

  /** A refused change to a protected file, with what it would have weakened (the ratchet's rules). */
  private async withWeakening(refusal: Refusal, after: string | undefined): Promise<Refusal> {
    if (refusal.reason !== "protected") return refusal;
    const before = await readFile(join(this.workspace, refusal.path), "utf8").catch(() => undefined);
    const notes = protectedChangeNotes(before, after);
    return notes.length === 0 ? refusal : { ...refusal, message: `${refusal.message} (it would weaken the checks: ${notes.join("; ")})` };
  }

  private refuse(refusal: Refusal): { ok: false; refusal: Refusal } {
    this.refused.push(refusal);
    return { ok: false, refusal };
  }
}
