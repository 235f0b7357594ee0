/**
 * The ratchet: what counts as weakening the checks, comparing a base (the specs, phoenix.lock and
 * protected files at a git ref) with now. Checks only get stronger unless a person signs off
 * (`phoenix allow-weakening`). Pure: both sides come in as data.
 *
 * Each finding names its rule, the exact place (file:line now, or at the base for what was
 * removed), and a fingerprint that a sign-off records, so a sign-off covers exactly the findings
 * it listed and nothing that appears later.
 */
import { canonicalJson, sha256 } from "../hash.js";
import type { Check, Ir, Requirement } from "../ir.js";
import { duration } from "../spec-changes.js";

export type WeakeningRule =
  | "check-removed" | "check-command-changed" | "probe-expectation-loosened" | "rubric-changed" | "timeout-loosened"
  | "threshold-loosened" | "advisory-added" | "requirement-lowered" | "requirement-removed"
  | "protection-removed" | "protected-file-deleted" | "protected-file-modified" | "test-disabled" | "test-cases-reduced" | "coverage-lowered";

export interface Finding {
  rule: WeakeningRule;
  /** A component's name, or `system`. */
  component: string;
  /** The check, requirement or file the finding is about. */
  subject: string;
  /** Where to look: a spec or test file (relative to the project), line and column from 1. */
  file: string;
  line: number;
  column: number;
  message: string;
  fingerprint: string;
}

/** One side of the comparison. */
export interface RatchetSide {
  ir: Ir;
  /** Protected files (path relative to the root -> text). */
  protectedFiles: ReadonlyMap<string, string>;
  /** Recorded coverage by `component.check` (percent). */
  coverage: ReadonlyMap<string, number>;
}

export function findWeakenings(base: RatchetSide, now: RatchetSide, baseLabel: string): Finding[] {
  return [
    ...specFindings(base.ir, now.ir, baseLabel),
    ...protectedFindings(base.protectedFiles, now.protectedFiles, now.ir.system.root, baseLabel),
    ...coverageFindings(base.coverage, now.coverage, now.ir),
  ];
}

function finding(rule: WeakeningRule, component: string, subject: string, place: { file: string; line: number; column: number }, message: string, change: unknown): Finding {
  return { rule, component, subject, ...place, message, fingerprint: sha256(canonicalJson({ rule, component, subject, change })) };
}

// ---- specs ----

interface OwnedChecks { owner: string; checks: readonly Check[] }

function checkOwners(ir: Ir): OwnedChecks[] {
  return [{ owner: "system", checks: ir.system.checks }, ...ir.components.map((c) => ({ owner: c.name, checks: c.checks }))];
}

function specFindings(base: Ir, now: Ir, baseLabel: string): Finding[] {
  const out: Finding[] = [];
  const nowChecks = new Map(checkOwners(now).map((o) => [o.owner, new Map(o.checks.map((c) => [c.name, c]))]));
  for (const { owner, checks } of checkOwners(base)) {
    for (const before of checks) {
      const after = nowChecks.get(owner)?.get(before.name);
      if (!after) {
        out.push(finding("check-removed", owner, before.name, at(before.at), `check ${before.name} of ${owner} was removed (it was at line ${before.at.line} in ${baseLabel})`, checkShape(before)));
        continue;
      }
      out.push(...checkFindings(owner, before, after));
    }
  }
  for (const glob of base.system.protect.filter((g) => !now.system.protect.includes(g))) {
    out.push(finding("protection-removed", "system", glob, at(now.system.at), `protect "${glob}" was removed from the system: agents could change those files`, glob));
  }
  const nowComponents = new Map(now.components.map((c) => [c.name, c]));
  for (const component of base.components) {
    const current = nowComponents.get(component.name);
    for (const before of component.requirements) {
      const after = current?.requirements.find((r) => r.id === before.id);
      if (!after) {
        out.push(finding("requirement-removed", component.name, before.id, at(before.at), `requirement ${before.id} ${before.level} of ${component.name} was removed (it was at line ${before.at.line} in ${baseLabel})`, requirementShape(before)));
      } else if (strength(after.level) < strength(before.level)) {
        out.push(finding("requirement-lowered", component.name, before.id, at(after.at), `requirement ${before.id} of ${component.name} was lowered from ${before.level} to ${after.level}`, [before.level, after.level]));
      }
    }
  }
  return out;
}

