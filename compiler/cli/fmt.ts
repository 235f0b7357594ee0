/**
 * `phoenix fmt [PATH...] [--check]`: rewrite spec files in the canonical layout, or with
 * --check only list the files that would change. A file with syntax errors is left alone.
 */
import { readFile } from "node:fs/promises";
import { resolve } from "node:path";
import type { CommandContext } from "./command.js";
import { defaultSpecsDir } from "./check.js";
import { plural } from "./report.js";
import { describeIoError, displayPath, fileStart, findSpecFiles } from "../spec-files.js";
import { writeFileAtomic } from "../atomic-write.js";
import {
  diagnostic, formatDiagnostic, formatSpecFile, parseSpec, parseSpecBytes, sameSpecContent, type Diagnostic,
} from "../../spec-lang/index.js";

/** What formatting one file comes to, decided before anything is written. */
export type FormatPlan =
  | { kind: "formatted" }
  | { kind: "reformat"; text: string }
  | { kind: "broken"; diagnostics: Diagnostic[] }
  | { kind: "unsafe" };

/** Decides what to do with one file's bytes: pure, so that --check and a real run agree. */
export function planFormat(bytes: Uint8Array, file: string): FormatPlan {
  const parsed = parseSpecBytes(bytes, file);
  const errors = parsed.diagnostics.filter((d) => d.severity === "error");
  if (errors.length > 0) return { kind: "broken", diagnostics: errors };
  const text = formatSpecFile(parsed.ast);
  if (Buffer.from(text, "utf8").equals(bytes)) return { kind: "formatted" };
  // a formatter bug must never cost a user a comment or a requirement: check before writing
  const reread = parseSpec(text, file);
  if (reread.diagnostics.some((d) => d.severity === "error") || !sameSpecContent(parsed.ast, reread.ast)) return { kind: "unsafe" };
  return { kind: "reformat", text };
}

interface Tally {
  changed: number;
  unchanged: number;
  /** Files left alone because of syntax errors, unreadable or unwritable. */
  failed: number;
}

/** Formats (or with --check, inspects) every spec file under the given paths. */
export async function run(context: CommandContext): Promise<number> {
  const check = context.options["check"] === true;
  const paths = context.args.length > 0 ? context.args : [defaultSpecsDir(context.cwd)];
  const tally: Tally = { changed: 0, unchanged: 0, failed: 0 };
  const seen = new Set<string>();
  for (const path of paths) {
    for (const file of await specFilesOrReport(path, context, tally)) {
      if (seen.has(file)) continue;
      seen.add(file);
      await formatFile(file, check, context, tally);
    }
  }
  context.stdout.write(`${closingLine(tally, check)}\n`);
  return tally.failed > 0 || (check && tally.changed > 0) ? 1 : 0;
}

async function specFilesOrReport(path: string, context: CommandContext, tally: Tally): Promise<string[]> {
  const shown = displayPath(path, context.cwd);
  try {
    const found = await findSpecFiles(resolve(context.cwd, path));
    if (found.length === 0) report(context, tally, diagnostic("no-spec-files", fileStart(shown), { path: shown }));
    return found;
  } catch (error) {
    report(context, tally, diagnostic("file-unreadable", fileStart(shown), { reason: describeIoError(error) }));
    return [];
  }
}

async function formatFile(file: string, check: boolean, context: CommandContext, tally: Tally): Promise<void> {
  const name = displayPath(file, context.cwd);
  let plan: FormatPlan;
  try {
    plan = planFormat(await readFile(file), name);
  } catch (error) {
    return report(context, tally, diagnostic("file-unreadable", fileStart(name), { reason: describeIoError(error) }));
  }
  if (plan.kind === "broken") {
    for (const d of plan.diagnostics) context.stdout.write(`${formatDiagnostic(d)}\n`);
    tally.failed++;
  } else if (plan.kind === "unsafe") {
    context.stderr.write(`phoenix: internal error: formatting ${name} would change what it says; it was left as it is, please report it\n`);
    tally.failed++;
  } else if (plan.kind === "reformat") {
    await applyFormat(file, name, plan.text, check, context, tally);
  } else {
    tally.unchanged++;
  }
}

async function applyFormat(file: string, name: string, text: string, check: boolean, context: CommandContext, tally: Tally): Promise<void> {
  try {
    if (!check) await writeFileAtomic(file, text);
    context.stdout.write(`${name}\n`);
    tally.changed++;
  } catch (error) {
    context.stderr.write(`phoenix: cannot write ${name}: ${describeIoError(error)}\n`);
    tally.failed++;
  }
}

function report(context: CommandContext, tally: Tally, d: Diagnostic): void {
  context.stdout.write(`${formatDiagnostic(d)}\n`);
  tally.failed++;
}

function closingLine(tally: Tally, check: boolean): string {
  const changed = check ? `${plural(tally.changed, "file")} would be reformatted` : `reformatted ${plural(tally.changed, "file")}`;
  const failed = tally.failed > 0 ? `, ${tally.failed} not formatted (see above)` : "";
  return `${changed}, ${tally.unchanged} already formatted${failed}`;
}
