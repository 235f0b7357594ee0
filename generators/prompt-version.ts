/**
 * The version of the prompt templates agents are given. It is part of every component's input
 * hash: changing how agents are instructed is standard work changing, so everything they built
 * under the old instructions becomes stale (reason `agent-changed`). Bump it with every edit to
 * a prompt template.
 */
export const PROMPT_VERSION = "phoenix-prompts-1";
