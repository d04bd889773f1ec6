/**
 * An indexed binary min-heap of timer owners keyed by their earliest deadline
 * (design.md "Timers are stored deadlines"). Each item remembers its own slot,
 * so moving one peer's deadline costs O(log n) and Device.nextDeadline() is
 * O(1) — 10,000 peers never make a packet O(peers).
 * Items whose deadline is Infinity are not kept in the heap at all.
 */

import { objectArray } from '../util/object-array.js';

/** Something with a deadline that the heap can position in place. */
export interface HeapItem {
  /** Slot in the heap array, -1 when not in the heap. Owned by the heap. */
  heapIndex: number;
  /** Deadline the item is currently filed under (monotonic ms). Owned by the heap. */
  heapKey: number;
}

export class DeadlineHeap<T extends HeapItem> {
  // Born with object elements: a daemon's heap is new after the warm-up
  // optimised push() for one (util/object-array.ts).
  private readonly items: T[] = objectArray<T>();

  get size(): number {
    return this.items.length;
  }

  /** The item with the earliest deadline, or undefined. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Earliest deadline, or undefined when the heap is empty. */
  peekKey(): number | undefined {
    // Length first, not items[0] on an empty array: an out-of-bounds read
    // the daemon's warm-up never made threw away the optimised rearm at a
    // real daemon's first packet, which comes before any peer has a timer.
    return this.items.length === 0 ? undefined : this.items[0]!.heapKey;
  }

  /** Files `item` under `key`; Infinity removes it. */
  update(item: T, key: number): void {
    if (key === Infinity) {
      this.remove(item);
      return;
    }
    if (item.heapIndex < 0) {
      item.heapKey = key;
      item.heapIndex = this.items.length;
      this.items.push(item);
      this.siftUp(item.heapIndex);
      return;
    }
    const old = item.heapKey;
    if (old === key) return;
    item.heapKey = key;
    if (key < old) this.siftUp(item.heapIndex);
    else this.siftDown(item.heapIndex);
  }

  remove(item: T): void {
    const i = item.heapIndex;
    if (i < 0) return;
    const last = this.items.pop()!;
    item.heapIndex = -1;
    item.heapKey = Infinity;
    if (last === item) return;
    this.items[i] = last;
    last.heapIndex = i;
    this.siftUp(i);
    this.siftDown(last.heapIndex);
  }

  private siftUp(i: number): void {
    const items = this.items;
    const item = items[i]!;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      const p = items[parent]!;
      if (p.heapKey <= item.heapKey) break;
      items[i] = p;
      p.heapIndex = i;
      i = parent;
    }
    items[i] = item;
    item.heapIndex = i;
  }

  private siftDown(i: number): void {
    const items = this.items;
    const n = items.length;
    const item = items[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && items[r]!.heapKey < items[l]!.heapKey ? r : l;
      const child = items[c]!;
      if (child.heapKey >= item.heapKey) break;
      items[i] = child;
      child.heapIndex = i;
      i = c;
    }
    items[i] = item;
    item.heapIndex = i;
  }
}