function checkFindings(owner: string, before: Check, after: Check): Finding[] {
  const out: Finding[] = [];
  const place = at(after.at);
  const add = (rule: WeakeningRule, message: string, change: unknown) => out.push(finding(rule, owner, before.name, place, `check ${before.name} of ${owner}: ${message}`, change));
  if (before.kind !== after.kind || before.subject !== after.subject) {
    const rule: WeakeningRule = before.kind === "run" && after.kind === "run" ? "check-command-changed" : before.kind === "probe" && after.kind === "probe" ? "probe-expectation-loosened" : "rubric-changed";
    add(rule, `its ${before.kind === after.kind ? kindWord(before.kind) : "kind"} changed from ${JSON.stringify(`${before.kind} ${before.subject}`)} to ${JSON.stringify(`${after.kind} ${after.subject}`)}`, [before.kind, before.subject, after.kind, after.subject]);
  }
  if (after.timeoutMs !== undefined && (before.timeoutMs === undefined || after.timeoutMs > before.timeoutMs) && before.timeoutMs !== after.timeoutMs) {
    add("timeout-loosened", `its timeout went from ${before.timeoutMs === undefined ? "the default" : duration(before.timeoutMs)} to ${duration(after.timeoutMs)}`, [before.timeoutMs ?? null, after.timeoutMs]);
  } else if (before.timeoutMs !== undefined && after.timeoutMs === undefined) {
    add("timeout-loosened", `its timeout of ${duration(before.timeoutMs)} was removed (the default is longer)`, [before.timeoutMs, null]);
  }
  if (!before.advisory && after.advisory) add("advisory-added", "it was made advisory: it no longer blocks", "advisory");
  for (const expectation of before.expect) {
    const current = after.expect.find((e) => e.metric === expectation.metric);
    if (!current) add("probe-expectation-loosened", `its expectation on ${expectation.metric} was removed`, [expectation, null]);
    else if (loosened(expectation, current)) add("probe-expectation-loosened", `its ${expectation.metric} expectation went from ${describe(expectation)} to ${describe(current)}`, [expectation, current]);
  }
  for (const [field, label] of [["samples", "samples"], ["votes", "votes"]] as const) {
    const was = before[field];
    const is = after[field];
    if (was !== undefined && (is === undefined || is < was)) add("threshold-loosened", `its ${label} went from ${was} to ${is ?? "the default"}`, [field, was, is ?? null]);
  }
  const uncovered = before.covers.filter((id) => !after.covers.includes(id));
  if (uncovered.length > 0) add("threshold-loosened", `it no longer covers ${uncovered.join(", ")}`, ["covers", uncovered]);
  return out;
}

function kindWord(kind: Check["kind"]): string {
  return kind === "run" ? "command" : kind === "probe" ? "request" : kind === "judge" ? "rubric" : "question for a person";
}

/** `p95 < 240ms` to `p95 < 340ms` is looser; `status 200` to `status 500` is a change, counted too. */
function loosened(before: Check["expect"][number], after: Check["expect"][number]): boolean {
  if (before.comparison === undefined || after.comparison === undefined) return before.value !== after.value || before.comparison !== after.comparison;
  if (after.value !== before.value) return after.value > before.value;
  return before.comparison === "<" && after.comparison === "<=";
}

function describe(e: Check["expect"][number]): string {
  return e.comparison ? `${e.metric} ${e.comparison} ${duration(e.value)}` : `${e.metric} ${e.value}`;
}

const STRENGTH: Record<Requirement["level"], number> = {
  MUST: 3, "MUST NOT": 3, REQUIRED: 3, SHALL: 3, "SHALL NOT": 3, SHOULD: 2, "SHOULD NOT": 2, RECOMMENDED: 2, MAY: 1, "MAY NOT": 1, OPTIONAL: 1,
};

function strength(level: Requirement["level"]): number {
  return STRENGTH[level];
}

function at(span: { file: string; line: number; column: number }): { file: string; line: number; column: number } {
  return { file: span.file, line: span.line, column: span.column };
}

function checkShape(c: Check): unknown {
  const { at: _, ...rest } = c;
  return rest;
}

function requirementShape(r: Requirement): unknown {
  const { at: _, ...rest } = r;
  return rest;
}

// ---- protected files ----

