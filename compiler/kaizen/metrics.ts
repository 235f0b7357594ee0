/**
 * Kaizen from measured data: what the journal says about how well the factory works. Pure.
 *
 * Definitions (the report prints these figures; docs/architecture.md repeats them):
 * - a *build* of a component is its attempts in one `phoenix build` run, ended by a final entry;
 *   cancelled builds are left out;
 * - first-pass yield: builds green on attempt 1, over builds;
 * - mean attempts: the attempt that ended each build, averaged;
 * - lead time: from the start of the first attempt after the component's previous green build
 *   (so failed builds in between count) to the end of the green attempt;
 * - failures by check: attempts in which the check did not pass (`component.check`, `system.check`);
 * - refusals: changes the guard refused; questions: builds that ended with a question;
 * - overrides: rejections and adopted hand edits (from the human events);
 * - tokens where the agent reported them; cost when prices are given.
 */
import type { HumanEvent, JournalEntry } from "../build/journal.js";

export interface Metrics {
  builds: number;
  green: number;
  firstPassGreen: number;
  /** null when there are no builds. */
  firstPassYield: number | null;
  meanAttempts: number | null;
  leadTime: { count: number; meanMs: number | null; medianMs: number | null };
  failuresByCheck: Record<string, number>;
  refusals: number;
  questions: number;
  rejections: number;
  adoptions: number;
  tokens: { input: number; output: number };
  /** In dollars, when prices per million tokens are known. */
  cost: number | null;
}

export type Recommendation = "promote" | "demote" | "keep";

export interface Trust {
  autonomy: "supervised" | "autonomous";
  recommendation: Recommendation;
  why: string;
}

export interface TrendPoint {
  day: string;
  builds: number;
  firstPassYield: number;
  meanAttempts: number;
}

export interface Report {
  schema: "phoenix.report/1";
  since: string | null;
  overall: Metrics;
  components: Record<string, Metrics & { trust?: Trust }>;
  trend: TrendPoint[];
}

export interface ReportOptions {
  /** Only journal lines at or after this time (ISO date or time). */
  since?: string;
  /** Each component's autonomy in the specs now (for trust recommendations). */
  autonomy?: Readonly<Record<string, "supervised" | "autonomous">>;
  /** Consecutive first-pass-green builds that earn a recommendation for autonomy. */
  trustStreak?: number;
  /** Dollars per million input and output tokens. */
  prices?: { input: number; output: number };
}

export const DEFAULT_TRUST_STREAK = 5;

/** Outcomes that end a build as a defect (a question is not one: asking is the right thing to do). */
const FAILED = new Set(["failed", "no-progress", "refused", "agent-error"]);

/** One component's build: its attempts in one run. */
export interface NodeBuild {
  node: string;
  attempts: JournalEntry[];
  final: JournalEntry;
  startMs: number;
  endMs: number;
}

const time = (iso: string) => Date.parse(iso);
const startOf = (e: JournalEntry) => time(e.at) - e.durationMs;

/** Ended builds in the order they started. */
export function nodeBuilds(entries: readonly JournalEntry[]): NodeBuild[] {
  const groups = new Map<string, JournalEntry[]>();
  for (const e of entries) {
    const key = `${e.build}\0${e.node}`;
    groups.set(key, [...(groups.get(key) ?? []), e]);
  }
  const builds: NodeBuild[] = [];
  for (const attempts of groups.values()) {
    const final = attempts.find((a) => a.final);
    if (!final || final.outcome === "cancelled") continue;
    const sorted = [...attempts].sort((a, b) => a.attempt - b.attempt);
    builds.push({ node: final.node, attempts: sorted, final, startMs: Math.min(...sorted.map(startOf)), endMs: time(final.at) });
  }
  return builds.sort((a, b) => a.startMs - b.startMs || (a.node < b.node ? -1 : 1));
}

export function computeReport(entries: readonly JournalEntry[], events: readonly HumanEvent[], options: ReportOptions = {}): Report {
  const since = options.since ? time(options.since) : undefined;
  const inWindow = <T extends { at: string }>(items: readonly T[]) => (since === undefined ? [...items] : items.filter((i) => time(i.at) >= since));
  const kept = inWindow(entries);
  const keptEvents = inWindow(events);
  const builds = nodeBuilds(kept);
  const names = [...new Set([...builds.map((b) => b.node), ...keptEvents.map((e) => e.node)])].sort();
  const components = Object.fromEntries(names.map((name) => {
    const own = builds.filter((b) => b.node === name);
    const metrics = metricsOf(own, kept.filter((e) => e.node === name), keptEvents.filter((e) => e.node === name), options.prices);
    const autonomy = options.autonomy?.[name];
    return [name, { ...metrics, ...(autonomy && { trust: trustOf(own, events.filter((e) => e.node === name), autonomy, options.trustStreak ?? DEFAULT_TRUST_STREAK) }) }];
  }));
  return {
    schema: "phoenix.report/1",
    since: options.since ?? null,
    overall: metricsOf(builds, kept, keptEvents, options.prices),
    components,
    trend: trendOf(builds),
  };
}

