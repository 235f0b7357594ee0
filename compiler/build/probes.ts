/**
 * Probes: observing the running system (genchi genbutsu). The system is started from the spec's
 * `start` command on a free port, polled until `ready` answers, probed, and stopped with
 * everything it started, so no process is left behind. A probe sends its request `samples`
 * times and checks every expectation (`status 200`, `p95 < 100ms`) against what it saw.
 */
import { spawn } from "node:child_process";
import { connect, createServer, type AddressInfo } from "node:net";
import { UserError } from "../cli/command.js";
import { meets, ms, unmetMessage } from "../expectations.js";
import type { Check } from "../ir.js";
import { duration } from "../spec-changes.js";
import { tail } from "./process/index.js";
import { withToolPath } from "./tool-path.js";
import type { Sandbox } from "./sandbox.js";
import type { CheckOutcome } from "./types.js";

export const DEFAULT_SAMPLES = 10;
const READY_TIMEOUT_MS = 30_000;
const REQUEST_TIMEOUT_MS = 10_000;

export interface RunningSystem {
  baseUrl: string;
  stop(): Promise<void>;
}

export interface StartRequest {
  /** The root (or a workspace copy of it): the command's working directory. */
  dir: string;
  command: string;
  /** "GET /health": polled until it answers 2xx; without it, until the port accepts connections. */
  ready?: string;
  sandbox: Sandbox;
  readable: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  timeoutMs?: number;
}

/** Starts the system and waits until it is ready; a UserError says why it did not come up. */
export async function startSystem(request: StartRequest): Promise<RunningSystem> {
  const port = await freePort();
  const host = "127.0.0.1";
  // the system shares phoenix's network: the probes must reach it
  const argv = request.sandbox.wrap(["sh", "-c", request.command], { workspace: request.dir, readable: request.readable, network: true, env: { PORT: String(port), HOST: host } });
  const child = spawn(argv[0]!, argv.slice(1), { cwd: request.dir, env: { ...withToolPath(request.dir, request.env), PORT: String(port), HOST: host }, detached: true, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  child.stderr.on("data", (chunk: Buffer) => (output = (output + chunk.toString()).slice(-20_000)));
  let exited: string | undefined;
  child.on("exit", (code, signal) => (exited = signal ? `on signal ${signal}` : `with exit code ${code}`));
  child.on("error", (error) => (exited = `could not start: ${error.message}`));
  const stop = () => stopGroup(child.pid, () => exited !== undefined);
  const baseUrl = `http://${host}:${port}`;
  const deadline = Date.now() + (request.timeoutMs ?? READY_TIMEOUT_MS);
  while (Date.now() < deadline) {
    if (exited !== undefined) {
      await stop();
      throw new UserError(`the system did not start (\`${request.command}\` ended ${exited})${output ? `:\n${tail(output, 15)}` : ""}`);
    }
    if (await isReady(baseUrl, port, request.ready)) return { baseUrl, stop };
    await sleep(100);
  }
  await stop();
  throw new UserError(`the system did not become ready within ${duration(request.timeoutMs ?? READY_TIMEOUT_MS)} (${request.ready ? `\`${request.ready}\` never answered 2xx` : `nothing listened on port ${port}`})${output ? `:\n${tail(output, 15)}` : ""}`);
}

async function isReady(baseUrl: string, port: number, ready: string | undefined): Promise<boolean> {
  if (!ready) return portOpen(port);
  try {
    const { method, url } = requestOf(ready, baseUrl);
    const response = await fetch(url, { method, signal: AbortSignal.timeout(2_000) });
    await response.arrayBuffer();
    return response.ok;
  } catch {
    return false;
  }
}

function portOpen(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    socket.once("connect", () => { socket.destroy(); resolve(true); });
    socket.once("error", () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** SIGTERM to the whole group, then SIGKILL if it lingers. */
async function stopGroup(pid: number | undefined, gone: () => boolean): Promise<void> {
  if (pid === undefined) return;
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-pid, name);
    } catch {
      // already gone
    }
  };
  signal("SIGTERM");
  for (let waited = 0; waited < 3_000 && !gone(); waited += 50) await sleep(50);
  signal("SIGKILL");
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** "GET /health" against a base URL; an absolute URL stays as it is. */
export function requestOf(subject: string, baseUrl: string): { method: string; url: string } {
  const [method, target] = subject.trim().split(/\s+/, 2) as [string, string];
  return { method: method.toUpperCase(), url: /^https?:\/\//.test(target) ? target : new URL(target, `${baseUrl}/`).toString() };
}

/** What a probe saw: the status every response had (or the last odd one) and the latencies. */
export interface Observed {
  status: number;
  p50: number;
  p95: number;
  max: number;
  /** When, in milliseconds since the epoch. */
  at: number;
}

/** Sends the probe's request `samples` times, one after another, and judges the expectations. */
export async function runProbe(check: Check, owner: string, baseUrl: string): Promise<CheckOutcome & { observed?: Observed }> {
  const started = performance.now();
  const samples = check.samples ?? DEFAULT_SAMPLES;
  const { method, url } = requestOf(check.subject, baseUrl);
  const latencies: number[] = [];
  const statuses: number[] = [];
  for (let i = 0; i < samples; i++) {
    const sent = performance.now();
    try {
      const response = await fetch(url, { method, signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
      await response.arrayBuffer();
      statuses.push(response.status);
    } catch (error) {
      const message = `${method} ${url} failed: ${(error as Error).message}`;
      return { check: check.name, owner, verdict: "fail", exitCode: null, timedOut: false, durationMs: Math.round(performance.now() - started), stdoutTail: "", stderrTail: "", failures: [{ name: check.name, message }], evidence: message };
    }
    latencies.push(performance.now() - sent);
  }
  const observed: Observed = {
    status: statuses.find((s) => s !== statuses[0]) ?? statuses[0]!, p50: percentile(latencies, 50), p95: percentile(latencies, 95), max: Math.max(...latencies), at: Date.now(),
  };
  const unmet = check.expect.filter((e) => !meets(e, observed, statuses));
  const seen = `${samples} × ${method} ${new URL(url).pathname}: status ${[...new Set(statuses)].join("/")}, p50 ${ms(observed.p50)}, p95 ${ms(observed.p95)}`;
  const failures = unmet.map((e) => ({ name: check.name, message: unmetMessage(e, observed) }));
  return {
    check: check.name, owner, verdict: unmet.length === 0 ? "pass" : "fail", exitCode: null, timedOut: false, durationMs: Math.round(performance.now() - started),
    stdoutTail: "", stderrTail: "", failures, evidence: [seen, ...failures.map((f) => f.message)].join("\n"), observed,
  };
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
}

