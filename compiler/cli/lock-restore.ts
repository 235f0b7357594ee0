/**
 * `phoenix lock restore`: puts back the previous version of phoenix.lock (phoenix.lock.bak),
 * keeping the replaced one as the new .bak so that running it again undoes it.
 */
import type { CommandContext } from "./command.js";
import { projectDir } from "./check.js";
import { BACKUP_FILE, LOCK_FILE, LockError, restoreLock, withWriterLock, type RestoreResult } from "../lock/index.js";

export async function run(context: CommandContext): Promise<number> {
  const dir = projectDir(context.cwd);
  let result: RestoreResult;
  try {
    result = await withWriterLock(dir, () => restoreLock(dir, { cwd: context.cwd }), {
      onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`),
    });
  } catch (error) {
    // a lock error is already a placed one-line message (FILE:LINE:COL: error CODE: ...)
    if (error instanceof LockError) {
      context.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
  context.stdout.write(`${describe(result)}\n`);
  return 0;
}

function describe(result: RestoreResult): string {
  const after = `serial ${result.after}`;
  if ("missing" in result.before) return `restored ${LOCK_FILE} from ${BACKUP_FILE} (${after}); there was no ${LOCK_FILE} to keep`;
  const change = "serial" in result.before ? `serial ${result.before.serial} -> ${result.after}` : `a corrupt file -> ${after}`;
  return `restored ${LOCK_FILE} from ${BACKUP_FILE}: ${change}; the replaced version is now ${BACKUP_FILE} (run \`phoenix lock restore\` again to undo)`;
}
