/**
 * The plan memo: what the last full look at a project found (`.phoenix/memo/plan.json`, a
 * cache), kept with the witnesses it was made from, so that the look after a small edit redoes
 * only what the edit touched. An edited spec file is parsed again and its components planned
 * again; an edited owned file is hashed and its owner planned again; everything else is the kept
 * plan. Langium updates its documents the same way: only the phases a change invalidates.
 *
 * It answers only when it can be sure, and otherwise leaves the look to be made in full: when a
 * file was added, removed or renamed; when phoenix.lock, the journal, the container or a file
 * with a system or delta block changed; when an edit touches what other components depend on (a
 * component's name, dependencies or owned globs, or a requirement a system check covers); when
 * the edited file has an error (the full look reports it); on another day, in another folder, or
 * with another build of phoenix. A component's plan reads only its own spec, its own lock entry
 * and its dependencies' interface hashes in phoenix.lock, which did not change: so the plans of
 * the others stand (memo.test.ts holds every answer equal to a full look's, over many edits).
 */
import { randomBytes } from "node:crypto";
import { closeSync, openSync, readdirSync, readFileSync, readSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, relative, resolve, sep } from "node:path";
import { checkSpecBytes, compareDiagnostics, hasErrors, type ComponentBlock, type Diagnostic } from "../../spec-lang/index.js";
import { withoutSystemCovered } from "../coverage.js";
import { comparePaths, type FileDrift } from "../drift/drift.js";
import { canonicalJson, sha256, systemChecksHash, type Hash } from "../hash.js";
import type { Component, Ir } from "../ir.js";
import type { ComponentState } from "../lock/schema.js";
import type { Observation } from "../observe.js";
import { planComponent, planOf, type ComponentPlan, type Plan } from "../plan.js";
import { componentOf } from "../resolve.js";
import type { JournalEntry } from "../build/journal.js";
import { isFailedBuild, openQuestions, statusRow, statusRows, type StatusRow } from "../status-board.js";
import { displayPath } from "../spec-files.js";
import { PROMPT_VERSION } from "../../generators/prompts.js";
import { codeIdentity } from "./code-identity.js";
import { isFollowableEdit } from "./edits.js";
import { MEMO_DIR } from "./memo.js";
import { inProject, stampOf, type Stamp, type Witness } from "./witness.js";

const PLAN_MEMO_VERSION = 2;
const PLAN_MEMO_FILE = join(MEMO_DIR, "plan.json");
const LOCK_TEXT_FILE = "phoenix.lock";

/** A sound look at a project without deltas, as kept. Paths are relative to the project, `/`-separated. */
interface PlanMemo {
  version: number;
  /** The folder it was asked from (diagnostics show paths relative to it), the day, the build of phoenix. */
  key: string;
  witness: Witness;
  /** null when there is no phoenix.lock. */
  lockSerial: number | null;
  /** Where each component's entry lies in phoenix.lock (byte offsets, the end excluded); null unless it is the text phoenix wrote. */
  lockEntries: Record<string, [number, number]> | null;
  system: Ir["system"];
  containerHash: Hash | null;
  root: string;
  container: string;
  /** Each spec file's components; null for one that cannot be redone alone. */
  specFiles: Record<string, string[] | null>;
  /** The warnings of each spec file that has any, from its own validation. */
  fileDiagnostics: Record<string, Diagnostic[]>;
  /** The warnings that needed the whole tree (the look was sound: no errors). */
  treeDiagnostics: Diagnostic[];
  /** Per component, a hash of what others depend on (see `shapeOf`). */
  shapes: Record<string, string>;
  /** Each owned file on disk and its owner. */
  owners: Record<string, string>;
  /** Every component of the plan, in its order. */
  order: string[];
  /** The plan of each component with something to do; the others have nothing to show. */
  stale: Record<string, ComponentPlan>;
  /** The status board, when the look that kept the memo made one (`phoenix status` does). */
  board: Board | null;
}

/** `phoenix status`'s rows in plan order, and what a redone row needs that no spec says. */
interface Board {
  rows: StatusRow[];
  /** Open questions' IDs, by component. */
  questions: Record<string, string[]>;
  /** Each component's last build in the journal, where it ended without getting green. */
  failedBuilds: Record<string, JournalEntry>;
}

