/**
 * The overlay workspace: the root as the read-only lower layer of an overlayfs, mounted in a user
 * and mount namespace of its own, so it costs the same however large the root is.
 *
 * A small shell process (overlay-mount.ts) holds the namespace for as long as the workspace lives;
 * it exits when phoenix closes its stdin, or when phoenix dies, and the mount goes with it:
 * nothing is ever left mounted. Inside the namespace the overlay sits on the root's own path, so
 * programs (checks, command agents, the started system) run there through `nsenter` and see the
 * same paths as in the real tree. phoenix itself reaches the same view through /proc/PID/root.
 *
 * Only the upper layer holds changes: a file written, a whiteout (a 0/0 character device) for a
 * deletion, an opaque folder for a folder removed and made anew. So finding an attempt's changes
 * walks only what it wrote, never the whole root.
 */
import { constants, lstatSync, readdirSync, type Stats } from "node:fs";
import { copyFile, lstat, mkdir, readdir, readlink, rm, symlink, utimes } from "node:fs/promises";
import { dirname, join } from "node:path";
import { absentAs, unlessAbsent } from "../../absent.js";
import { comparePaths } from "../../drift/drift.js";
import type { Sandbox } from "../sandbox.js";
import type { FileChange } from "../types.js";
import { contentDiffers } from "./copy.js";
import { OverlayMount } from "./overlay-mount.js";
import { listTree, skippedInTree } from "./tree.js";
import type { Workspace } from "./workspace.js";

/** The overlay's mount options are comma-separated and its layer lists colon-separated. */
export function overlayPathsUsable(paths: readonly string[]): boolean {
  return paths.every((p) => !/[,:\\\n]/.test(p));
}

/**
 * A build's overlays, kept for reuse: a finished node's overlay is emptied (unmounted, its upper
 * layer removed, mounted again over the root as it now is) in the background and serves a later
 * node, so a node costs no new process. Up to `size` overlays are kept.
 */
export class OverlayPool {
  private readonly idle: IdleMount[] = [];
  /** Mounts started and not stopped: in use or idle. */
  private started = 0;

  constructor(private readonly size = 4) {}

  /**
   * An idle mount of `rootDir` whose reset is done; while every idle one is still being reset, a
   * new one (up to `size`), so that a node never waits for the reset of the mount the node
   * before it just gave back; at the limit, the first to finish its reset.
   */
  async take(rootDir: string, parentDir: string, label: string): Promise<OverlayMount> {
    for (;;) {
      const mine = this.idle.filter((entry) => entry.mount.rootDir === rootDir);
      const ready = mine.find((e) => e.done);
      if (!ready && (mine.length === 0 || this.started < this.size)) return this.start(rootDir, parentDir, label);
      // claimed before any await: two nodes starting together must never share a mount
      const entry = ready ?? mine[0]!;
      this.idle.splice(this.idle.indexOf(entry), 1);
      if (await entry.reset) return entry.mount;
      await this.stop(entry.mount);
    }
  }

  private async start(rootDir: string, parentDir: string, label: string): Promise<OverlayMount> {
    this.started++;
    try {
      return await OverlayMount.start(rootDir, parentDir, label);
    } catch (error) {
      this.started--;
      throw error;
    }
  }

  private stop(mount: OverlayMount): Promise<void> {
    this.started--;
    return mount.stop();
  }

  /** Takes back a mount; it is reset while the build goes on. */
  give(mount: OverlayMount): void {
    if (this.idle.length >= this.size) {
      void this.stop(mount);
      return;
    }
    const entry: IdleMount = { mount, reset: mount.reset(), done: false };
    void entry.reset.finally(() => (entry.done = true));
    this.idle.push(entry);
  }

  async close(): Promise<void> {
    await Promise.all(this.idle.splice(0).map(async (entry) => {
      await entry.reset;
      await this.stop(entry.mount);
    }));
  }
}

interface IdleMount {
  mount: OverlayMount;
  reset: Promise<boolean>;
  /** Set once the reset has finished, well or not. */
  done: boolean;
}

