/**
 * Drift detection: owned files edited, added or deleted outside phoenix, found by comparing the
 * files on disk (hashed through a stat cache) with the outputs phoenix.lock recorded.
 */
import type { Diagnostic } from "../../spec-lang/index.js";
import type { Ir } from "../ir.js";
import type { Lock } from "../lock/schema.js";
import { detectDrift, type ActualFiles, type FileDrift } from "./drift.js";
import { scanOwnedFiles, type ScanOptions } from "./owned-files.js";

export { comparePaths, componentDrift, detectDrift, type ActualFiles, type FileDrift } from "./drift.js";
export { matchOwners, scanOwnedFiles, type OwnedFiles, type ScanOptions } from "./owned-files.js";
export { STAT_CACHE_PATH, STAT_CACHE_VERSION } from "./stat-cache.js";

export interface DriftReport {
  /** Per component in both the lock and the specs, its drifted files sorted by path (maybe none). */
  drift: Map<string, FileDrift[]>;
  /** Every component's owned files on disk, as scanned (path relative to the root -> sha256). */
  files: ActualFiles;
  /** `shared-file` errors found on the way. */
  diagnostics: Diagnostic[];
  hashed: number;
}

/** Scans the project's owned files and compares them with the lock: the edge plan and verify call. */
export async function findDrift(projectDir: string, ir: Ir, lock: Lock, options: ScanOptions = {}): Promise<DriftReport> {
  const scan = await scanOwnedFiles(projectDir, ir, options);
  return { drift: detectDrift(lock, scan.files), files: scan.files, diagnostics: scan.diagnostics, hashed: scan.hashed };
}
