/**
 * Files can vanish while a tree is walked, and a symlink can dangle or loop: for a scan, that is
 * no file, not an error. `fs.stat(p).catch(absentAs(undefined))` turns exactly those into a value.
 */
export function absentAs<T>(value: T): (error: NodeJS.ErrnoException) => T {
  return (error) => {
    if (error.code === "ENOENT" || error.code === "ENOTDIR" || error.code === "ELOOP") return value;
    throw error;
  };
}
