import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { isRunning } from "../../../fixtures/processes.js";
import { repoRoot } from "../../../fixtures/run-phoenix.js";
import { Launcher } from "./launcher.js";

// the built launcher: `npm test` builds dist/ before vitest starts
const script = join(repoRoot, "dist", "compiler", "build", "process", "launcher-child.js");
const launchers: Launcher[] = [];
afterEach(() => launchers.splice(0).forEach((l) => l.close()));

function start(): Launcher {
  const launcher = Launcher.start(script);
  if (!launcher) throw new Error(`no launcher at ${script}`);
  launchers.push(launcher);
  return launcher;
}


describe("the launcher", () => {
  it("runs programs side by side and gives back their exit codes and output", async () => {
    const launcher = start();
    const [a, b] = await Promise.all([
      launcher.run({ argv: ["sh", "-c", "echo out; echo err >&2; exit 3"], cwd: repoRoot, env: process.env }),
      launcher.run({ argv: ["sh", "-c", "cat"], cwd: repoRoot, env: process.env, input: "from stdin" }),
    ]);
    expect(a).toMatchObject({ exitCode: 3, stdout: "out\n", stderr: "err\n", timedOut: false, cancelled: false });
    expect(b).toMatchObject({ exitCode: 0, stdout: "from stdin" });
  });

  it("kills a cancelled program and everything it started, and one that runs out of time", async () => {
    const launcher = start();
    const controller = new AbortController();
    const running = launcher.run({ argv: ["sh", "-c", "sleep 30 & echo $!; wait"], cwd: repoRoot, env: process.env, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    const cancelled = await running;
    expect(cancelled.cancelled).toBe(true);
    expect(isRunning(Number(cancelled.stdout.trim()))).toBe(false);
    const late = await launcher.run({ argv: ["sleep", "30"], cwd: repoRoot, env: process.env, timeoutMs: 200 });
    expect(late.timedOut).toBe(true);
    expect(late.durationMs).toBeLessThan(10_000);
  });

  it("reports a program whose launcher died as not run to the end, and is not used again", async () => {
    const launcher = start();
    const running = launcher.run({ argv: ["sleep", "30"], cwd: repoRoot, env: process.env });
    await new Promise((resolve) => setTimeout(resolve, 200));
    process.kill(launcher.pid!, "SIGKILL");
    const result = await running;
    expect(result.exitCode).toBeNull();
    expect(result.startError).toMatch(/the launcher process stopped \(SIGKILL\) while the program ran/);
    expect(launcher.usable).toBe(false);
  });

  it("is not started where phoenix runs from sources with no built launcher beside it", () => {
    expect(Launcher.start(join(repoRoot, "no", "such", "launcher-child.js"))).toBeUndefined();
  });
});
