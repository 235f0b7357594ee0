/**
 * The nodes ready to build, taken in a fixed order (their position in the build's scope) so that
 * a build starts its nodes in the same order every time. A binary heap: at 10,000 nodes, keeping
 * a sorted list or sweeping every waiting node after each finished one is what made scheduling
 * cost more than building.
 */
export class ReadyQueue {
  private readonly heap: string[] = [];

  /** `rank`: each node's position; a lower one is taken first. */
  constructor(private readonly rank: ReadonlyMap<string, number>) {}

  get size(): number {
    return this.heap.length;
  }

  push(name: string): void {
    const heap = this.heap;
    heap.push(name);
    for (let i = heap.length - 1; i > 0;) {
      const parent = (i - 1) >> 1;
      if (this.before(heap[parent]!, heap[i]!)) break;
      [heap[parent], heap[i]] = [heap[i]!, heap[parent]!];
      i = parent;
    }
  }

  /** The first node in rank order, removed; undefined when none is ready. */
  shift(): string | undefined {
    const heap = this.heap;
    const first = heap[0];
    const last = heap.pop();
    if (heap.length === 0 || last === undefined) return first;
    heap[0] = last;
    for (let i = 0; ;) {
      const [left, right] = [2 * i + 1, 2 * i + 2];
      let least = i;
      if (left < heap.length && this.before(heap[left]!, heap[least]!)) least = left;
      if (right < heap.length && this.before(heap[right]!, heap[least]!)) least = right;
      if (least === i) return first;
      [heap[least], heap[i]] = [heap[i]!, heap[least]!];
      i = least;
    }
  }

  private before(a: string, b: string): boolean {
    return this.rank.get(a)! < this.rank.get(b)!;
  }
}