/** A look made from the plan memo, as `phoenix diff` shows it. */
export interface Replanned {
  /** Components with nothing to do carry only their names and action (diff shows no more of them). */
  plan: Plan;
  diagnostics: Diagnostic[];
  lockSerial: number | undefined;
  /** The stamps this answer holds for. */
  witness: Witness;
  /** Keeps the memo moved on to this answer, when it followed enough edits to be worth rewriting. */
  keep: ((witness: Witness) => void) | undefined;
  /** The status board, when the memo holds one, and the system's name it is headed with. */
  rows: StatusRow[] | undefined;
  system: string;
}

/**
 * How to keep `seen` (a full look) as the plan memo, once its witness is made; undefined when it
 * cannot be kept. With `lastBuilds` (the journal's, as `phoenix status` reads it), the status
 * board is kept too.
 */
export function planKeeper(dir: string, cwd: string, seen: Observation, lastBuilds?: ReadonlyMap<string, JournalEntry>): ((witness: Witness) => void) | undefined {
  if (!seen.ok || seen.project.files.some((f) => f.blocks.some((b) => b.kind === "delta"))) return undefined;
  const memo = { ...memoOf(dir, cwd, seen), board: lastBuilds ? boardOf(seen, lastBuilds) : null };
  return (witness) => {
    const lockEntries = seen.lockExists && seen.lockAsWritten ? entryOffsets(dir) : null;
    writeMemo(dir, { ...memo, lockEntries, witness });
  };
}

function boardOf(seen: Extract<Observation, { ok: true }>, lastBuilds: ReadonlyMap<string, JournalEntry>): Board {
  return {
    rows: statusRows(seen.plan, seen.project.desired, seen.lock, lastBuilds),
    questions: Object.fromEntries(openQuestions(seen.lock)),
    failedBuilds: Object.fromEntries([...lastBuilds].filter(([, entry]) => isFailedBuild(entry))),
  };
}

function memoOf(dir: string, cwd: string, seen: Extract<Observation, { ok: true }>): Omit<PlanMemo, "witness" | "lockEntries" | "board"> {
  const { desired } = seen.project;
  const own = new Set(seen.project.fileDiagnostics ?? []);
  const treeDiagnostics = seen.diagnostics.filter((d) => !own.has(d));
  // a file with a warning of the whole tree cannot be redone alone: the warning's place may move
  const needsTree = new Set(treeDiagnostics.map((d) => d.span.file));
  const ownByFile = new Map<string, Diagnostic[]>();
  for (const d of seen.diagnostics) {
    if (!own.has(d)) continue;
    const list = ownByFile.get(d.span.file);
    if (list) list.push(d);
    else ownByFile.set(d.span.file, [d]);
  }
  const specFiles: PlanMemo["specFiles"] = {};
  const fileDiagnostics: PlanMemo["fileDiagnostics"] = {};
  for (const file of seen.project.files) {
    const path = fromProject(dir, cwd, file.path);
    const plain = file.blocks.every((b) => b.kind === "component") && !needsTree.has(file.path);
    specFiles[path] = plain ? file.blocks.map((b) => b.name.name) : null;
    const warnings = ownByFile.get(file.path);
    if (warnings) fileDiagnostics[path] = warnings;
  }
  const covered = systemCovered(desired);
  const root = fromProject(dir, dir, desired.system.root);
  const owners: Record<string, string> = {};
  for (const [component, files] of seen.owned) for (const path of files.keys()) owners[root === "." ? path : `${root}/${path}`] = component;
  return {
    version: PLAN_MEMO_VERSION,
    key: keyText(cwd),
    lockSerial: seen.lockExists ? seen.lock.serial : null,
    system: desired.system,
    containerHash: seen.seen.containerHash,
    root,
    container: fromProject(dir, dir, join(desired.system.root, desired.system.container)),
    specFiles,
    fileDiagnostics,
    treeDiagnostics,
    shapes: Object.fromEntries(desired.components.map((c) => [c.name, shapeOf(c, covered)])),
    owners,
    order: seen.plan.components.map((c) => c.name),
    stale: Object.fromEntries(seen.plan.components.filter((c) => c.action !== "none").map((c) => [c.name, c])),
  };
}

/**
 * What other components depend on: its name, dependencies (the graph, the build order) and owned
 * globs (who owns which file, overlaps), and which of its requirements a system check covers.
 * Everything else in a component's spec is its own concern.
 */
