/**
 * `phoenix build [TARGET...]`: regenerate the stale components (of TARGETs' closure) with agents,
 * each attempt verified by checks, failures fed back, until green. Exit 0 only when every
 * targeted component is green; 130 when cancelled with Ctrl-C.
 */
import type { CommandContext } from "./command.js";
import { UsageError } from "./command.js";
import { projectDir } from "./check.js";
import { reportDiagnostics } from "./report.js";
import { parseAgentFlag } from "../../generators/agents/index.js";
import { runBuild, type BuildOptions } from "../build/engine.js";
import type { BuildEvent } from "../build/events.js";
import { ProgressPrinter } from "../build/progress.js";
import type { SandboxMode } from "../build/types.js";

export async function run(context: CommandContext): Promise<number> {
  return buildCommand(context, context.args);
}

/** A build from the command line's options; `beforePlan` runs under the writer lock first (burn). */
export async function buildCommand(context: CommandContext, targets: readonly string[], beforePlan?: BuildOptions["beforePlan"]): Promise<number> {
  const json = context.options["json"] === true;
  const jobs = positiveInteger(context.options["jobs"], "--jobs");
  const maxAttempts = positiveInteger(context.options["maxAttempts"], "--max-attempts");
  const agentFlag = context.options["agent"];
  const agent = typeof agentFlag === "string" ? parseAgentFlag(agentFlag) : undefined;
  const printer = new ProgressPrinter(context.stdout, !json && (context.stdout as { isTTY?: boolean }).isTTY === true);
  const emit = (event: BuildEvent) => (json ? context.stdout.write(`${JSON.stringify(event)}\n`) : printer.handle(event));
  const controller = new AbortController();
  const interrupt = () => {
    // the first Ctrl-C stops the build cleanly; the second quits at once
    if (controller.signal.aborted) process.exit(130);
    controller.abort();
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  try {
    const outcome = await runBuild({
      projectDir: projectDir(context.cwd), cwd: context.cwd, targets, jobs, maxAttempts, ...(beforePlan && { beforePlan }),
      sandbox: context.options["sandbox"] as SandboxMode, runner: context.options["runner"] as "local" | "container",
      ...(agent && { agent }), dryRun: context.options["dryRun"] === true, signal: controller.signal, emit,
      onWarning: (message) => context.stderr.write(`phoenix: warning: ${message}\n`),
    });
    if (outcome.kind === "invalid") {
      reportDiagnostics(outcome.diagnostics, outcome.files, json ? "json" : "text", context.stdout);
      return 1;
    }
    if (outcome.kind === "planned") {
      if (json) context.stdout.write(`${JSON.stringify({ type: "dry-run", nodes: outcome.nodes.map((n) => ({ node: n.name, action: n.action, reasons: n.reasons })) })}\n`);
      else context.stdout.write(dryRunText(outcome.nodes));
      return 0;
    }
    return controller.signal.aborted ? 130 : outcome.exitCode;
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
  }
}

function dryRunText(nodes: readonly { name: string; action: string; reasons: readonly { code: string; detail: string }[] }[]): string {
  if (nodes.length === 0) return "nothing to build: every component is up to date\n";
  const lines = nodes.map((n) => `  ${n.action === "remove" ? "-" : n.action === "add" ? "+" : "~"} ${n.name}: ${n.reasons.map((r) => `${r.code} (${r.detail})`).join("; ")}`);
  return `phoenix build would ${nodes.some((n) => n.action !== "remove") ? "regenerate" : "change"} these, in this order:\n${lines.join("\n")}\n` +
    "Dependents are rebuilt too when a rebuilt component's interface changes (early cutoff when it does not).\n";
}

function positiveInteger(value: unknown, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a whole number of at least 1, not '${String(value)}'`);
  return n;
}