export async function createOverlayWorkspace(rootDir: string, parentDir: string, label: string, pool?: OverlayPool): Promise<Workspace> {
  const mount = pool ? await pool.take(rootDir, parentDir, label) : await OverlayMount.start(rootDir, parentDir, label);
  let discarded = false;
  return {
    kind: "overlay", dir: mount.dir, runDir: rootDir, rootDir,
    confine: (sandbox) => entering(sandbox, mount),
    changes: () => overlayChanges(mount, rootDir),
    revert: (path) => revert(mount.dir, rootDir, path),
    discard: async () => {
      if (discarded) return;
      discarded = true;
      if (pool) pool.give(mount);
      else await mount.stop();
    },
  };
}

/**
 * The working directory is changed only once inside: entering a mount namespace starts at its
 * root, and a folder opened before (as nsenter's --wd does) would be the real root, not the overlay.
 */
const ENTER_SCRIPT = String.raw`
# poka-yoke: never run a program in the real root by mistake: the overlay must be mounted there,
# as the holder's marker says (a file only its namespace has; read with builtins, no program)
mounted=
[ -f "$2" ] && IFS= read -r mounted < "$2"
[ "$mounted" = "$1" ] || { echo "phoenix: the workspace's overlay is not mounted at $1" >&2; exit 125; }
cd "$1" && shift 2 && exec "$@"
`;

/**
 * The same, written before a shell command (`sh -c COMMAND`, as an unconfined check or command
 * agent runs) on its first line, so that one shell does both: a program less to start for every
 * check. The command starts on line 1 with no arguments, as under `sh -c COMMAND` alone.
 */
const ENTER_PREFIX = String.raw`__phoenix_mounted=; [ -f "$2" ] && IFS= read -r __phoenix_mounted < "$2"; [ "$__phoenix_mounted" = "$1" ] || { echo "phoenix: the workspace's overlay is not mounted at $1" >&2; exit 125; }; cd "$1" && shift 2 || exit 125; unset __phoenix_mounted; `;

/**
 * `sandbox`, entered into the mount's namespaces first, at the root's path. A user who is not
 * root is mapped back to their own uid inside, so programs run as them, not as a namespace's root.
 */
function entering(sandbox: Sandbox, mount: OverlayMount): Sandbox {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  const asUser = uid === 0 ? [] : ["unshare", "--user", `--map-user=${uid}`, `--map-group=${gid}`, "--"];
  return {
    kind: sandbox.kind,
    wrap: (argv, confinement) => {
      // a holder that exited may have its pid reused: entering that would be entering a stranger
      if (!mount.alive()) throw new Error(`the workspace at ${mount.rootDir} is gone: the process holding its overlay exited`);
      mount.programsRan = true;
      const enter = ["nsenter", `--target=${mount.pid}`, "--user", "--mount", "--preserve-credentials", "--", ...asUser];
      const inner = sandbox.wrap(argv, confinement);
      if (inner.length === 3 && inner[0] === "sh" && inner[1] === "-c") return [...enter, "sh", "-c", ENTER_PREFIX + inner[2]!, "sh", mount.rootDir, mount.marker];
      return [...enter, "sh", "-c", ENTER_SCRIPT, "phoenix-workspace", mount.rootDir, mount.marker, ...inner];
    },
  };
}