function shapeOf(component: Component, coveredBySystem: ReadonlySet<string>): string {
  return sha256(canonicalJson([
    component.name,
    component.dependsOn.map((d) => d.value).sort(),
    component.owns.map((o) => o.value),
    component.requirements.map((r) => r.id).filter((id) => coveredBySystem.has(id)).sort(),
  ])).slice(7, 39);
}

function systemCovered(ir: Pick<Ir, "system">): Set<string> {
  return new Set(ir.system.checks.flatMap((c) => c.covers));
}

/**
 * The look at `dir` made from the plan memo and what changed since (`seen`: stamps the replay
 * already took), or undefined when it must be made in full.
 */
export function replan(dir: string, cwd: string, seen: ReadonlyMap<string, string>): Replanned | undefined {
  try {
    return replanFrom(dir, cwd, seen);
  } catch {
    return undefined; // a cache written by hand or torn in a way JSON.parse let through: the full look answers
  }
}

function replanFrom(dir: string, cwd: string, seen: ReadonlyMap<string, string>): Replanned | undefined {
  const memo = readMemo(dir);
  if (!memo || memo.key !== keyText(cwd)) return undefined;
  const changes = changesSince(dir, memo, seen);
  if (!changes) return undefined;
  const redone = redo(dir, cwd, memo, changes);
  if (!redone) return undefined;
  const stale = { ...memo.stale };
  for (const [name, plan] of redone.plans) {
    if (plan.action === "none") delete stale[name];
    else stale[name] = plan;
  }
  const fileDiagnostics = { ...memo.fileDiagnostics, ...redone.fileDiagnostics };
  const diagnostics = [...memo.treeDiagnostics, ...Object.values(fileDiagnostics).flat()].sort(compareDiagnostics);
  const followed = changes.specFiles.length + changes.ownedFiles.length;
  const board = memo.board && { ...memo.board, rows: memo.board.rows.map((row) => redone.rows.get(row.name) ?? row) };
  return {
    plan: planOf(memo.order.map((name) => stale[name] ?? nothingToDo(name))),
    diagnostics,
    lockSerial: memo.lockSerial ?? undefined,
    witness: { stamps: changes.stamps },
    // following a few edits again costs less than rewriting the memo (megabytes at 10,000 components)
    keep: followed > REWRITE_AFTER ? (witness) => writeMemo(dir, { ...memo, fileDiagnostics, stale, board, witness }) : undefined,
    rows: board?.rows,
    system: memo.system.name,
  };
}

/** How many followed edits make the memo worth rewriting. */
const REWRITE_AFTER = 64;

function nothingToDo(name: string): ComponentPlan {
  return { name, action: "none", reasons: [], changes: [], drift: [], deltas: [] };
}

interface Changes {
  /** Every witnessed path with its stamp now. */
  stamps: Stamp[];
  specFiles: string[];
  ownedFiles: string[];
}

/** Which kept spec files and owned files changed; undefined after any change the memo cannot follow. */
function changesSince(dir: string, memo: PlanMemo, seen: ReadonlyMap<string, string>): Changes | undefined {
  const stamps: Stamp[] = [];
  const specFiles: string[] = [];
  const ownedFiles: string[] = [];
  const changedFolders: string[] = [];
  for (const [path, before] of memo.witness.stamps) {
    const now = seen.get(path) ?? stampOf(inProject(dir, path));
    stamps.push([path, now]);
    if (now === before) continue;
    if (before.startsWith("d ") && now.startsWith("d ")) changedFolders.push(path);
    else if (!isFollowableEdit(path, before, now)) return undefined;
    else if (Object.hasOwn(memo.specFiles, path)) {
      if (memo.specFiles[path] === null) return undefined;
      specFiles.push(path);
    } else if (Object.hasOwn(memo.owners, path)) ownedFiles.push(path);
    else if (!isUnder(path, "specs") && (!isUnder(path, memo.root) || isUnder(path, memo.container))) return undefined;
    // else a file that no spec and no plan reads: a README, notes beside the specs
  }
  return changedFolders.every((folder) => sameEntries(dir, folder, memo.witness)) ? { stamps, specFiles, ownedFiles } : undefined;
}

