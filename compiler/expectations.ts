/**
 * Probe expectations against what was observed: `status 200`, `p95 < 240ms`. Pure: the build,
 * verify, observe and the plan (an unmet expectation makes a component stale) all judge the same way.
 */
import type { Expectation } from "./ir.js";
import { duration } from "./spec-changes.js";

/** What a probe saw, as phoenix.lock records it (milliseconds). */
export interface ObservedValues {
  status: number;
  p50: number;
  p95: number;
  max: number;
}

/** Whether what was observed meets one expectation (latency metrics: p50, p95, max; others read as p95). */
export function meets(e: Expectation, observed: ObservedValues, statuses?: readonly number[]): boolean {
  if (e.metric === "status") return statuses ? statuses.every((s) => s === e.value) : observed.status === e.value;
  const value = e.metric === "p50" ? observed.p50 : e.metric === "max" ? observed.max : observed.p95;
  return e.comparison === "<=" ? value <= e.value : value < e.value;
}

/** "p95 observed 340ms, desired < 240ms". */
export function unmetMessage(e: Expectation, observed: ObservedValues): string {
  if (e.metric === "status") return `status observed ${observed.status}, desired ${e.value}`;
  const value = e.metric === "p50" ? observed.p50 : e.metric === "max" ? observed.max : observed.p95;
  return `${e.metric} observed ${ms(value)}, desired ${e.comparison ?? "<"} ${duration(e.value)}`;
}

/** `3.2ms`, `340ms`. */
export function ms(value: number): string {
  return `${value < 10 ? value.toFixed(1) : Math.round(value)}ms`;
}
