/**
 * Which changes the plan memo (plan-memo.ts) can follow: edits of files, as opposed to files
 * added, removed or turned into something else, and to phoenix's own state, which every build
 * rewrites. Kept apart from plan-memo.ts because a remembered answer's replay asks it before
 * anything heavy is loaded.
 */

/** phoenix.lock, its backup and the journal, relative to the project. */
const STATE_FILES = new Set(["phoenix.lock", "phoenix.lock.bak", ".phoenix/journal.jsonl"]);

/** True when `path` went from one file to another version of it (stamps before and now), and is not phoenix's state. */
export function isFollowableEdit(path: string, before: string, now: string): boolean {
  return before.startsWith("f ") && now.startsWith("f ") && !STATE_FILES.has(path);
}
