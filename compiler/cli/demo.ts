/**
 * `phoenix demo`: the offline walk-through on a copy of the example system. Needs no agent
 * credentials and leaves the repository untouched. Each step says what it does and why, then
 * runs the real command and shows its real output.
 */
import { cp, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { Writable } from "node:stream";
import type { CommandContext, CommandModule } from "./command.js";
import { itemsOfKind } from "../../spec-lang/index.js";
import { loadSpecs } from "../spec-files.js";

/** The repository's example: specs/ and system-under-construction/. */
const exampleRoot = fileURLToPath(new URL("../../../", import.meta.url));

/** A step of the demo: an optional edit to specs/audit.phx, the command, why, and the exit it must give. */
interface Step {
  title: string;
  why: string;
  /** New content of specs/audit.phx, written (and shown) before the command runs. */
  audit?: string;
  /** Show specs/audit.phx as the command left it. */
  showAudit?: boolean;
  command: CommandModule;
  args?: string[];
  options: Record<string, unknown>;
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

async function walkThrough(project: string, context: CommandContext): Promise<number> {
  const out = context.stdout;
  out.write(`phoenix demo: a copy of the example system "signin" is in ${project}\n`);
  await describeSystem(project, out);
  const check = await import("./check.js");
  const fmt = await import("./fmt.js");
  const graph = await import("./graph.js");
  const deltaList = await import("./delta-list.js");
  const status = await import("./status.js");
  const text = { format: "text" };
  const steps: Step[] = [
    { title: "phoenix check", why: "Every spec file is parsed and validated; a clean tree is the starting point.", command: check, options: text, expectExit: 0 },
    {
      title: "a careless edit", audit: BROKEN_AUDIT, command: check, options: text, expectExit: 1,
      why: "Someone adds specs/audit.phx with a SHOULD that gives no reason, a misspelled `owns` and no closing braces.\n" +
        "phoenix stops the line and points at every mistake (file, line, column), not only the first.",
    },
    {
      title: "fixed, but untidy", audit: MESSY_AUDIT, command: fmt, options: { check: true }, expectExit: 1,
      why: "The mistakes are fixed; the layout is not canonical, and `phoenix fmt --check` says which file differs.",
    },
    {
      title: "phoenix fmt", command: fmt, options: {}, expectExit: 0, showAudit: true,
      why: "fmt rewrites it in the canonical layout, comments kept, so that spec diffs show only meaning.",
    },
    { title: "phoenix check, again", why: "Green again.", command: check, options: text, expectExit: 0 },
    {
      title: "phoenix graph", command: graph, options: { format: "mermaid" }, expectExit: 0,
      why: "The specs compile into a graph of components (here as Mermaid; also dot and json). A build goes dependencies first.",
    },
    {
      title: "phoenix delta list", command: deltaList, options: {}, expectExit: 0,
      why: "Changes are requested as deltas: the desired state is the specs plus every pending delta.",
    },
    {
      title: "phoenix status", command: status, options: {}, expectExit: 0,
      why: "Nothing is built yet (there is no phoenix.lock), so every component is stale for the reason never-built.\n" +
        "`phoenix diff` lists what a build would make, requirement by requirement.",
    },
  ];
  for (const [index, step] of steps.entries()) {
    out.write(`\n== ${index + 1}. ${step.title}\n${step.why}\n`);
    if (step.audit !== undefined) {
      await writeFile(join(project, "specs", "audit.phx"), step.audit);
      out.write(`\n${indent(step.audit)}\n\n`);
    }
    const code = await step.command.run({ ...context, cwd: project, args: step.args ?? [], options: step.options, stdout: out });
    out.write(`(exit ${code})\n`);
    if (step.showAudit) out.write(`\n${indent(await readFile(join(project, "specs", "audit.phx"), "utf8"))}\n`);
    if (code !== step.expectExit) {
      context.stderr.write(`phoenix demo: step "${step.title}" exited ${code}, expected ${step.expectExit}\n`);
      return 1;
    }
  }
  out.write(`\n${CLOSING}`);
  return 0;
}

async function copyExample(project: string): Promise<void> {
  for (const dir of ["specs", "system-under-construction"]) {
    await cp(join(exampleRoot, dir), join(project, dir), { recursive: true });
  }
}

/** A one-paragraph overview of the example, computed from its specs. */
async function describeSystem(project: string, out: Writable): Promise<void> {
  const { files } = await loadSpecs([join(project, "specs")], project);
  const blocks = files.flatMap((f) => f.blocks);
  const components = blocks.filter((b) => b.kind === "component");
  const requirements = components.flatMap((c) => itemsOfKind(c.items, "requirement")).length;
  const checks = blocks.flatMap((b) => itemsOfKind(b.items, "check")).length;
  const deltas = blocks.filter((b) => b.kind === "delta").map((b) => b.name.name);
  out.write(`It has ${components.length} components (${components.map((c) => c.name.name).join(", ")}), ` +
    `${requirements} requirements, ${checks} checks and ${deltas.length} requested changes (deltas: ${deltas.join(", ")}).\n`);
}

function indent(text: string): string {
  return text.trimEnd().split("\n").map((line) => (line === "" ? "" : `    ${line}`)).join("\n");
}

const BROKEN_AUDIT = `component audit {
  description "Records every sign-in attempt."
  ownz "src/audit/**"
  requirement AUD-1 MUST "Every sign-in attempt is recorded with its time and outcome."
  requirement AUD-2 SHOULD "Records are kept for 30 days."
  check unit { run "npx vitest run test/audit" covers AUD-1
`;

const MESSY_AUDIT = `component audit {
      description "Records every sign-in attempt."
  owns "src/audit/**"     // the agent may write only here


  requirement AUD-1 MUST "Every sign-in attempt is recorded with its time and outcome."
  requirement AUD-2 SHOULD "Records are kept for 30 days." because "support looks back a month"
  check unit { run "npx vitest run test/audit" covers AUD-1 }
}
`;

const CLOSING = `That is phoenix's language and compiler: specs that say what to build, checked before any agent
runs, compiled into a graph whose stale components phoenix diff names with their reasons.
Try it on your own system:
  npx phoenix init my-system && cd my-system && npx phoenix check
To edit .phx files with colours, install the VS Code extension in spec-lang/editor/.
`;
