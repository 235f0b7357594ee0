/**
 * phoenix.lock, the current state: its schema, reading and writing it, and the writer lock.
 *
 * Reading (any command):
 *   const { lock, exists } = await readLock(projectDir);  // emptyLock() when there is none yet
 *
 * Changing it (one process at a time):
 *   await withWriterLock(projectDir, async () => {
 *     let { lock } = await readLock(projectDir);
 *     ({ lock } = await writeLock(projectDir, { ...lock, components: { ...lock.components, api: state } }));
 *   }, { onWarning: (message) => stderr.write(`phoenix: warning: ${message}\n`) });
 *
 * Problems with the file are LockError (a UserError: exit 1, one line, no stack); a second
 * writer gets WriterLockError naming the holder.
 */
export {
  BACKUP_FILE, LOCK_FILE, LockError, emptyLock, lockDiagnostic, findJsonSyntaxError, parseLock, readLock, restoreLock, serializeLock, writeLock,
  type JsonSyntaxError, type LockErrorCode, type LockProblem, type ParseOptions, type ReadOptions, type RestoreResult, type WriteResult,
} from "./lock-file.js";
export { WRITER_LOCK_FILE, WriterLockError, holdsWriterLock, withWriterLock, type LockHolder, type WriterLockOptions } from "./writer-lock.js";
export {
  LOCK_VERSION, adoptionSchema, allowanceSchema, approvalSchema, componentStateSchema, lockSchema, questionSchema, specSnapshotSchema, verdictSchema,
  type Adoption, type Allowance, type Approval, type ComponentState, type Lock, type Question, type SpecSnapshot, type Verdict,
} from "./schema.js";
