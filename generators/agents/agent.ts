/**
 * The one interface every coding agent implements: given a context pack and a workspace, change
 * files in the workspace, or ask a question instead of guessing. Providers differ only in how
 * they do it (a program, a script, an API conversation, a vendor CLI).
 */
import type { GuardRules } from "../../compiler/build/guard.js";
import type { Sandbox } from "../../compiler/build/sandbox.js";
import type { CheckOutcome, Refusal } from "../../compiler/build/types.js";

/** One attempt of one node, as the agent sees it. */
export interface AgentTask {
  node: string;
  /** 1, 2, ... */
  attempt: number;
  /** The project: the directory holding specs/. */
  projectDir: string;
  /** The attempt's workspace, where the agent's in-process file tools read and write it. */
  workspace: string;
  /** The same workspace as a program run through `sandbox` sees it: its working directory. */
  runDir: string;
  /** The context pack. */
  context: string;
  /** The previous attempt's check and guard feedback (also in the pack); absent on a first attempt. */
  feedback?: string;
  /**
   * A folder for files the provider needs for this attempt (a program reads the pack from one
   * and writes its question to another); it makes them there and removes them. In-process
   * providers need none: a node costs no folder it does not use.
   */
  scratchDir: string;
  /** What the agent may write: file tools refuse the rest as they are called. */
  rules: GuardRules;
  /** Confines a program the agent runs, and shows it the workspace at `runDir`. */
  sandbox: Sandbox;
  /** Folders a confined agent may read although a private /tmp would hide them. */
  readable: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  /** Runs the node's deterministic checks on the workspace as it is now (a tool for API agents). */
  runChecks: () => Promise<CheckOutcome[]>;
  signal?: AbortSignal;
}

/** How an attempt ended, from the agent's side. */
export type AgentOutcome =
  | { kind: "done" }
  | { kind: "question"; text: string; options?: string[] }
  | { kind: "error"; message: string };

export interface AgentResult {
  outcome: AgentOutcome;
  /** Writes the agent's file tools refused as it made them (told to it at the time). */
  refused: Refusal[];
  /** Tokens used, when the provider knows. */
  tokens?: { input: number; output: number };
}

export interface AgentProvider {
  /** How the agent is named in every output: `scripted "demo.json" (a replay, not a model)`. */
  readonly label: string;
  run(task: AgentTask): Promise<AgentResult>;
}
