/**
 * `phoenix demo`: the whole factory on the example system, offline. A copy of the example starts
 * with its specs and tests but none of its code; the scripted agent (a replay of recorded agent
 * output, named as such) builds it under real checks; then two requested changes go through the
 * loop, the running system is observed, and a hand edit shows up as drift. Each step says what
 * it does and why, runs the real command and shows its real output. The repository is untouched.
 * The copy links the repository's node_modules (the checks' tools) and fixtures/demo (the replay).
 */
import { cp, mkdir, mkdtemp, readFile, rm, symlink, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Writable } from "node:stream";
import type { CommandContext } from "./command.js";
import { buildCommand } from "./build.js";
import { itemsOfKind } from "../../spec-lang/index.js";
import { loadSpecs } from "../spec-files.js";

/** The repository: the example's specs, tests and recorded agent output, and the tools its checks run. */
const repo = fileURLToPath(new URL("../../../", import.meta.url));

/** One step: an optional change a person makes first, the command, why, and the exit it must give. */
interface Step {
  title: string;
  why: string;
  change?: (project: string, out: Writable) => Promise<void>;
  run: (context: CommandContext) => Promise<number>;
  expectExit: number;
}

export async function run(context: CommandContext): Promise<number> {
  const project = await mkdtemp(join(tmpdir(), "phoenix-demo-"));
  try {
    await copyExample(project);
    return await walkThrough(project, context);
  } finally {
    await rm(project, { recursive: true, force: true });
  }
}

const command = (name: string, args: string[] = [], options: Record<string, unknown> = {}) => async (context: CommandContext) =>
  (await import(`./${name}.js`) as { run: (c: CommandContext) => Promise<number> }).run({ ...context, args, options });

async function walkThrough(project: string, context: CommandContext): Promise<number> {
  const out = context.stdout;
  out.write(`phoenix demo: a copy of the example system "signin" is in ${project}\n`);
  await describeSystem(project, out);
  out.write(`Its specs and human-written tests are there; its code is not. The agent is ${"`scripted`"}: a replay of recorded agent\n` +
    "output (not a model), so this runs offline; every check it faces is real: unit tests, a type check, lint, a security scan and a probe.\n");
  const build = (targets: string[] = []) => (c: CommandContext) => buildCommand({ ...c, options: { jobs: "2", maxAttempts: "3", sandbox: "auto", runner: "local" } }, targets);
  const steps: Step[] = [
    { title: "phoenix check", why: "The specs are parsed and validated: a spec that cannot be right never reaches an agent.", run: command("check", [], { format: "text" }), expectExit: 0 },
    {
      title: "a careless edit", expectExit: 1, run: command("check", [], { format: "text" }),
      why: "Someone adds specs/audit.phx with a SHOULD that gives no reason, a misspelled `owns` and no closing braces.\n" +
        "phoenix stops the line and points at every mistake (file, line, column), not only the first.",
      change: (p, o) => showAndWrite(p, "specs/audit.phx", BROKEN_AUDIT, o),
    },
    { title: "fixed", why: "The person removes the half-written spec again.", change: (p) => rm(join(p, "specs", "audit.phx")), run: command("check", [], { format: "text" }), expectExit: 0 },
    { title: "phoenix diff", why: "Desired state (the specs) minus current state (no phoenix.lock yet, no code): everything is to be built.", run: command("diff"), expectExit: 0 },
    {
      title: "phoenix build", run: build(), expectExit: 0,
      why: "The stale components are built in dependency order, two at a time, each in its own sandboxed copy of the root.\n" +
        "Watch store: its first attempt fails a test; the failure goes back to the agent, and the second attempt passes.",
    },
    { title: "phoenix status", why: "The board. The components are supervised: green, applied, and waiting for a person's approval.", run: command("status"), expectExit: 0 },
    {
      title: "a requested change: the sign-in button MUST change to blue", run: command("diff"), expectExit: 0,
      why: "A person adds the delta specs/deltas/blue-button.phx and updates the protected test to match.\nphoenix diff shows exactly what changed: only web is stale, and why, requirement by requirement.",
      change: async (p, o) => {
        await showAndWrite(p, "specs/deltas/blue-button.phx", await readFile(join(repo, "specs", "deltas", "blue-button.phx"), "utf8"), o);
        await cp(join(repo, "system-under-construction", "test", "web", "web.test.js"), join(p, "system-under-construction", "test", "web", "web.test.js"));
      },
    },
    {
      title: "phoenix build", run: build(), expectExit: 0,
      why: "Only web is regenerated. api depends on web, but web's interface did not change, so api is not rebuilt (early cutoff).",
    },
    {
      title: "phoenix observe", run: command("observe"), expectExit: 0,
      why: "Genchi genbutsu: the system is started from its spec's `start` command and probed. What the probe sees is recorded as current state.",
    },
    {
      title: "a requested change: the system MUST respond 100 ms faster", run: command("diff"), expectExit: 0,
      why: "The delta specs/deltas/faster.phx tightens the health probe from p95 < 340ms to < 240ms. The diff shows the gap between\nwhat was observed and what is now desired.",
      change: async (p, o) => showAndWrite(p, "specs/deltas/faster.phx", await readFile(join(repo, "specs", "deltas", "faster.phx"), "utf8"), o),
    },
    { title: "phoenix build", why: "api is regenerated to meet the new expectation; its probe runs against the started system.", run: build(), expectExit: 0 },
    {
      title: "a hand edit", run: command("diff"), expectExit: 0,
      why: "Someone edits src/web/index.js by hand, outside phoenix. phoenix diff shows the drift: actual state differs from its representation.",
      change: async (p, o) => {
        const file = join(p, "system-under-construction", "src", "web", "index.js");
        await writeFile(file, (await readFile(file, "utf8")).replace("<h1>Sign in</h1>", "<h1>Sign in, please</h1>"));
        o.write("    (src/web/index.js: <h1>Sign in</h1> -> <h1>Sign in, please</h1>)\n");
      },
    },
  ];
  for (const [index, step] of steps.entries()) {
    out.write(`\n== ${index + 1}. ${step.title}\n${step.why}\n`);
    if (step.change) await step.change(project, out);
    out.write("\n");
    const code = await step.run({ ...context, cwd: project, stdout: out });
    out.write(`(exit ${code})\n`);
    if (code !== step.expectExit) {
      context.stderr.write(`phoenix demo: step "${step.title}" exited ${code}, expected ${step.expectExit}\n`);
      return 1;
    }
  }
  out.write(`\n${CLOSING}`);
  return 0;
}

