/**
 * What phoenix.lock records for a component after a good build: the spec it was built from,
 * the inputs, the files produced and what the checks said. Pure; the build engine writes it.
 */
import { canonicalJson, sha256, specContent, type BuildInputs } from "./hash.js";
import type { Component } from "./ir.js";
import type { ComponentState, Verdict } from "./lock/schema.js";

export interface BuildResult {
  /** Owned files produced, relative to the root, with their sha256. */
  outputs: Record<string, string>;
  interfaceHash: string | null;
  checks: Record<string, Verdict>;
  probes?: Record<string, Record<string, number>>;
  /** ISO time the build finished. */
  at: string;
}

export function recordBuild(component: Component, inputs: BuildInputs, inputHashValue: string, result: BuildResult): ComponentState {
  return {
    specHash: inputs.specHash,
    inputHash: inputHashValue,
    spec: specContent(component),
    agent: inputs.agent,
    promptVersion: inputs.promptVersion,
    dependencyInterfaces: { ...inputs.dependencyInterfaces },
    containerHash: inputs.containerHash,
    systemChecksHash: inputs.systemChecksHash,
    outputs: { ...result.outputs },
    outputHash: outputHash(result.outputs),
    interfaceHash: result.interfaceHash,
    checks: { ...result.checks },
    approvals: [],
    probes: result.probes ?? {},
    builtAt: result.at,
  };
}

/** The hash of a set of output files: what a human approval binds to. */
export function outputHash(outputs: Readonly<Record<string, string>>): string {
  return sha256(canonicalJson(outputs));
}