function metricsOf(builds: readonly NodeBuild[], entries: readonly JournalEntry[], events: readonly HumanEvent[], prices: ReportOptions["prices"]): Metrics {
  const green = builds.filter((b) => b.final.outcome === "green");
  const firstPassGreen = green.filter((b) => b.final.attempt === 1).length;
  const leadTimes = leadTimesOf(builds);
  const failuresByCheck: Record<string, number> = {};
  for (const e of entries) {
    for (const c of e.checks) {
      if (c.verdict === "pass") continue;
      const key = `${c.owner === "system" ? "system" : e.node}.${c.check}`;
      failuresByCheck[key] = (failuresByCheck[key] ?? 0) + 1;
    }
  }
  const tokens = entries.reduce((sum, e) => ({ input: sum.input + (e.tokens?.input ?? 0), output: sum.output + (e.tokens?.output ?? 0) }), { input: 0, output: 0 });
  return {
    builds: builds.length,
    green: green.length,
    firstPassGreen,
    firstPassYield: builds.length === 0 ? null : firstPassGreen / builds.length,
    meanAttempts: builds.length === 0 ? null : builds.reduce((sum, b) => sum + b.final.attempt, 0) / builds.length,
    leadTime: { count: leadTimes.length, meanMs: mean(leadTimes), medianMs: median(leadTimes) },
    failuresByCheck: Object.fromEntries(Object.entries(failuresByCheck).sort(([a], [b]) => (a < b ? -1 : 1))),
    refusals: entries.reduce((sum, e) => sum + e.refused.length, 0),
    questions: builds.filter((b) => b.final.outcome === "question").length,
    rejections: events.filter((e) => e.event === "reject").length,
    adoptions: events.filter((e) => e.event === "adopt").length,
    tokens,
    cost: prices ? (tokens.input * prices.input + tokens.output * prices.output) / 1_000_000 : null,
  };
}

/** Per component, from the first attempt after its previous green to its next green. */
function leadTimesOf(builds: readonly NodeBuild[]): number[] {
  const staleSince = new Map<string, number>();
  const out: number[] = [];
  for (const b of builds) {
    if (!staleSince.has(b.node)) staleSince.set(b.node, b.startMs);
    if (b.final.outcome === "green") {
      out.push(b.endMs - staleSince.get(b.node)!);
      staleSince.delete(b.node);
    }
  }
  return out;
}

/**
 * Autonomy is earned: a supervised component with `streak` first-pass-green builds in a row (the
 * latest ones) and no rejection since is recommended for autonomous; an autonomous one with a
 * rejection, or two failed builds, among its last five is recommended back to supervised.
 */
export function trustOf(builds: readonly NodeBuild[], events: readonly HumanEvent[], autonomy: Trust["autonomy"], streak: number): Trust {
  const rejections = events.filter((e) => e.event === "reject").map((e) => time(e.at));
  let run = 0;
  for (const b of [...builds].reverse()) {
    if (b.final.outcome !== "green" || b.final.attempt !== 1) break;
    run++;
  }
  const runStart = run > 0 ? builds[builds.length - run]!.startMs : Infinity;
  const rejectedInRun = rejections.some((t) => t >= runStart);
  const lastFive = builds.slice(-5);
  const failedInFive = lastFive.filter((b) => FAILED.has(b.final.outcome)).length;
  const rejectedInFive = lastFive.length > 0 && rejections.some((t) => t >= lastFive[0]!.startMs);
  if (autonomy === "supervised") {
    if (run >= streak && !rejectedInRun) return { autonomy, recommendation: "promote", why: `${run} first-pass-green builds in a row and no rejection: recommend \`autonomy autonomous\`` };
    return { autonomy, recommendation: "keep", why: `${run} of ${streak} first-pass-green builds in a row${rejectedInRun ? ", and a rejection among them" : ""}` };
  }
  if (rejectedInFive || failedInFive >= 2) {
    const reasons = [...(rejectedInFive ? ["a rejection"] : []), ...(failedInFive >= 2 ? [`${failedInFive} failed builds`] : [])].join(" and ");
    return { autonomy, recommendation: "demote", why: `${reasons} in its last ${lastFive.length} builds: recommend \`autonomy supervised\`` };
  }
  return { autonomy, recommendation: "keep", why: `${failedInFive} failed of its last ${lastFive.length} builds, no rejection` };
}

/** First-pass yield and mean attempts per day (UTC), for the charts. */
function trendOf(builds: readonly NodeBuild[]): TrendPoint[] {
  const days = new Map<string, NodeBuild[]>();
  for (const b of builds) {
    const day = new Date(b.endMs).toISOString().slice(0, 10);
    days.set(day, [...(days.get(day) ?? []), b]);
  }
  return [...days].sort(([a], [b]) => (a < b ? -1 : 1)).map(([day, list]) => ({
    day,
    builds: list.length,
    firstPassYield: list.filter((b) => b.final.outcome === "green" && b.final.attempt === 1).length / list.length,
    meanAttempts: list.reduce((sum, b) => sum + b.final.attempt, 0) / list.length,
  }));
}

function mean(values: readonly number[]): number | null {
  return values.length === 0 ? null : values.reduce((a, b) => a + b, 0) / values.length;
}

function median(values: readonly number[]): number | null {
  if (values.length === 0) return null;
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}