/** A folder whose stamp moved still holds the entries it was witnessed with (a file saved by rename moves it). */
function sameEntries(dir: string, folder: string, witnessed: Witness): boolean {
  const prefix = folder === "." ? "" : `${folder}/`;
  const kept = witnessed.stamps.map(([path]) => path).filter((path) => path.startsWith(prefix) && !path.slice(prefix.length).includes("/") && path !== folder);
  let now: string[];
  try {
    now = readdirSync(join(dir, folder)).filter((name) => !WITNESS_SKIPS.has(name)).map((name) => `${prefix}${name}`);
  } catch {
    return false;
  }
  const keptSet = new Set(kept);
  return now.length === keptSet.size && now.every((path) => keptSet.has(path));
}
const WITNESS_SKIPS = new Set([".git", "node_modules", ".phoenix"]);

interface Redone {
  plans: Map<string, ComponentPlan>;
  /** Their status rows, when the memo keeps a board. */
  rows: Map<string, StatusRow>;
  fileDiagnostics: PlanMemo["fileDiagnostics"];
}

/** The components the changes touch, planned again; undefined when an edit reaches beyond them. */
function redo(dir: string, cwd: string, memo: PlanMemo, changes: Changes): Redone | undefined {
  const fileOf = new Map(Object.entries(memo.specFiles).flatMap(([path, names]) => (names ?? []).map((name) => [name, path] as const)));
  const touched = new Set([...changes.specFiles, ...changes.ownedFiles.map((path) => fileOf.get(memo.owners[path]!))]);
  const fileDiagnostics: PlanMemo["fileDiagnostics"] = {};
  const components = new Map<string, Component>();
  const covered = systemCovered(memo);
  for (const path of touched) {
    const parsed = path === undefined ? undefined : parseAlone(dir, cwd, path, memo, covered);
    if (!parsed) return undefined;
    fileDiagnostics[path!] = parsed.diagnostics;
    for (const c of parsed.components) components.set(c.name, c);
  }
  // each one's own entry (absent when it was never built) and its dependencies', for their interface hashes
  const built = lockEntries(dir, memo, [...components.values()].flatMap((c) => [c.name, ...c.dependsOn.map((d) => d.value)]));
  if (!built) return undefined;
  const systemChecks = systemChecksHash(memo.system);
  const today = new Date().toISOString().slice(0, 10);
  const plans = new Map<string, ComponentPlan>();
  const rows = new Map<string, StatusRow>();
  for (const component of components.values()) {
    const { name } = component;
    const drift = driftNow(dir, memo, name, memo.stale[name]?.drift ?? [], changes.ownedFiles, built.get(name));
    const seen = { lock: { components: Object.fromEntries(built) }, containerHash: memo.containerHash, promptVersion: PROMPT_VERSION, drift: new Map([[name, drift]]), today };
    const plan = planComponent(component, memo, true, [], seen, systemChecks);
    plans.set(name, plan);
    if (memo.board) rows.set(name, statusRow(plan, component, built.get(name), memo.board.questions[name] ?? [], memo.board.failedBuilds[name]));
  }
  return { plans, rows, fileDiagnostics };
}

/** A kept spec file, parsed again: its components, when it is clean and they keep their shape. */
function parseAlone(dir: string, cwd: string, path: string, memo: PlanMemo, covered: ReadonlySet<string>): { components: Component[]; diagnostics: Diagnostic[] } | undefined {
  const kept = memo.specFiles[path];
  if (!kept) return undefined;
  let bytes: Buffer;
  try {
    bytes = readFileSync(join(dir, path));
  } catch {
    return undefined;
  }
  const result = checkSpecBytes(bytes, displayPath(join(dir, path), cwd));
  if (hasErrors(result.diagnostics) || !result.ast.blocks.every((b) => b.kind === "component")) return undefined;
  const components = (result.ast.blocks as ComponentBlock[]).map(componentOf);
  const before = new Set(kept);
  if (components.length !== before.size || components.some((c) => !before.has(c.name) || memo.shapes[c.name] !== shapeOf(c, covered))) return undefined;
  return { components, diagnostics: withoutSystemCovered(result.diagnostics, { base: { system: memo.system, components } }) };
}

