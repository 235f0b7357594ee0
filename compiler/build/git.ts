/**
 * One commit per node (small batches): an autonomous node's files and phoenix.lock, committed
 * with trailers that say what built it. Only those paths are committed; whatever else the user
 * has staged stays staged.
 */
import { existsSync } from "node:fs";
import { join, relative } from "node:path";


/** execa takes about 0.2 s to import: loaded when a program is first run, not before. */
const loadExeca = () => import("execa").then((m) => m.execa);

/** The repository's top folder around `dir`, or null when `dir` is not in a git work tree. */
export async function gitTopLevel(dir: string): Promise<string | null> {
  const execa = await loadExeca();
  const result = await execa("git", ["rev-parse", "--show-toplevel"], { cwd: dir, reject: false });
  return result.exitCode === 0 ? String(result.stdout).trim() : null;
}

export interface NodeCommit {
  node: string;
  inputHash: string;
  /** `unit=pass`, ... */
  checks: string[];
  summary: string;
}

export function commitMessage(commit: NodeCommit): string {
  return [
    `phoenix: build ${commit.node}`,
    "",
    commit.summary,
    "",
    `Phoenix-Node: ${commit.node}`,
    `Phoenix-Input: ${commit.inputHash}`,
    `Phoenix-Checks: ${commit.checks.join(", ") || "none"}`,
  ].join("\n");
}

/**
 * Commits `paths` (absolute; some may have been deleted) with `message`. Nothing to commit (a
 * redo after a crash that had already committed) is fine. phoenix's own commits skip hooks: its
 * checks have just passed.
 */
export async function commitPaths(repo: string, paths: readonly string[], message: string): Promise<void> {
  const execa = await loadExeca();
  const git = (args: string[]) => execa("git", args, { cwd: repo });
  const all = paths.map((p) => relative(repo, p));
  const present = all.filter((p) => existsSync(join(repo, p)));
  const gone = all.filter((p) => !present.includes(p));
  if (present.length > 0) await git(["add", "--", ...present]);
  if (gone.length > 0) await git(["rm", "--cached", "-q", "--ignore-unmatch", "--", ...gone]);
  const changed = String((await git(["diff", "--cached", "--name-only", "-z", "--", ...all])).stdout).split("\0").filter((p) => p !== "");
  if (changed.length === 0) return;
  const identity = await hasIdentity(repo) ? [] : ["-c", "user.name=phoenix", "-c", "user.email=phoenix@localhost"];
  await git([...identity, "commit", "--no-verify", "-q", "-m", message, "--", ...changed]);
}

async function hasIdentity(repo: string): Promise<boolean> {
  const execa = await loadExeca();
  const result = await execa("git", ["config", "user.email"], { cwd: repo, reject: false });
  return result.exitCode === 0 && String(result.stdout).trim() !== "";
}
