/**
 * `phoenix delta new NAME "summary" --component X`: writes specs/deltas/NAME.phx, a delta that
 * modifies X, pinned (`base`) to X's current spec hash, with an empty body to fill in.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { didYouMean, formatSpecFile, parseSpec } from "../../spec-lang/index.js";
import { quoteString } from "../../spec-lang/literals.js";
import { archivePath } from "../delta-apply.js";
import { specHash, shortHash } from "../hash.js";
import { componentNamed, type Component } from "../ir.js";
import type { CommandContext } from "./command.js";
import { UsageError, UserError } from "./command.js";
import { absolute, IDENTIFIER, openProject, pendingDeltas, requireSound, writeAllOrNothing } from "./delta-shared.js";

export async function run(context: CommandContext): Promise<number> {
  const [name = "", summary = ""] = context.args;
  const componentName = context.options["component"];
  if (typeof componentName !== "string") throw new UsageError("missing required option --component <name>: the component the delta changes");
  if (!IDENTIFIER.test(name)) {
    throw new UserError(`'${name}' is not a valid delta name: use letters, digits, '_' and '-', starting with a letter or '_'`);
  }
  const { project, specsDir } = await openProject(context);
  const file = `${specsDir}/deltas/${name}.phx`;
  if (existsSync(absolute(file, context.cwd))) throw new UserError(`${file} already exists: choose another name, or edit that file`);
  const same = pendingDeltas(project.files).find((d) => d.name.name === name);
  if (same) throw new UserError(`a delta named '${name}' already exists (${same.name.span.file}:${same.name.span.line}): choose another name`);
  const archived = archivePath(specsDir, name);
  if (existsSync(absolute(archived, context.cwd))) throw new UserError(`a delta named '${name}' was already applied (${archived}): choose another name`);
  requireSound(project, context, `write delta '${name}'`);

  const component = componentNamed(project.base, componentName);
  if (!component) throw new UserError(unknownComponent(componentName, project.base.components.map((c) => c.name), project.changedBy));
  const hash = specHash(component);
  const text = skeleton(name, summary, component, hash);
  await writeAllOrNothing([{ path: absolute(file, context.cwd), text }], context.cwd);
  context.stdout.write([
    `created ${file}: delta ${name} modifies ${component.name}, pinned to its spec ${shortHash(hash)}`,
    `next: write the changes inside \`modify ${component.name} { ... }\`, run \`phoenix check\`, then \`phoenix delta apply ${name}\``,
    "",
  ].join("\n"));
  return 0;
}

function unknownComponent(name: string, known: readonly string[], changedBy: ReadonlyMap<string, string[]>): string {
  const addedBy = changedBy.get(name);
  if (addedBy && !known.includes(name)) {
    return `component '${name}' is not in the base specs yet: delta '${addedBy[0]}' adds it; apply that delta first (phoenix delta apply ${addedBy[0]})`;
  }
  return `component '${name}' does not exist${didYouMean(name, known)}; the components are ${known.join(", ") || "none"}`;
}

/** The delta file, in canonical layout, with a comment that shows what may go in the body. */
export function skeleton(name: string, summary: string, component: Component, hash: string): string {
  const example = nextRequirementId(component.requirements.map((r) => r.id));
  const source = [
    `delta ${name} ${quoteString(summary)} {`,
    `  modify ${component.name} base ${quoteString(hash)} {`,
    `    // add or replace: requirement ${example} MUST "..." / check NAME { run "..." }; delete: remove requirement ID / remove check NAME`,
    "  }",
    "}",
    "",
  ].join("\n");
  const parsed = parseSpec(source, join("specs", "deltas", `${name}.phx`));
  if (parsed.diagnostics.length > 0) throw new Error(`the skeleton of delta ${name} does not parse: ${parsed.diagnostics[0]!.message}`);
  return formatSpecFile(parsed.ast);
}

/** `WEB-4` after WEB-1..WEB-3, when every ID is one prefix and a number; `ID` otherwise. */
function nextRequirementId(ids: readonly string[]): string {
  const parts = ids.map((id) => /^(.*?)(\d+)$/.exec(id));
  const prefix = parts[0]?.[1];
  if (prefix === undefined || parts.some((p) => !p || p[1] !== prefix)) return "ID";
  return `${prefix}${Math.max(...parts.map((p) => Number(p![2]))) + 1}`;
}
