/**
 * `--runner container`: checks run inside the image built from the root's project-container,
 * so they see exactly the environment the specs declare. docker or podman, whichever is on PATH.
 * The image is built once per build and tagged by the container definition's hash.
 */
import { existsSync } from "node:fs";
import { join, resolve } from "node:path";
import { containerHash } from "../../generators/container.js";
import { UserError } from "../cli/command.js";
import type { Sandbox } from "./sandbox.js";


/** execa takes about 0.2 s to import: loaded when a program is first run, not before. */
const loadExeca = () => import("execa").then((m) => m.execa);

const ENGINES = ["docker", "podman"] as const;
const DEFINITION_FILES = ["Containerfile", "Dockerfile"] as const;

export async function containerSandbox(rootDir: string, container: string): Promise<Sandbox> {
  const engine = await findEngine();
  const dir = resolve(rootDir, container);
  const file = DEFINITION_FILES.map((name) => join(dir, name)).find((path) => existsSync(path));
  if (!file) throw new UserError(`--runner container: no Containerfile or Dockerfile in ${dir}`);
  const hash = await containerHash(rootDir, container);
  const image = `phoenix-checks:${(hash ?? "sha256:none").slice("sha256:".length, "sha256:".length + 12)}`;
  const execa = await loadExeca();
  const built = await execa(engine, ["build", "-t", image, "-f", file, dir], { reject: false, all: true });
  if (built.exitCode !== 0) {
    throw new UserError(`--runner container: \`${engine} build\` of ${file} failed (exit ${built.exitCode}): ${String(built.all ?? "").trim().split("\n").slice(-3).join(" | ")}`);
  }
  return {
    kind: "container",
    wrap(argv, confinement) {
      const mounts = [
        ...(confinement.readable ?? []).flatMap((path) => ["-v", `${path}:${path}:ro`]),
        ...[confinement.workspace, ...(confinement.writable ?? [])].flatMap((path) => ["-v", `${path}:${path}`]),
      ];
      const env = Object.entries(confinement.env ?? {}).flatMap(([key, value]) => ["-e", `${key}=${value}`]);
      return [
        engine, "run", "--rm", "-i", "--network", confinement.network ? "bridge" : "none",
        ...mounts, ...env, "-w", confinement.workspace, image, ...argv,
      ];
    },
  };
}

async function findEngine(): Promise<string> {
  const execa = await loadExeca();
  for (const engine of ENGINES) {
    const found = await execa(engine, ["--version"], { reject: false });
    if (found.exitCode === 0) return engine;
  }
  throw new UserError("--runner container: neither docker nor podman is on PATH; install one, or use --runner local");
}
