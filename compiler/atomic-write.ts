/**
 * Atomic file replacement: a reader sees the old content or the new one, never a part of either,
 * and after a crash the file holds one of the two. The new content goes to a temporary sibling
 * (same directory, so the rename cannot cross file systems), is flushed to disk, renamed over the
 * target, and the directory is flushed so the rename itself survives a power cut.
 */
import { randomUUID } from "node:crypto";
import { open, rename, rm, stat } from "node:fs/promises";
import { basename, dirname, join } from "node:path";

/** Replaces `file` with `data` atomically, keeping the file's permissions when it exists. */
export async function writeFileAtomic(file: string, data: string | Uint8Array): Promise<void> {
  const temp = await writeTemp(file, data);
  try {
    await rename(temp, file);
  } catch (error) {
    await rm(temp, { force: true });
    throw error;
  }
  await fsyncDirectory(dirname(file));
}

/**
 * Writes `file` in place and flushes it and its folder, the two flushes at once: for a file whose
 * readers throw a torn one away (a redo record: until it is whole on disk, nothing it describes
 * was done), where a temporary file and a rename would only cost time.
 */
export async function writeFileDurably(file: string, data: string | Uint8Array): Promise<void> {
  const handle = await open(file, "w", 0o666);
  try {
    await handle.writeFile(data);
    await Promise.all([handle.sync(), fsyncDirectory(dirname(file))]);
  } finally {
    await handle.close();
  }
}

/**
 * Writes `data` to a new temporary sibling of `file` (`.NAME.RANDOM.tmp`), flushed to disk and
 * with `file`'s permissions when it exists, and returns its path. The caller renames it into
 * place (then calls fsyncDirectory) or removes it. Nothing is left behind when this throws.
 * `flush: false` leaves the flush to the caller (fsyncFile after the rename), who must be able
 * to write the content again after a crash.
 */
export async function writeTemp(file: string, data: string | Uint8Array, options: { flush?: boolean } = {}): Promise<string> {
  const mode = await existingMode(file);
  const temp = join(dirname(file), `.${basename(file)}.${randomUUID().slice(0, 8)}.tmp`);
  const handle = await open(temp, "wx", 0o666);
  try {
    // umask applies to open's mode; chmod gives the replaced file's exact permissions back
    if (mode !== undefined) await handle.chmod(mode);
    await handle.writeFile(data);
    if (options.flush ?? true) await handle.sync();
  } catch (error) {
    await handle.close().catch(() => undefined);
    await rm(temp, { force: true });
    throw error;
  }
  await handle.close();
  return temp;
}

/** Flushes a file's content to disk (one written with `flush: false`); a file gone since needs none. */
export async function fsyncFile(file: string): Promise<void> {
  let handle;
  try {
    handle = await open(file, "r");
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return;
    throw error;
  }
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Flushes a directory's entries (a rename in it) to disk; a no-op where directories cannot be opened. */
export async function fsyncDirectory(dir: string): Promise<void> {
  let handle;
  try {
    handle = await open(dir, "r");
  } catch (error) {
    if (isUnsupported(error)) return;
    throw error;
  }
  try {
    await handle.sync();
  } catch (error) {
    if (!isUnsupported(error)) throw error;
  } finally {
    await handle.close();
  }
}

async function existingMode(file: string): Promise<number | undefined> {
  try {
    return (await stat(file)).mode & 0o7777;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw error;
  }
}

/** Windows cannot open or flush a directory; some file systems refuse to flush one. */
function isUnsupported(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "EISDIR" || code === "EPERM" || code === "EINVAL" || code === "EBADF" || code === "ENOTSUP";
}
