import { describe, expect, it } from "vitest";
import { chmod, mkdir, readFile, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { calcCode, calcProject } from "../../fixtures/build-project.js";
import { runPhoenix, tempDir } from "../../fixtures/run-phoenix.js";

/**
 * A fake `docker` on PATH: records every call, "builds" by doing nothing, and "runs" the command
 * here in the -w folder with the -e variables. No engine runs on these machines; the command line
 * phoenix gives it is what is under test.
 */
async function fakeDocker(options: { buildFails?: boolean } = {}): Promise<{ bin: string; calls: string }> {
  const bin = await tempDir("phoenix-fake-docker-");
  const calls = join(bin, "calls.log");
  const script = `#!/bin/sh
printf '%s\\n' "$*" >> "${calls}"
case "$1" in
  --version) echo "Docker version 99.0.0-fake"; exit 0 ;;
  build) ${options.buildFails ? 'echo "ERROR: failed to solve: node:20: not found" >&2; exit 1' : "exit 0"} ;;
  run)
    shift
    workdir=.
    while [ $# -gt 0 ]; do
      case "$1" in
        --rm|-i) shift ;;
        --network|-v) shift 2 ;;
        -e) export "$2"; shift 2 ;;
        -w) workdir="$2"; shift 2 ;;
        *) shift; break ;;
      esac
    done
    cd "$workdir" && exec "$@" ;;
esac
`;
  await mkdir(bin, { recursive: true });
  await writeFile(join(bin, "docker"), script);
  await chmod(join(bin, "docker"), 0o755);
  return { bin, calls };
}

describe("--runner container", () => {
  it("builds the project-container image once and runs each check inside it, without network", async () => {
    const docker = await fakeDocker();
    const dir = await calcProject({ extra: { "*": { write: calcCode.extra } } });
    const run = await runPhoenix(["build", "extra", "--runner", "container"], { cwd: dir, env: { PATH: `${docker.bin}:${process.env["PATH"]}` } });
    expect(run.stderr).toBe("");
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toMatch(/\(jobs 2, sandbox (bwrap|none), checks in container\)/);
    const calls = (await readFile(docker.calls, "utf8")).trim().split("\n");
    const container = join(dir, "system-under-construction", "project-container");
    expect(calls[0]).toBe("--version");
    expect(calls[1]).toMatch(new RegExp(`^build -t phoenix-checks:[0-9a-f]{12} -f ${container}/Containerfile ${container}$`));
    expect(calls[2]).toMatch(new RegExp(
      `^run --rm -i --network none -v ${dir}:${dir}:ro -v (${dir}/\\.phoenix/build/workspace-\\w+):\\1 ` +
      "-e CI=1 -e NO_COLOR=1 -e FORCE_COLOR=0 -e PHOENIX_CHECK=unit -w \\1 phoenix-checks:[0-9a-f]{12} sh -c node --test test/extra.test.mjs$",
    ));
    expect(calls).toHaveLength(3);
  });

  it("says so, naming the Containerfile, when the image does not build; and when there is no engine", async () => {
    const docker = await fakeDocker({ buildFails: true });
    const dir = await calcProject({ extra: { "*": { write: calcCode.extra } } });
    const failed = await runPhoenix(["build", "extra", "--runner", "container"], { cwd: dir, env: { PATH: `${docker.bin}:${process.env["PATH"]}` } });
    expect(failed.exitCode).toBe(1);
    expect(failed.stderr).toMatch(/^phoenix: --runner container: `docker build` of .*\/project-container\/Containerfile failed \(exit 1\): ERROR: failed to solve: node:20: not found$/);
    const empty = await tempDir();
    await writeFile(join(empty, "node"), `#!/bin/sh\nexec ${process.execPath} "$@"\n`);
    await chmod(join(empty, "node"), 0o755);
    const none = await runPhoenix(["build", "extra", "--runner", "container", "--sandbox", "none"], { cwd: dir, env: { PATH: empty } });
    expect(none.stderr).toBe("phoenix: --runner container: neither docker nor podman is on PATH; install one, or use --runner local");
    expect(none.exitCode).toBe(1);
  });
});
