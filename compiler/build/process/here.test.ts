import { describe, expect, it } from "vitest";
import { isRunning } from "../../../fixtures/processes.js";
import { runHere } from "./here.js";

const env = process.env;


describe("running a program here", () => {
  it("gives back its exit code, its output and what it read, with only the environment given", async () => {
    const result = await runHere({ argv: ["sh", "-c", 'cat; echo " $ONLY-$HOME" ; echo err >&2; exit 4'], cwd: "/tmp", env: { ONLY: "this", PATH: env["PATH"] }, input: "in" });
    expect(result).toMatchObject({ exitCode: 4, signal: null, stdout: "in this-\n", stderr: "err\n", timedOut: false, cancelled: false });
    expect(result.startError).toBeUndefined();
  });

  it("says why a program could not start at all", async () => {
    const result = await runHere({ argv: ["no-such-program-anywhere"], cwd: "/tmp", env });
    expect(result.exitCode).toBeNull();
    expect(result.startError).toMatch(/ENOENT/);
  });

  it("ends when the program ends, killing what it left running in its group", async () => {
    const started = performance.now();
    const result = await runHere({ argv: ["sh", "-c", "sleep 30 & echo $!"], cwd: "/tmp", env });
    expect(performance.now() - started).toBeLessThan(10_000);
    expect(result.exitCode).toBe(0);
    expect(isRunning(Number(result.stdout.trim()))).toBe(false);
  });

  it("keeps the start and the end of a flood of output, the middle dropped", async () => {
    const result = await runHere({ argv: ["sh", "-c", "echo first; head -c 5000000 /dev/zero | tr '\\0' x; echo; echo last"], cwd: "/tmp", env });
    expect(result.exitCode).toBe(0);
    expect(result.stdout.startsWith("first\n")).toBe(true);
    expect(result.stdout.trimEnd().endsWith("last")).toBe(true);
    expect(result.stdout).toMatch(/characters left out/);
    expect(result.stdout.length).toBeLessThan(250_000);
  });

  it("kills a program that runs out of time, and one cancelled, with their children", async () => {
    const late = await runHere({ argv: ["sh", "-c", "sleep 30"], cwd: "/tmp", env, timeoutMs: 200 });
    expect(late).toMatchObject({ timedOut: true, exitCode: null, signal: "SIGKILL" });
    const controller = new AbortController();
    const running = runHere({ argv: ["sh", "-c", "sleep 30 & echo $!; wait"], cwd: "/tmp", env, signal: controller.signal });
    await new Promise((resolve) => setTimeout(resolve, 300));
    controller.abort();
    const cancelled = await running;
    expect(cancelled.cancelled).toBe(true);
    expect(isRunning(Number(cancelled.stdout.trim()))).toBe(false);
  });
});