/** What the upper layer says changed against the root, sorted by path. */
async function overlayChanges(mount: OverlayMount, lower: string): Promise<FileChange[]> {
  const upper = mount.upper;
  const programsRan = mount.programsRan;
  // one that starts from now on shows in the next look
  mount.programsRan = false;
  const out = new Map<string, FileChange>();
  const deleted = (path: string) => {
    if (!out.has(path)) out.set(path, { path, change: "deleted", kind: "file" });
  };
  const deletedUnder = async (path: string) => {
    for (const [file] of await listTree(lower, [path])) deleted(file);
  };
  const folders: string[] = [];
  // the upper layer holds only what the node wrote: a few entries, stated synchronously (through
  // the thread pool each stat cost phoenix's main thread five times as much)
  const visit = async (relative: string): Promise<void> => {
    const entries = unlessAbsent(() => readdirSync(join(upper, relative), { withFileTypes: true })) ?? [];
    for (const e of entries) {
      if (skippedInTree(e.name, e.isSymbolicLink(), e.isDirectory())) continue;
      const path = relative === "" ? e.name : `${relative}/${e.name}`;
      const mine = lstatSync(join(upper, path));
      const theirs = unlessAbsent(() => lstatSync(join(lower, path)));
      if (mine.isDirectory()) {
        if (theirs?.isDirectory()) folders.push(path);
        else if (theirs) deleted(path);
        await visit(path);
        continue;
      }
      if (theirs?.isDirectory()) await deletedUnder(path);
      if (isWhiteout(mine)) {
        if (theirs && !theirs.isDirectory()) deleted(path);
        continue;
      }
      const change = await changeOf(path, mine, theirs, upper, lower);
      if (change) out.set(path, change);
    }
  };
  await visit("");
  // a folder removed and made anew hides everything the root had in it; only a program can do
  // that (phoenix's own file tools remove files, never folders), so without one there is none
  const maybe = programsRan ? await filterAsync(folders, (folder) => mayBeOpaque(folder, upper, lower, mount.dir)) : [];
  const opaque = await mount.opaqueFolders(maybe);
  for (const folder of opaque) {
    for (const [file] of await listTree(lower, [folder])) {
      if (!(await lstat(join(upper, file)).catch(absentAs(undefined)))) deleted(file);
    }
  }
  return [...out.values()].sort((a, b) => comparePaths(a.path, b.path));
}

/**
 * False when an upper folder is certainly not opaque (made anew, hiding everything the root had
 * in it), so that the exact question (the kernel's extended attribute, which only tar in the
 * holder can read) is asked only of the few that may be. The merged view shows a name the root
 * has in the folder and the upper layer lacks: then nothing is hidden. When it does not, that may
 * be an opaque folder, or only the overlay not yet showing a file another node applied to the
 * root meanwhile: the attribute decides.
 */
async function mayBeOpaque(folder: string, upper: string, lower: string, merged: string): Promise<boolean> {
  const [theirs, mine] = await Promise.all([readdir(join(lower, folder)), readdir(join(upper, folder))].map((p) => p.catch(absentAs([]))));
  const written = new Set(mine);
  const candidate = theirs!.find((n) => !written.has(n));
  // with nothing of the root's beside what was written, nothing can be hidden
  return candidate !== undefined && !(await exists(join(merged, folder, candidate)));
}

async function exists(path: string): Promise<boolean> {
  return (await lstat(path).catch(absentAs(undefined))) !== undefined;
}

async function filterAsync<T>(items: readonly T[], keep: (item: T) => Promise<boolean>): Promise<T[]> {
  const kept = await Promise.all(items.map(keep));
  return items.filter((_, i) => kept[i]);
}

function isWhiteout(stats: Stats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0;
}

/** A file, symlink or other thing in the upper layer, against what the root has at its path. */
async function changeOf(path: string, mine: Stats, theirs: Stats | undefined, upper: string, lower: string): Promise<FileChange | undefined> {
  const change = theirs && !theirs.isDirectory() ? "modified" : "added";
  if (mine.isSymbolicLink()) {
    const target = await readlink(join(upper, path));
    const before = theirs?.isSymbolicLink() ? await readlink(join(lower, path)) : undefined;
    return before === target ? undefined : { path, change, kind: "symlink", target };
  }
  if (!mine.isFile()) return { path, change, kind: "other" };
  // a file opened for writing is copied up whole, changed or not: the bytes decide
  if (change === "modified" && theirs!.isFile() && theirs!.size === mine.size && !(await contentDiffers(join(upper, path), join(lower, path)))) return undefined;
  return { path, change, kind: "file", size: mine.size };
}

/** Puts `path` back as the root has it, through the merged view (the upper layer is the overlay's to write). */
async function revert(dir: string, rootDir: string, path: string): Promise<void> {
  const target = join(dir, path);
  await rm(target, { recursive: true, force: true });
  const source = join(rootDir, path);
  const theirs = await lstat(source).catch(absentAs(undefined));
  if (!theirs || theirs.isDirectory()) return;
  await mkdir(dirname(target), { recursive: true });
  if (theirs.isSymbolicLink()) return symlink(await readlink(source), target);
  await copyFile(source, target, constants.COPYFILE_FICLONE);
  await utimes(target, theirs.atime, theirs.mtime);
}
