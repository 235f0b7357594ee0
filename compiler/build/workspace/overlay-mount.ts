/**
 * One overlay mount, held by a small shell in a user and mount namespace of its own
 * (`unshare` -> `sh`). The shell mounts the overlay over the root's path, says `ready`, then
 * serves phoenix's requests one line at a time, for what only a process inside can do:
 *
 * - `opaque`: which upper folders are opaque. The kernel marks them with the
 *   user.overlay.opaque attribute, which Node cannot read and GNU tar can (opaque.ts);
 * - `reset`: a fresh overlay, so the mount serves another node. It is mounted over the one before
 *   (both read the root through a bind mount made once, never through each other), and the
 *   stack is unmounted and its layers removed eight at a time: a reset costs one program (mount)
 *   where unmount, mount, emptying the layers cost two to four. Starting mount and umount was a
 *   sixth of the machine's time on a 1,000-node build, and each reset once cost four programs.
 *
 * The shell ends when its stdin closes, which phoenix's exit does too: the namespace, and with it
 * the mount, never outlives phoenix.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readFile, writeFile } from "node:fs/promises";
import { release as osRelease } from "node:os";
import { join } from "node:path";
import { opaqueInArchive } from "./opaque.js";
import { removeTree } from "./tree.js";

/** Layer pairs made (and removed) at once. */
const LAYER_BATCH = 8;

const HOLDER_SCRIPT = String.raw`
root=$1 base=$2 in_memory=$3 layers=$2/layers n=0
# the root as it really is, whatever overlay covers its path: every overlay's lower layer
mount_overlay() { mount -t overlay overlay -o "userxattr,lowerdir=$base/lower,upperdir=$layers/upper$n,workdir=$layers/work$n" "$root"; }
# where the overlay is mounted now, in a file that only this namespace has (a tmpfs of its own):
# what a program entering it checks before it runs (overlay.ts)
mark() { printf '%s
' "$1" > "$base/inside/mounted"; }
# $1 (mkdir, or rm -rf: split into words on purpose) on the batch of layer pairs from $2 on
pairs() {
  command=$1 from=$2 i=$2
  set --
  while [ "$i" -lt $((from + ${LAYER_BATCH})) ]; do set -- "$@" "$layers/upper$i" "$layers/work$i"; i=$((i + 1)); done
  $command "$@"
}
# umount with the root's path once for each overlay stacked on it (it takes the top one each time)
unmount_stack() {
  i=0
  set --
  while [ "$i" -lt ${LAYER_BATCH} ]; do set -- "$@" "$root"; i=$((i + 1)); done
  umount "$@"
}
# layers in memory: see layersInMemory()
if [ "$in_memory" = 1 ]; then mount -t tmpfs -o mode=0700 phoenix-layers "$layers" || exit 1; fi
mount -t tmpfs -o size=64k phoenix "$base/inside" && mount --bind "$root" "$base/lower" && pairs mkdir 0 && mount_overlay && mark "$root" || exit 1
echo ready
while IFS= read -r request; do
  case $request in
    opaque)
      if tar --create --format=posix --xattrs --xattrs-include=user.overlay.opaque --no-recursion -C "$layers/upper$n" --null --files-from="$base/folders" --file="$base/folders.tar" 2>"$base/tar.err"
      then echo ok; else echo "error tar: $(head -c 300 "$base/tar.err" | tr '\n' ' ')"; fi ;;
    reset)
      mark ""
      n=$((n + 1))
      if [ $((n % ${LAYER_BATCH})) -eq 0 ]; then
        unmount_stack || { echo "error the overlays could not be unmounted"; continue; }
        pairs "rm -rf" $((n - ${LAYER_BATCH})) && pairs mkdir "$n" || { echo "error the layers could not be made"; continue; }
      fi
      if mount_overlay && mark "$root"; then echo "ok $n"; else echo "error the overlay could not be mounted again"; fi ;;
    *) echo "error unknown request: $request" ;;
  esac
done
`;
const START_TIMEOUT_MS = 10_000;

export class OverlayMount {
  /** Where phoenix reads and writes the merged view: the root's path inside the holder's namespace. */
  readonly dir: string;
  /** The file that says, inside the holder's namespace only, where the overlay is mounted now. */
  readonly marker: string;
  /** Which pair of layers is mounted now: `upperN` and `workN` under the mount's folder. */
  private layers = 0;
  /** Set when a program was started in the overlay since phoenix last looked at its changes. */
  programsRan = false;
  private readonly replies: ((line: string) => void)[] = [];
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(readonly rootDir: string, private readonly base: string, private readonly holder: ChildProcess, private readonly inMemory: boolean) {
    this.dir = `/proc/${holder.pid}/root${rootDir}`;
    this.marker = join(base, "inside", "mounted");
  }

  /** The upper layer mounted now: where the overlay keeps what was written. */
  get upper(): string {
    // layers in memory are on a tmpfs only the holder's namespace has
    return `${this.inMemory ? `/proc/${this.pid}/root` : ""}${join(this.base, "layers", `upper${this.layers}`)}`;
  }

  get pid(): number {
    return this.holder.pid!;
  }

  /** Mounts an overlay of `rootDir`, its layers in a new folder under `parentDir`. */
  static async start(rootDir: string, parentDir: string, label: string): Promise<OverlayMount> {
    await mkdir(parentDir, { recursive: true });
    const base = await mkdtemp(join(parentDir, `${label.replace(/[^\w.-]/g, "_")}-`));
    try {
      await Promise.all(["inside", "lower", "layers"].map((name) => mkdir(join(base, name))));
      let mount: OverlayMount | undefined;
      const inMemory = layersInMemory();
      const holder = await startHolder(rootDir, base, inMemory, (line) => mount?.replies.shift()?.(line));
      mount = new OverlayMount(rootDir, base, holder, inMemory);
      return mount;
    } catch (error) {
      await removeTree(base);
      throw error;
    }
  }

