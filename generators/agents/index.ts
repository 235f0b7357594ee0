/**
 * Choosing the agent for a node: the component's `agent`, else the system's, unless `--agent`
 * overrides both for one run. Every problem (no agent, a bad script, a provider this phoenix
 * cannot run) is found before any node starts.
 */
import { realpath } from "node:fs/promises";
import { resolve } from "node:path";
import { UsageError } from "../../compiler/cli/command.js";
import { providers, type Agent } from "../../compiler/ir.js";
import type { AgentProvider } from "./agent.js";
import { anthropicAgent, anthropicConfig } from "./anthropic.js";
import { claudeCodeAgent, codexAgent, commandAgent } from "./command.js";
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

/**
 * The provider that runs `agent`, ready to use: a missing credential, executable or script is a
 * UserError naming the provider and how to configure it.
 */
export async function createAgent(agent: Agent, projectDir: string, env: Readonly<Record<string, string | undefined>> = process.env): Promise<AgentProvider> {
  switch (agent.provider) {
    case "command":
      return commandAgent(agent.argument!);
    case "scripted": {
      const file = resolve(projectDir, agent.argument!);
      const script = await loadScript(file);
      // recorded files are found beside the script's real file: a linked script replays the original's recordings
      return scriptedAgent(await realpath(file), agent.argument!, script);
    }
    case "anthropic":
      return anthropicAgent(anthropicConfig(agent.argument, env));
    case "claude-code":
      return claudeCodeAgent(agent.argument, env);
    case "codex":
      return codexAgent(agent.argument, env);
  }
}
