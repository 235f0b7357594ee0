/**
 * Files can vanish while a tree is walked, and a symlink can dangle or loop: for a scan, that is
 * no file, not an error. `fs.stat(p).catch(absentAs(undefined))` turns exactly those into a value.
 */
export function absentAs<T>(value: T): (error: NodeJS.ErrnoException) => T {
  return (error) => {
    if (isAbsent(error)) return value;
    throw error;
  };
}

/** The same judgement for a synchronous call's error: the path is not there (or loops). */
export function isAbsent(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException).code;
  return code === "ENOENT" || code === "ENOTDIR" || code === "ELOOP";
}

/** What a synchronous `read` returns, or undefined when its path is not there (or loops). */
export function unlessAbsent<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (error) {
    if (isAbsent(error)) return undefined;
    throw error;
  }
}
