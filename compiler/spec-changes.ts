/**
 * What changed between the spec a component was built from (the lock's snapshot) and the spec
 * it has now, at the level people reason about: requirements, checks, decisions, dependencies,
 * owned globs, interface and description. Pure.
 */
import type { SpecSnapshot } from "./lock/schema.js";

type Snapshot = SpecSnapshot;
type CheckSnapshot = Snapshot["checks"][number];

export type ChangeKind = "added" | "removed" | "changed";

/** One line of a diff: what kind of thing, its name, and how it read before and after. */
export interface SpecChange {
  subject: "requirement" | "check" | "decision" | "dependency" | "owns" | "interface" | "description";
  name: string;
  change: ChangeKind;
  before?: string;
  after?: string;
}

/** Every difference, in a stable order: by subject, then name. */
export function specChanges(before: Snapshot | undefined, after: Snapshot | undefined): SpecChange[] {
  const empty: Snapshot = { name: "", owns: [], dependsOn: [], requirements: [], checks: [], decisions: [] };
  const [b, a] = [before ?? empty, after ?? empty];
  return [
    ...compareNamed("requirement", b.requirements, a.requirements, (r) => r.id, requirementLine),
    ...compareNamed("check", b.checks, a.checks, (c) => c.name, checkLine),
    ...compareNamed("decision", b.decisions, a.decisions, (d) => d.id, (d) => `${quote(d.question)} answer ${quote(d.answer)}`),
    ...compareNamed("dependency", b.dependsOn, a.dependsOn, (d) => d, (d) => d),
    ...compareNamed("owns", b.owns, a.owns, (o) => o, quote),
    ...compareValue("interface", b.interface, a.interface),
    ...compareValue("description", b.description, a.description),
  ];
}

function compareNamed<T>(subject: SpecChange["subject"], before: readonly T[], after: readonly T[], key: (t: T) => string, line: (t: T) => string): SpecChange[] {
  const old = new Map(before.map((t) => [key(t), line(t)]));
  const now = new Map(after.map((t) => [key(t), line(t)]));
  const names = [...new Set([...old.keys(), ...now.keys()])].sort();
  return names.flatMap((name): SpecChange[] => {
    const [was, is] = [old.get(name), now.get(name)];
    if (was === is) return [];
    const change: ChangeKind = was === undefined ? "added" : is === undefined ? "removed" : "changed";
    return [{ subject, name, change, before: was, after: is }];
  });
}

function compareValue(subject: SpecChange["subject"], before: string | undefined, after: string | undefined): SpecChange[] {
  if (before === after) return [];
  const change: ChangeKind = before === undefined ? "added" : after === undefined ? "removed" : "changed";
  return [{ subject, name: subject, change, before: before === undefined ? undefined : quote(before), after: after === undefined ? undefined : quote(after) }];
}

/** `MUST "text" because "reason"`, as the spec would say it. */
function requirementLine(r: Snapshot["requirements"][number]): string {
  return `${r.level} ${quote(r.text)}${r.because === undefined ? "" : ` because ${quote(r.because)}`}`;
}

/** A check on one line: its kind line, then its options. */
export function checkLine(c: CheckSnapshot): string {
  const options = [
    ...c.expect.map((e) => `expect ${e.metric}${e.comparison ? ` ${e.comparison} ${duration(e.value)}` : ` ${e.value}`}`),
    c.timeoutMs === undefined ? "" : `timeout ${duration(c.timeoutMs)}`,
    c.network === undefined ? "" : `network ${c.network}`,
    c.samples === undefined ? "" : `samples ${c.samples}`,
    c.votes === undefined ? "" : `votes ${c.votes}`,
    c.covers.length === 0 ? "" : `covers ${c.covers.join(", ")}`,
    c.advisory ? "advisory" : "",
  ].filter((o) => o !== "");
  return [`${c.kind} ${quote(c.subject)}`, ...options].join(" ");
}

/** `2m`, `30s`, `250ms`: the largest unit that divides the value, as a spec would write it. */
export function duration(ms: number): string {
  for (const [unit, size] of [["h", 3_600_000], ["m", 60_000], ["s", 1000]] as const) {
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  }
  return `${ms}ms`;
}

function quote(text: string): string {
  return JSON.stringify(text);
}
