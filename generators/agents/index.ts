/**
 * Choosing the agent for a node: the component's `agent`, else the system's, unless `--agent`
 * overrides both for one run. Every problem (no agent, a bad script, a provider this phoenix
 * cannot run) is found before any node starts.
 */
import { resolve } from "node:path";
import { UsageError, UserError } from "../../compiler/cli/command.js";
import { providers, type Agent } from "../../compiler/ir.js";
import type { AgentProvider } from "./agent.js";
import { commandAgent } from "./command.js";
import { loadScript, scriptedAgent } from "./scripted.js";

export type { AgentOutcome, AgentProvider, AgentResult, AgentTask } from "./agent.js";
export { WorkspaceFiles } from "./file-tools.js";

/** `--agent PROVIDER[:ARGUMENT]`, e.g. `scripted:fixtures/demo.json` or `command:node gen.js`. */
export function parseAgentFlag(value: string): Agent {
  const colon = value.indexOf(":");
  const provider = colon < 0 ? value : value.slice(0, colon);
  const argument = colon < 0 ? undefined : value.slice(colon + 1);
  if (!(providers as readonly string[]).includes(provider)) {
    throw new UsageError(`--agent: unknown provider '${provider}'; use one of ${providers.join(", ")} (as PROVIDER or PROVIDER:ARGUMENT)`);
  }
  if ((provider === "command" || provider === "scripted") && !argument) {
    throw new UsageError(`--agent: ${provider} needs ${provider === "command" ? "the program to run" : "the script file"}: --agent ${provider}:${provider === "command" ? "node tools/agent.js" : "path/to/script.json"}`);
  }
  return { provider: provider as Agent["provider"], ...(argument !== undefined && argument !== "" && { argument }) };
}

/** A stable key for an agent: nodes that share one share its provider. */
export function agentKey(agent: Agent): string {
  return `${agent.provider}\0${agent.argument ?? ""}`;
}

/** The provider that runs `agent`, ready to use; a UserError names what is missing. */
export async function createAgent(agent: Agent, projectDir: string): Promise<AgentProvider> {
  switch (agent.provider) {
    case "command":
      return commandAgent(agent.argument!);
    case "scripted": {
      const file = resolve(projectDir, agent.argument!);
      return scriptedAgent(file, agent.argument!, await loadScript(file));
    }
    default:
      throw new UserError(`agent ${agent.provider}: this phoenix cannot run it yet (the providers anthropic, claude-code and codex are being built); ` +
        "use `--agent command:PROGRAM` or `--agent scripted:SCRIPT.json`");
  }
}