/** `.skip`, `.only`, `xit`, `xdescribe`, `xtest`, `test.todo`, `it.skip`, `describe.skip`, `{ skip: true }`: ways to stop a test from counting. */
const DISABLING = /\b(?:(?:it|test|describe|suite)\.(?:skip|only|todo)|xit|xdescribe|xtest)\b|\.skip\s*\(|\{\s*skip\s*:\s*true|\{\s*todo\s*:\s*true/g;
/** A test case: `it(`, `test(`, or node:test's `t.test(`. */
const TEST_CASE = /(?<![.\w])(?:it|test)\s*\(|\bt\.test\s*\(/g;

function protectedFindings(base: ReadonlyMap<string, string>, now: ReadonlyMap<string, string>, root: string, baseLabel: string): Finding[] {
  const out: Finding[] = [];
  const shown = (path: string) => (root === "." ? path : `${root}/${path}`);
  for (const [path, before] of base) {
    const after = now.get(path);
    const file = shown(path);
    if (after === undefined) {
      out.push(finding("protected-file-deleted", "system", path, { file, line: 1, column: 1 }, `protected file ${file} was deleted (it exists in ${baseLabel})`, sha256(before)));
      continue;
    }
    if (after === before) continue;
    const line = firstDifferentLine(before, after);
    out.push(finding("protected-file-modified", "system", path, { file, line, column: 1 }, `protected file ${file} was changed (first at line ${line})`, [sha256(before), sha256(after)]));
    for (const added of addedMatches(before, after, DISABLING)) {
      out.push(finding("test-disabled", "system", path, { file, line: added.line, column: added.column }, `${file}:${added.line}: \`${added.text}\` takes a test out of the run`, [added.text, added.nth]));
    }
    const [was, is] = [count(before, TEST_CASE), count(after, TEST_CASE)];
    if (is < was) out.push(finding("test-cases-reduced", "system", path, { file, line: 1, column: 1 }, `${file} has ${is} test case${is === 1 ? "" : "s"}, ${was} in ${baseLabel}`, [was, is]));
  }
  return out;
}

/**
 * What a change to a protected file would weaken, in the ratchet's words, for the agent whose
 * change the guard refuses: tests disabled, test cases removed, the file deleted.
 */
export function protectedChangeNotes(before: string | undefined, after: string | undefined): string[] {
  if (before === undefined) return [];
  if (after === undefined) return ["protected-file-deleted: the file would be gone"];
  const notes = addedMatches(before, after, DISABLING).map((m) => `test-disabled: \`${m.text}\` at line ${m.line} takes a test out of the run`);
  const [was, is] = [count(before, TEST_CASE), count(after, TEST_CASE)];
  if (is < was) notes.push(`test-cases-reduced: ${is} test case${is === 1 ? "" : "s"} instead of ${was}`);
  return notes;
}

function firstDifferentLine(before: string, after: string): number {
  const a = before.split("\n");
  const b = after.split("\n");
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  return i + 1;
}

function count(text: string, pattern: RegExp): number {
  return [...text.matchAll(pattern)].length;
}

/** Occurrences of `pattern` in `after` beyond those in `before` (by text), with their places. */
function addedMatches(before: string, after: string, pattern: RegExp): { text: string; line: number; column: number; nth: number }[] {
  const seen = new Map<string, number>();
  for (const m of before.matchAll(pattern)) seen.set(m[0], (seen.get(m[0]) ?? 0) + 1);
  const out: { text: string; line: number; column: number; nth: number }[] = [];
  const used = new Map<string, number>();
  for (const m of after.matchAll(pattern)) {
    const n = (used.get(m[0]) ?? 0) + 1;
    used.set(m[0], n);
    if (n <= (seen.get(m[0]) ?? 0)) continue;
    const prefix = after.slice(0, m.index);
    const line = prefix.split("\n").length;
    out.push({ text: m[0].trim(), line, column: m.index! - prefix.lastIndexOf("\n"), nth: n });
  }
  return out;
}

// ---- coverage ----

function coverageFindings(base: ReadonlyMap<string, number>, now: ReadonlyMap<string, number>, ir: Ir): Finding[] {
  const out: Finding[] = [];
  for (const [key, was] of base) {
    const is = now.get(key);
    if (is === undefined || is >= was) continue;
    const [component, check] = key.split(".") as [string, string];
    const owner = component === "system" ? ir.system : ir.components.find((c) => c.name === component);
    const span = owner?.checks.find((c) => c.name === check)?.at ?? ir.system.at;
    out.push(finding("coverage-lowered", component, check, at(span), `check ${check} of ${component}: coverage fell from ${was}% to ${is}%`, [was, is]));
  }
  return out;
}