  alive(): boolean {
    return this.holder.exitCode === null && this.holder.signalCode === null;
  }

  /** The folders among `folders` (relative to the upper layer) that are opaque. */
  async opaqueFolders(folders: readonly string[]): Promise<string[]> {
    if (folders.length === 0) return [];
    await writeFile(join(this.base, "folders"), `${folders.join("\0")}\0`);
    const reply = await this.request("opaque");
    if (reply !== "ok") throw new Error(`cannot read the overlay's folders: ${reply.replace(/^error /, "")}`);
    return opaqueInArchive(await readFile(join(this.base, "folders.tar")));
  }

  /** Empties the overlay for another use; false when that failed (then the mount is unusable). */
  async reset(): Promise<boolean> {
    this.programsRan = false;
    const reply = this.alive() ? await this.request("reset").catch(() => "error") : "error";
    const mounted = /^ok (\d+)$/.exec(reply);
    if (mounted) this.layers = Number(mounted[1]);
    return mounted !== null;
  }

  /** Ends the holder (the mount goes with its namespace) and removes the layers. Safe to call twice. */
  async stop(): Promise<void> {
    if (this.alive()) {
      const exited = new Promise<void>((resolve) => this.holder.once("exit", () => resolve()));
      this.waiting(true);
      this.holder.stdin!.end();
      const timer = setTimeout(() => this.holder.kill("SIGKILL"), 2_000);
      await exited;
      clearTimeout(timer);
      this.waiting(false);
    }
    await removeTree(this.base);
  }

  /** One request, one reply line; requests wait their turn. */
  private request(line: string): Promise<string> {
    const next = this.queue.then(() => new Promise<string>((resolve, reject) => {
      if (!this.alive()) return reject(new Error("the process holding the overlay exited"));
      const onExit = () => {
        this.waiting(false);
        reject(new Error("the process holding the overlay exited"));
      };
      this.holder.once("exit", onExit);
      this.waiting(true);
      this.replies.push((reply) => {
        this.holder.off("exit", onExit);
        this.waiting(false);
        resolve(reply);
      });
      this.holder.stdin!.write(`${line}\n`);
    }));
    this.queue = next.catch(() => undefined);
    return next;
  }

  /**
   * The holder is unreferenced so that it never keeps phoenix running; while phoenix awaits it,
   * it must be referenced, or Node would exit with the reply still on its way.
   */
  private waiting(on: boolean): void {
    for (const handle of [this.holder, this.holder.stdout]) {
      const h = handle as unknown as { ref?: () => void; unref?: () => void };
      if (on) h.ref?.();
      else h.unref?.();
    }
  }
}

/**
 * Whether the layers live in memory (a tmpfs of the holder's namespace) rather than on disk. On
 * disk, every node made and removed a dozen folders and their inodes, and ext4 searches its
 * groups for a free inode past the recently deleted ones: a third of a 1,000-node build's machine
 * time went there. In memory they cost nothing to make, vanish with the namespace even after a
 * crash, and hold only what attempts write. An overlay's upper layer needs user extended
 * attributes, which tmpfs has from Linux 6.6 on; `PHOENIX_OVERLAY_LAYERS=disk` keeps them on
 * disk (workspaces whose checks write gigabytes).
 */
export function layersInMemory(release = osRelease(), setting = process.env["PHOENIX_OVERLAY_LAYERS"]): boolean {
  if (setting === "disk") return false;
  const [major = 0, minor = 0] = release.split(".").map((part) => Number.parseInt(part, 10));
  return major > 6 || (major === 6 && minor >= 6);
}

/** Starts the holder and waits for its `ready`; its later lines go to the mount's receive(). */
async function startHolder(rootDir: string, base: string, inMemory: boolean, onLine: (line: string) => void): Promise<ChildProcess> {
  const argv = ["--user", "--map-root-user", "--mount", "--propagation", "private", "sh", "-c", HOLDER_SCRIPT, "phoenix-overlay", rootDir, base, inMemory ? "1" : "0"];
  // its own process group: a Ctrl-C meant for the build must not pull the floor from under it
  const holder = spawn("unshare", argv, { stdio: ["pipe", "pipe", "pipe"], detached: true });
  let stderr = "";
  holder.stderr!.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  await new Promise<void>((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      holder.kill("SIGKILL");
      reject(new Error(`cannot mount an overlay workspace: ${why}`));
    };
    const timer = setTimeout(() => fail(`no answer in ${START_TIMEOUT_MS / 1000}s`), START_TIMEOUT_MS);
    holder.on("error", (error) => fail(error.message));
    holder.once("exit", (code) => fail(stderr.trim() || `unshare exited ${code}`));
    let buffered = "";
    let ready = false;
    holder.stdout!.on("data", (chunk: Buffer) => {
      buffered += chunk.toString();
      for (let end = buffered.indexOf("\n"); end >= 0; end = buffered.indexOf("\n")) {
        const line = buffered.slice(0, end);
        buffered = buffered.slice(end + 1);
        if (ready) onLine(line);
        else if (line === "ready") {
          ready = true;
          clearTimeout(timer);
          holder.removeAllListeners("exit");
          resolve();
        }
      }
    });
  });
  // the holder must not keep phoenix running; phoenix's exit closes its stdin, which ends it
  holder.unref();
  for (const stream of [holder.stdin, holder.stdout, holder.stderr]) (stream as unknown as { unref?: () => void }).unref?.();
  return holder;
}