/**
 * The example as it starts: specs without the pending deltas, the tests of that state, no code
 * and no phoenix.lock. The agent replays the repository's recorded output; the checks use the
 * repository's installed tools.
 */
async function copyExample(project: string): Promise<void> {
  await cp(join(repo, "specs"), join(project, "specs"), { recursive: true, filter: (source) => !source.includes(`${join("specs", "deltas")}`) });
  await cp(join(repo, "system-under-construction"), join(project, "system-under-construction"), {
    recursive: true, filter: (source) => !source.startsWith(join(repo, "system-under-construction", "src")) && !source.includes("node_modules"),
  });
  await symlink(join(repo, "node_modules"), join(project, "node_modules"));
  // the script, linked: its recorded files are the repository's committed code
  await mkdir(join(project, "fixtures"));
  await symlink(join(repo, "fixtures", "demo"), join(project, "fixtures", "demo"));
  // before the blue-button change, the people's test asks for green
  const test = join(project, "system-under-construction", "test", "web", "web.test.js");
  await writeFile(test, (await readFile(test, "utf8")).replaceAll("#1d4ed8", "#15803d").replace("is blue", "is green"));
}

/** A one-paragraph overview of the example, computed from its specs. */
async function describeSystem(project: string, out: Writable): Promise<void> {
  const { files } = await loadSpecs([join(project, "specs")], project);
  const blocks = files.flatMap((f) => f.blocks);
  const components = blocks.filter((b) => b.kind === "component");
  const requirements = components.flatMap((c) => itemsOfKind(c.items, "requirement")).length;
  const checks = blocks.flatMap((b) => itemsOfKind(b.items, "check")).length;
  out.write(`It has ${components.length} components (${components.map((c) => c.name.name).join(", ")}), ${requirements} requirements and ${checks} checks.\n`);
}

async function showAndWrite(project: string, path: string, text: string, out: Writable): Promise<void> {
  await mkdir(dirname(join(project, path)), { recursive: true });
  await writeFile(join(project, path), text);
  out.write(`\n    ${path}:\n${text.trimEnd().split("\n").map((line) => (line === "" ? "" : `    ${line}`)).join("\n")}\n`);
}

const BROKEN_AUDIT = `component audit {
  description "Records every sign-in attempt."
  ownz "src/audit/**"
  requirement AUD-1 MUST "Every sign-in attempt is recorded with its time and outcome."
  requirement AUD-2 SHOULD "Records are kept for 30 days."
  check unit { run "vitest run test/audit" covers AUD-1
`;

const CLOSING = `That is the loop: specs in, verified code out, only what is stale rebuilt, drift in plain sight.
Next, on your own machine:
  - the same with a real agent: set ANTHROPIC_API_KEY and run \`phoenix build --agent anthropic\`,
    or install Claude Code (\`claude\`) and use \`--agent claude-code\`;
  - a system of your own: \`npx phoenix init my-system && cd my-system && npx phoenix check\`;
  - CI: \`phoenix verify\` proves the code is what the specs ask (docs/hooks.md).
`;
