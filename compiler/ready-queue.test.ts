import { describe, expect, it } from "vitest";
import { seededRandom } from "../fixtures/random.js";
import { ReadyQueue } from "./ready-queue.js";

describe("ReadyQueue", () => {
  it("gives the ready nodes back in rank order, whatever order they became ready in", () => {
    const names = Array.from({ length: 500 }, (_, i) => `n${i}`);
    const next = seededRandom(7);
    const shuffled = [...names].sort(() => next() - 0.5);
    const queue = new ReadyQueue(new Map(names.map((n, i) => [n, i])));
    const out: string[] = [];
    // interleave pushes and shifts, as a build does
    shuffled.forEach((name, i) => {
      queue.push(name);
      if (i % 3 === 2) out.push(queue.shift()!);
    });
    while (queue.size > 0) out.push(queue.shift()!);
    expect(out).toHaveLength(500);
    expect(new Set(out).size).toBe(500);
    // after the interleaved part, the rest came out sorted
    const rest = out.slice(Math.floor(500 / 3));
    expect(rest).toEqual([...rest].sort((a, b) => Number(a.slice(1)) - Number(b.slice(1))));
    expect(queue.shift()).toBeUndefined();
  });
});
