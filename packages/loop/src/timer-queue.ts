import type { LoopTimerHandle } from './handle.js';

function before(a: LoopTimerHandle, b: LoopTimerHandle): boolean {
  const wa = a.when();
  const wb = b.when();
  return wa < wb || (wa === wb && a.seq < b.seq);
}

/**
 * A binary min-heap of timers ordered by (when, scheduling order). Cancelled timers
 * stay in the heap and are skipped when popped (asyncio does the same).
 */
export class TimerQueue {
  readonly #heap: LoopTimerHandle[] = [];

  get size(): number {
    return this.#heap.length;
  }

  peek(): LoopTimerHandle | undefined {
    return this.#heap[0];
  }

  push(timer: LoopTimerHandle): void {
    const heap = this.#heap;
    heap.push(timer);
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!before(heap[i]!, heap[parent]!)) break;
      [heap[i], heap[parent]] = [heap[parent]!, heap[i]!];
      i = parent;
    }
  }

  pop(): LoopTimerHandle | undefined {
    const heap = this.#heap;
    const top = heap[0];
    const last = heap.pop();
    if (heap.length > 0 && last !== undefined) {
      heap[0] = last;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        const r = l + 1;
        let smallest = i;
        if (l < heap.length && before(heap[l]!, heap[smallest]!)) smallest = l;
        if (r < heap.length && before(heap[r]!, heap[smallest]!)) smallest = r;
        if (smallest === i) break;
        [heap[i], heap[smallest]] = [heap[smallest]!, heap[i]!];
        i = smallest;
      }
    }
    return top;
  }

  /** Drops cancelled timers and restores the heap order. */
  compact(): void {
    const live = this.#heap.filter((t) => !t.cancelled());
    this.#heap.length = 0;
    for (const t of live) this.push(t);
  }

  clear(): void {
    this.#heap.length = 0;
  }
}
