/**
 * Confinement for checks and command agents (poka-yoke at the OS level). With bubblewrap the
 * program sees the whole machine read-only, its workspace (and the few paths it is given)
 * writable, a private /tmp, its own pid namespace (killing bwrap kills everything inside), and
 * no network unless allowed.
 *
 * Before the first confined run, a probe proves that a write outside is denied. If bwrap lets it
 * through, phoenix fails closed: it never runs believing it is confined when it is not.
 */
import { execFile } from "node:child_process";
import { mkdir, mkdtemp, readFile, rm } from "node:fs/promises";
import { existsSync, lstatSync, realpathSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { UserError } from "../cli/command.js";
import type { SandboxMode } from "./types.js";

/** How to confine one program. */
export interface Confinement {
  /** The program's working directory, writable. */
  workspace: string;
  /** Paths the program may read that a private /tmp would hide (a project under /tmp). */
  readable?: readonly string[];
  /** Other paths the program may write (a question file's folder). */
  writable?: readonly string[];
  /**
   * Paths in the user's home (absolute) that the program keeps, writable, at the same names under
   * the sandbox's private HOME: a vendor CLI's login and settings (`~/.claude`). Those missing are left out.
   */
  home?: readonly string[];
  /** Network access; off by default. */
  network: boolean;
  /** Variables the program needs that a container would not inherit (a local program gets them anyway). */
  env?: Readonly<Record<string, string>>;
}

export interface Sandbox {
  kind: "bwrap" | "none" | "container";
  /** The argv that runs `argv` confined (unchanged without a sandbox). */
  wrap(argv: readonly string[], confinement: Confinement): string[];
}

/** HOME inside the sandbox: a private, writable place for tools' caches (npm, tsc). */
export const SANDBOX_HOME = "/tmp/phoenix-home";

const unconfined: Sandbox = { kind: "none", wrap: (argv) => [...argv] };

export interface OpenSandboxOptions {
  /** Where the probe may create its two folders (the project's .phoenix/). */
  scratchDir: string;
  /** Told once when `auto` finds no usable bubblewrap. */
  onWarning: (message: string) => void;
  /** The bwrap executable (tests point it elsewhere). */
  bwrap?: string;
}

/**
 * The sandbox for this build. `none`: unconfined. `bwrap`: bubblewrap or an error. `auto`:
 * bubblewrap when it works here, else unconfined with a warning. A probe whose outside write
 * succeeds is an error in every mode but `none`.
 */
export async function openSandbox(mode: SandboxMode, options: OpenSandboxOptions): Promise<Sandbox> {
  if (mode === "none") return unconfined;
  const bwrap = options.bwrap ?? "bwrap";
  const sandbox = bubblewrap(bwrap);
  const probe = await probeConfinement(sandbox, options.scratchDir);
  if (probe.kind === "confined") return sandbox;
  if (probe.kind === "leaked") {
    throw new UserError(`the sandbox is not confining: a probe under ${bwrap} wrote outside its workspace (${probe.path}); ` +
      "refusing to build unconfined by accident. Fix bubblewrap, or pass --sandbox none to run without confinement on purpose");
  }
  if (mode === "bwrap") throw new UserError(`--sandbox bwrap: bubblewrap cannot run here (${probe.reason}); install it (apt-get install -y bubblewrap) or use --sandbox auto`);
  options.onWarning(`bubblewrap cannot run here (${probe.reason}): checks and command agents run unconfined; install it with \`apt-get install -y bubblewrap\``);
  return unconfined;
}

function bubblewrap(bwrap: string): Sandbox {
  return {
    kind: "bwrap",
    wrap(argv, confinement) {
      // later mounts win: the project shows read-only through the private /tmp, the workspace writable inside it
      const binds = [
        ...(confinement.readable ?? []).flatMap((path) => ["--ro-bind", path, path]),
        ...hiddenByPrivateTmp(confinement).flatMap((path) => ["--ro-bind", path, path]),
        ...[confinement.workspace, ...(confinement.writable ?? [])].flatMap((path) => ["--bind", path, path]),
        ...(confinement.home ?? []).filter((path) => existsSync(path)).flatMap((path) => ["--bind", path, join(SANDBOX_HOME, basename(path))]),
      ];
      return [
        bwrap, "--die-with-parent", "--unshare-pid", "--new-session",
        "--ro-bind", "/", "/", "--dev", "/dev", "--proc", "/proc", "--tmpfs", "/tmp",
        ...binds,
        ...(confinement.network ? [] : ["--unshare-net"]),
        "--setenv", "HOME", SANDBOX_HOME, "--setenv", "npm_config_cache", `${SANDBOX_HOME}/.npm`,
        "--chdir", confinement.workspace,
        "--", ...argv,
      ];
    },
  };
}

/**
 * What the private /tmp would hide that a program needs, when it lies under /tmp: phoenix's own
 * folder (its agents and tools, where a clone under /tmp puts them), and the real folders of the
 * `node_modules` linked from the workspace's folders (tool-path.ts puts every node_modules/.bin
 * from the workspace up on PATH; the demo's copy of the example links the repository's).
 */
function hiddenByPrivateTmp(confinement: Confinement): string[] {
  const linked = linkedToolFolders([confinement.workspace, ...(confinement.readable ?? [])]);
  return PHOENIX_DIR.startsWith("/tmp/") ? [PHOENIX_DIR, ...linked] : linked;
}

/** The folder phoenix is installed in (its package.json's), from its sources or its build. */
const PHOENIX_DIR = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json")) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** The real folders of `node_modules` symlinked from `from` or any folder above it, where they lie under /tmp. */
function linkedToolFolders(from: readonly string[]): string[] {
  const out = new Set<string>();
  for (const start of from) {
    for (let dir = start; ; dir = dirname(dir)) {
      const folder = join(dir, "node_modules");
      const stats = lstatSync(folder, { throwIfNoEntry: false });
      if (stats?.isSymbolicLink()) {
        const real = realpathIfAny(folder);
        if (real?.startsWith("/tmp/")) out.add(real);
      }
      if (dirname(dir) === dir) break;
    }
  }
  return [...out];
}

function realpathIfAny(path: string): string | undefined {
  try {
    return realpathSync(path);
  } catch {
    return undefined; // a dangling link hides nothing
  }
}

type ProbeResult = { kind: "confined" } | { kind: "unavailable"; reason: string } | { kind: "leaked"; path: string };

const probes = new Map<string, Promise<ProbeResult>>();

/** Runs the probe once per bwrap executable and process. */
function probeConfinement(sandbox: Sandbox, scratchDir: string): Promise<ProbeResult> {
  const key = sandbox.wrap([], { workspace: "/", network: false })[0]!;
  let probe = probes.get(key);
  if (!probe) {
    probe = runProbe(sandbox, scratchDir);
    probes.set(key, probe);
  }
  return probe;
}

async function runProbe(sandbox: Sandbox, scratchDir: string): Promise<ProbeResult> {
  await mkdir(scratchDir, { recursive: true });
  const dir = await mkdtemp(join(scratchDir, "sandbox-probe-"));
  try {
    const inside = join(dir, "inside");
    const outside = join(dir, "outside");
    await mkdir(inside);
    await mkdir(outside);
    const script = 'echo in > "$1/written"; echo out > "$2/written" 2>/dev/null; exit 0';
    const argv = sandbox.wrap(["sh", "-c", script, "probe", inside, outside], { workspace: inside, readable: [dir], network: false });
    try {
      await promisify(execFile)(argv[0]!, argv.slice(1), { timeout: 10_000 });
    } catch (error) {
      return { kind: "unavailable", reason: firstLine(error) };
    }
    if (await exists(join(outside, "written"))) return { kind: "leaked", path: join(outside, "written") };
    if (!(await exists(join(inside, "written")))) return { kind: "unavailable", reason: "a write inside the workspace failed under bwrap" };
    return { kind: "confined" };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function exists(path: string): Promise<boolean> {
  return readFile(path).then(() => true, () => false);
}

function firstLine(error: unknown): string {
  const e = error as { code?: string; stderr?: string; message?: string };
  if (e.code === "ENOENT") return "bwrap is not installed";
  return (e.stderr?.trim() || e.message || String(error)).split("\n")[0]!.trim();
}
