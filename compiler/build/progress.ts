/**
 * Rendering build events for people: on a terminal, a live status line per running node under
 * the log (`[2/5] web attempt 2/3: running check unit`); elsewhere, plain log lines only. With
 * --json the CLI prints the events themselves instead. Andon: failures and questions stand out.
 */
import type { Writable } from "node:stream";
import type { BuildEvent, NodeResult } from "./events.js";

const SYMBOL: Record<NodeResult, string> = { green: "✓", unchanged: "=", failed: "✗", "needs-human": "?", blocked: "⊘", cancelled: "-" };

export class ProgressPrinter {
  private readonly live = new Map<string, string>();
  private readonly index = new Map<string, string>();
  private shownLines = 0;

  constructor(private readonly out: Writable, private readonly tty: boolean) {}

  handle(event: BuildEvent): void {
    if (event.type === "node-start") this.index.set(event.node, `[${event.index}/${event.total}]`);
    const lines = this.logLines(event);
    this.updateLive(event);
    this.render(lines);
  }

  private logLines(event: BuildEvent): string[] {
    switch (event.type) {
      case "recovered":
        return [`finished the apply of ${event.nodes.join(", ")} that an interrupted build had started`];
      case "plan": {
        const agents = [...new Set(Object.values(event.agents))];
        if (event.nodes.length === 0 && event.removals.length === 0) return ["nothing to build: every component is up to date"];
        return [
          `building ${event.nodes.length} component${event.nodes.length === 1 ? "" : "s"}` +
            `${event.removals.length > 0 ? ` and removing ${event.removals.join(", ")}` : ""} (jobs ${event.jobs}, sandbox ${event.sandbox}${event.checks !== event.sandbox ? `, checks in ${event.checks}` : ""})`,
          ...(agents.length > 0 ? [`agent: ${agents.join("; ")}`] : []),
        ];
      }
      case "removed":
        return [`- ${event.node}: removed (${event.files} file${event.files === 1 ? "" : "s"} deleted): it is no longer in the specs`];
      case "node-start":
        return [`${this.tag(event.node)} ${event.node}: building (${event.reasons.join(", ")})`];
      case "agent-done":
        return event.outcome === "error" ? [`${this.tag(event.node)} ${event.node} attempt ${event.attempt}: the agent failed: ${firstLine(event.detail)}`] : [];
      case "refused":
        return event.refused.map((r) => `${this.tag(event.node)} ${event.node} attempt ${event.attempt}: refused ${r.path}: ${r.message}`);
      case "check-done":
        if (event.verdict === "pass" || event.byAgent) return [];
        return [`${this.tag(event.node)} ${event.node} attempt ${event.attempt}: ${event.owner === "system" ? "system check" : "check"} ${event.check} ${event.verdict === "error" ? "could not run" : "failed"}${event.advisory ? " (advisory)" : ""}: ${event.evidence.split("\n").slice(0, 3).join(" | ")}`];
      case "checks-waiting":
        return event.checks.map((c) => `${this.tag(event.node)} ${event.node}: ${c.kind} check ${c.check} is not run by build (${c.why})`);
      case "node-done":
        return [`${SYMBOL[event.result]} ${event.node} ${event.result}: ${event.detail}${event.durationMs > 0 ? `, in ${(event.durationMs / 1000).toFixed(1)}s` : ""}`];
      case "cancelling":
        return ["stopping: cancelling running agents and checks, discarding their workspaces (Ctrl-C again to quit at once)"];
      case "done":
        return [this.summary(event)];
      default:
        return [];
    }
  }

  private summary(event: Extract<BuildEvent, { type: "done" }>): string {
    const order: NodeResult[] = ["green", "failed", "needs-human", "blocked", "cancelled", "unchanged"];
    const counts = order.filter((r) => event.counts[r] > 0).map((r) => `${event.counts[r]} ${r}`).join(", ") || "nothing to do";
    const approval = event.awaitingApproval.length > 0 ? `\nawaiting approval (supervised): ${event.awaitingApproval.join(", ")}: review, then \`phoenix approve NODE\`` : "";
    return `\n${event.exitCode === 0 ? "build green" : "build NOT green"}: ${counts}${approval}`;
  }

  private updateLive(event: BuildEvent): void {
    switch (event.type) {
      case "node-start":
        this.live.set(event.node, "starting");
        break;
      case "attempt-start":
        this.live.set(event.node, `attempt ${event.attempt}/${event.maxAttempts}: agent working`);
        break;
      case "check-start":
        this.live.set(event.node, `${this.attemptOf(event.node)}: ${event.byAgent ? "the agent runs" : "running"} check ${event.check}`);
        break;
      case "node-done":
        this.live.delete(event.node);
        break;
      default:
    }
  }

  private attemptOf(node: string): string {
    return /^attempt \d+\/\d+/.exec(this.live.get(node) ?? "")?.[0] ?? "attempt";
  }

  private tag(node: string): string {
    return this.index.get(node) ?? "";
  }

  private render(lines: readonly string[]): void {
    if (!this.tty) {
      for (const line of lines) this.out.write(`${line.trimStart()}\n`);
      return;
    }
    // erase the live block, print the new log lines, draw the live block again
    const erase = this.shownLines > 0 ? `\u001b[${this.shownLines}A\u001b[0J` : "";
    const liveLines = [...this.live].map(([node, what]) => `  ${this.tag(node)} ${node} ${what}`);
    this.out.write(`${erase}${lines.map((l) => `${l.trimStart()}\n`).join("")}${liveLines.map((l) => `${l}\n`).join("")}`);
    this.shownLines = liveLines.length;
  }
}

function firstLine(text: string | undefined): string {
  return (text ?? "").split("\n")[0] ?? "";
}
