/** Printing diagnostics for people (one line each) or programs (--format json). */
import type { Writable } from "node:stream";
import { formatDiagnostic, type Diagnostic } from "../../spec-lang/index.js";

/** Counts of what was found, for the closing line and the JSON report. */
export interface DiagnosticSummary {
  files: number;
  errors: number;
  warnings: number;
}

/** Writes diagnostics in the chosen format and returns the counts. */
export function reportDiagnostics(diagnostics: readonly Diagnostic[], files: number, format: string, out: Writable): DiagnosticSummary {
  const summary = {
    files,
    errors: diagnostics.filter((d) => d.severity === "error").length,
    warnings: diagnostics.filter((d) => d.severity === "warning").length,
  };
  if (format === "json") {
    out.write(`${JSON.stringify({ ...summary, diagnostics }, null, 2)}\n`);
    return summary;
  }
  for (const d of diagnostics) out.write(`${formatDiagnostic(d)}\n`);
  out.write(`${plural(summary.errors, "error")}, ${plural(summary.warnings, "warning")} in ${plural(files, "file")}\n`);
  return summary;
}

/** `1 error`, `2 errors`. */
export function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? "" : "s"}`;
}
