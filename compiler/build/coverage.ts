/**
 * Coverage, when a check's output reports it: istanbul's text table or summary (vitest, jest,
 * nyc, c8) and node --test's coverage report. The figure is lines (or statements) covered, in
 * percent; phoenix records it and the ratchet refuses a drop. Pure.
 */
import { stripAnsi } from "./failures.js";

export function parseCoverage(output: string): number | undefined {
  const text = stripAnsi(output);
  const patterns = [
    /^[#\s]*all files\s*\|\s*([\d.]+)\s*\|/im, // the table: its first column (lines in node --test, statements in istanbul)
    /^\s*Lines\s*:\s*([\d.]+)%/m, // istanbul's text-summary
  ];
  for (const pattern of patterns) {
    const match = pattern.exec(text);
    if (match) {
      const value = Number(match[1]);
      if (Number.isFinite(value) && value >= 0 && value <= 100) return value;
    }
  }
  return undefined;
}
