/**
 * `phoenix observe [--url BASE]`: genchi genbutsu. Runs the probe checks against the running
 * system (a deployed one at BASE, or one started here from the root's `start` command), and
 * records what they saw in phoenix.lock as current state. An expectation the system does not
 * meet makes its component stale (expectation-unmet), so `phoenix diff` shows it and
 * `phoenix build` works on it.
 */
import { join } from "node:path";
import type { CommandContext } from "./command.js";
import { UsageError, UserError } from "./command.js";
import { projectDir } from "./check.js";
import { openSandbox } from "../build/sandbox.js";
import { runProbe, startSystem, type RunningSystem } from "../build/probes.js";
import { unmetMessage } from "../expectations.js";
import type { Check } from "../ir.js";
import { readLock, withWriterLock, writeLock } from "../lock/index.js";
import { isSound, loadProject } from "../project.js";

export async function run(context: CommandContext): Promise<number> {
  const url = context.options["url"];
  if (url !== undefined && !/^https?:\/\/[^\s/]+/.test(String(url))) throw new UsageError(`--url must be an http(s) address such as http://localhost:3000, not '${String(url)}'`);
  const dir = projectDir(context.cwd);
  const project = await loadProject(dir, context.cwd);
  if (!isSound(project)) throw new UserError("the specs have errors: run `phoenix check` and fix them first");
  const ir = project.desired;
  const probes = [
    ...ir.components.flatMap((c) => c.checks.filter((k) => k.kind === "probe").map((check) => ({ owner: c.name, check }))),
    ...ir.system.checks.filter((k) => k.kind === "probe").map((check) => ({ owner: "system", check })),
  ];
  if (probes.length === 0) {
    context.stdout.write("There are no probe checks to observe.\n");
    return 0;
  }
  const system = await reach(context, dir, ir.system.root, ir.system.start, ir.system.ready, url === undefined ? undefined : String(url).replace(/\/$/, ""));
  const results: { owner: string; check: Check; outcome: Awaited<ReturnType<typeof runProbe>> }[] = [];
  try {
    for (const { owner, check } of probes) results.push({ owner, check, outcome: await runProbe(check, owner, system.baseUrl) });
  } finally {
    await system.stop();
  }
  await withWriterLock(dir, async () => {
    const { lock } = await readLock(dir, { cwd: context.cwd });
    const components = { ...lock.components };
    for (const { owner, check, outcome } of results) {
      const built = components[owner];
      if (built && outcome.observed) components[owner] = { ...built, probes: { ...built.probes, [check.name]: { ...outcome.observed } } };
    }
    await writeLock(dir, { ...lock, components });
  }, { onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`) });
  context.stdout.write(`observed ${system.baseUrl}${url === undefined ? ` (started with \`${ir.system.start}\`)` : ""}\n`);
  let unmet = 0;
  for (const { owner, check, outcome } of results) {
    const misses = outcome.observed ? check.expect.filter((e) => outcome.failures.some((f) => f.message === unmetMessage(e, outcome.observed!))) : [];
    const blocking = outcome.verdict !== "pass" && !check.advisory;
    if (blocking) unmet++;
    context.stdout.write(`${outcome.verdict === "pass" ? "✓" : "✗"} ${owner}.${check.name}: ${outcome.evidence.split("\n")[0]}${misses.length > 0 || outcome.verdict !== "pass" ? `\n    ${outcome.failures.map((f) => f.message).join("; ")}` : ""}\n`);
  }
  context.stdout.write(unmet === 0 ? "every expectation is met; recorded in phoenix.lock\n" : `${unmet} probe${unmet === 1 ? "" : "s"} short of the specs; recorded in phoenix.lock: \`phoenix diff\` shows the gap, \`phoenix build\` closes it\n`);
  return unmet === 0 ? 0 : 1;
}

/** The system to probe: at --url, or started here from the root. */
async function reach(context: CommandContext, dir: string, root: string, start: string | undefined, ready: string | undefined, url: string | undefined): Promise<RunningSystem> {
  if (url !== undefined) return { baseUrl: url, stop: async () => undefined };
  if (!start) throw new UserError("there is no running system to observe: add `start \"command\"` to the system block, or pass --url of a running one");
  const sandbox = await openSandbox("auto", { scratchDir: join(dir, ".phoenix"), onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`) });
  return startSystem({ dir: join(dir, root), command: start, ...(ready && { ready }), sandbox, readable: [dir], env: process.env });
}
