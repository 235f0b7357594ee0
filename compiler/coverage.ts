/**
 * Which checks cover which requirements, across the whole tree. One file's validation checks
 * a component's own checks against its own requirements; what it cannot see is done here: the
 * system's checks, which may cover a requirement of any component, and the desired state once
 * the deltas are folded in. Pure.
 */
import { diagnostic, didYouMean, itemsOfKind, MUST_LEVELS, type DeltaBlock, type Diagnostic, type Span } from "../spec-lang/index.js";
import type { DesiredState } from "./deltas.js";
import { componentNamed, type Check, type Component, type Ir, type Requirement } from "./ir.js";

/** Every coverage problem of the tree that one file cannot show. */
export function coverageProblems(base: Ir, folded: DesiredState, deltaBlocks: readonly DeltaBlock[]): Diagnostic[] {
  const modified = modifiedComponents(base, folded);
  const bySystem = systemCoveredIds(folded.desired);
  return [
    ...systemCoversProblems(base, folded),
    ...coversAfterDeltas(modified),
    ...uncoveredAfterDeltas(modified, deltaBlocks, bySystem),
  ];
}

/**
 * One file cannot see the system block, so it warns about a MUST its component's checks leave
 * uncovered even when a system check covers it; with the whole tree resolved, those warnings go.
 */
export function withoutSystemCovered(diagnostics: readonly Diagnostic[], tree: { base?: Ir; desired?: Ir }): Diagnostic[] {
  const covered = new Set<string>();
  for (const ir of [tree.base, tree.desired]) {
    if (!ir) continue;
    const ids = systemCoveredIds(ir);
    for (const r of ir.components.flatMap((c) => c.requirements)) if (ids.has(r.id)) covered.add(spanKey(r.at));
  }
  return diagnostics.filter((d) => d.code !== "uncovered-requirement" || !covered.has(spanKey(d.span)));
}

/** IDs are per component, so a system check that covers `X-1` covers it in every component that has it. */
function systemCoveredIds(ir: Ir): Set<string> {
  return new Set(ir.system.checks.flatMap((c) => c.covers));
}

function spanKey(span: Span): string {
  return `${span.file}\0${span.offset}`;
}

/**
 * A system check's `covers` must name a requirement of some component, in the desired state: a
 * delta that removes the requirement leaves the check covering nothing.
 */
function systemCoversProblems(base: Ir, folded: DesiredState): Diagnostic[] {
  const ids = [...new Set(folded.desired.components.flatMap((c) => c.requirements.map((r) => r.id)))];
  return folded.desired.system.checks.flatMap((check) => check.covers.filter((id) => !ids.includes(id)).map((id) => {
    const removedBy = [...new Set(base.components
      .filter((c) => c.requirements.some((r) => r.id === id))
      .flatMap((c) => folded.changedBy.get(c.name) ?? []))];
    const hint = removedBy.length > 0 ? onceFoldedIn(removedBy) : didYouMean(id, ids);
    return unknownCovered(check, id, `no component has a requirement ${id}`, hint);
  }));
}

function unknownCovered(check: Check, id: string, absence: string, hint: string): Diagnostic {
  return diagnostic("unknown-covered-requirement", check.at, { check: check.name, id, absence, hint });
}

/** A base component as the deltas left it. */
interface ModifiedComponent {
  before: Component;
  after: Component;
  /** The deltas folded into it. */
  deltas: string[];
}

/**
 * The base components the deltas changed. Components a delta adds were validated whole in their
 * file, so only these need their coverage checked again once the deltas fold in.
 */
function modifiedComponents(base: Ir, folded: DesiredState): ModifiedComponent[] {
  return folded.desired.components.flatMap((after) => {
    const before = componentNamed(base, after.name);
    const deltas = folded.changedBy.get(after.name);
    return before && deltas ? [{ before, after, deltas }] : [];
  });
}

/** ` once delta d is folded in`, the hint that says a problem exists only in the desired state. */
function onceFoldedIn(deltas: readonly string[]): string {
  return ` once ${deltas.length === 1 ? `delta ${deltas[0]} is` : `deltas ${deltas.join(", ")} are`} folded in`;
}

/**
 * A delta can leave a check covering a requirement that is gone (it removed the requirement) or
 * never existed (its new check names a typo). One file's validation cannot see that: only the
 * folded component shows it.
 */
function coversAfterDeltas(modified: readonly ModifiedComponent[]): Diagnostic[] {
  return modified.flatMap(({ after, deltas }) => {
    const ids = after.requirements.map((r) => r.id);
    return after.checks.flatMap((check) => check.covers.filter((id) => !ids.includes(id)).map((id) =>
      unknownCovered(check, id, `component '${after.name}' has no requirement ${id}`, onceFoldedIn(deltas))));
  });
}

/**
 * A MUST that no check covers once the deltas fold in: a delta added it without a check, or
 * took away the check that covered it. It is reported where the delta says so (the requirement
 * it wrote, or its `modify`); one the base specs already leave uncovered was reported there.
 */
function uncoveredAfterDeltas(modified: readonly ModifiedComponent[], deltaBlocks: readonly DeltaBlock[], bySystem: ReadonlySet<string>): Diagnostic[] {
  return modified.flatMap(({ before, after, deltas }) => {
    const reportedInBase = new Set(uncoveredMusts(before, bySystem).map((r) => r.id));
    return uncoveredMusts(after, bySystem).filter((r) => !reportedInBase.has(r.id)).map((r) => {
      const writtenByDelta = !before.requirements.some((b) => spanKey(b.at) === spanKey(r.at));
      const at = writtenByDelta ? r.at : modifySpan(deltaBlocks, deltas, after.name) ?? r.at;
      return diagnostic("uncovered-requirement", at, { id: r.id, level: r.level, hint: onceFoldedIn(deltas) });
    });
  });
}

function uncoveredMusts(component: Component, bySystem: ReadonlySet<string>): Requirement[] {
  const covered = new Set(component.checks.flatMap((c) => c.covers));
  return component.requirements.filter((r) => MUST_LEVELS.has(r.level) && !covered.has(r.id) && !bySystem.has(r.id));
}

/** Where the first of `deltas` modifies `component`. */
function modifySpan(deltaBlocks: readonly DeltaBlock[], deltas: readonly string[], component: string): Span | undefined {
  const modify = deltaBlocks.filter((d) => deltas.includes(d.name.name))
    .flatMap((d) => itemsOfKind(d.items, "modify")).find((m) => m.component.name === component);
  return modify?.span;
}