/** The lock entries of `names` that phoenix.lock has, read where the memo found them; undefined when they cannot be. */
function lockEntries(dir: string, memo: PlanMemo, names: readonly string[]): Map<string, ComponentState> | undefined {
  const out = new Map<string, ComponentState>();
  if (memo.lockSerial === null) return out; // nothing was ever built
  if (memo.lockEntries === null) return undefined;
  const wanted = [...new Set(names)].filter((name) => Object.hasOwn(memo.lockEntries!, name));
  let fd: number | undefined;
  try {
    fd = openSync(join(dir, LOCK_TEXT_FILE), "r");
    for (const name of wanted) {
      const [start, end] = memo.lockEntries[name]!;
      const slice = Buffer.alloc(end - start);
      if (readSync(fd, slice, 0, slice.length, start) !== slice.length) return undefined;
      out.set(name, JSON.parse(slice.toString("utf8")) as ComponentState);
    }
    return out;
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Where each component's entry lies in phoenix.lock as phoenix writes it (keys sorted, two
 * spaces a level): "components" first, each entry's key on a line of its own four spaces in, its
 * value ending at the next line with a brace four spaces in. Null for text laid out otherwise.
 */
function entryOffsets(dir: string): PlanMemo["lockEntries"] {
  let text: Buffer;
  try {
    text = readFileSync(join(dir, LOCK_TEXT_FILE));
  } catch {
    return null;
  }
  const opening = Buffer.from('{\n  "components": {\n');
  if (!text.subarray(0, opening.length).equals(opening)) return null;
  const out: Record<string, [number, number]> = {};
  let at = opening.length;
  while (text.subarray(at, at + 5).toString() === '    "') {
    const keyEnd = text.indexOf('": {\n', at);
    const end = text.indexOf("\n    }", keyEnd);
    if (keyEnd < 0 || end < 0) return null;
    out[JSON.parse(text.subarray(at + 4, keyEnd + 1).toString("utf8")) as string] = [keyEnd + 3, end + 6];
    at = end + 6;
    if (text[at] !== 0x2c) break; // the last entry has no comma after it
    at += 2;
  }
  return text.subarray(at, at + 4).toString() === "\n  }" ? out : null;
}

/** `name`'s drift with its changed owned files hashed again (a component never built has none). */
function driftNow(dir: string, memo: PlanMemo, name: string, kept: readonly FileDrift[], changed: readonly string[], built: ComponentState | undefined): FileDrift[] {
  const mine = changed.filter((path) => memo.owners[path] === name);
  if (!built || mine.length === 0) return [...kept];
  const prefix = memo.root === "." ? "" : `${memo.root}/`;
  const relativeToRoot = new Set(mine.map((path) => path.slice(prefix.length)));
  const drift = kept.filter((d) => !relativeToRoot.has(d.path));
  const outputs = new Map(Object.entries(built.outputs) as [string, Hash][]);
  for (const path of relativeToRoot) {
    const actual = sha256(readFileSync(join(dir, prefix + path)));
    const expected = outputs.get(path);
    if (expected === undefined) drift.push({ path, change: "added", actual });
    else if (expected !== actual) drift.push({ path, change: "modified", expected, actual });
  }
  return drift.sort((a, b) => comparePaths(a.path, b.path));
}

function readMemo(dir: string): PlanMemo | undefined {
  try {
    const memo = JSON.parse(readFileSync(join(dir, PLAN_MEMO_FILE), "utf8")) as PlanMemo;
    return memo.version === PLAN_MEMO_VERSION ? memo : undefined;
  } catch {
    return undefined;
  }
}

/** Written whole or not at all; never fails (a memo that cannot be written is only a slower next look). */
function writeMemo(dir: string, memo: PlanMemo): void {
  const path = join(dir, PLAN_MEMO_FILE);
  const temp = `${path}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`;
  try {
    writeFileSync(temp, JSON.stringify(memo));
    renameSync(temp, path);
  } catch {
    rmSync(temp, { force: true });
  }
}

function keyText(cwd: string): string {
  return JSON.stringify({ cwd, today: new Date().toISOString().slice(0, 10), code: codeIdentity() });
}

/** `path` (as given, relative to `base`) relative to the project, `/`-separated; "." for the project itself. */
function fromProject(dir: string, base: string, path: string): string {
  return relative(dir, resolve(base, path)).split(sep).join("/") || ".";
}

function isUnder(path: string, folder: string): boolean {
  return folder === "." || path === folder || path.startsWith(`${folder}/`);
}
