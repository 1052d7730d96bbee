/**
 * A min-heap of entries by their deadline, each entry knowing its own place so that it can be
 * taken out in O(log n) when it is no longer waited for. What one process-wide timer needs to
 * look at the earliest of many deadlines (connection-expiry.ts) instead of a timer per entry.
 */

/** An entry of a DeadlineHeap: its deadline, and its index in the heap (-1 while not in one). */
export interface HeapEntry {
  readonly deadline: number;
  heapIndex: number;
}

/** Entries ordered by `deadline`, earliest first; ties in no particular order. */
export class DeadlineHeap<T extends HeapEntry> {
  private readonly items: T[] = [];

  /** How many entries the heap holds. */
  get size(): number {
    return this.items.length;
  }

  /** The entry with the earliest deadline, or undefined when empty. */
  peek(): T | undefined {
    return this.items[0];
  }

  /** Add `entry` (not in a heap yet). */
  push(entry: T): void {
    entry.heapIndex = this.items.length;
    this.items.push(entry);
    this.up(entry.heapIndex);
  }

  /** Take out and return the earliest entry, or undefined when empty. */
  pop(): T | undefined {
    const first = this.items[0];
    if (first) this.remove(first);
    return first;
  }

  /** Take `entry` out; false when it is not in this heap. */
  remove(entry: T): boolean {
    const i = entry.heapIndex;
    if (i < 0 || this.items[i] !== entry) return false;
    const last = this.items.pop() as T;
    entry.heapIndex = -1;
    if (last !== entry) {
      this.items[i] = last;
      last.heapIndex = i;
      this.down(i);
      this.up(last.heapIndex);
    }
    return true;
  }

  private at(i: number): T {
    return this.items[i] as T;
  }

  private up(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (this.at(parent).deadline <= this.at(i).deadline) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private down(i: number): void {
    const n = this.items.length;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let least = i;
      if (left < n && this.at(left).deadline < this.at(least).deadline) least = left;
      if (right < n && this.at(right).deadline < this.at(least).deadline) least = right;
      if (least === i) return;
      this.swap(i, least);
      i = least;
    }
  }

  private swap(a: number, b: number): void {
    const x = this.at(a);
    const y = this.at(b);
    this.items[a] = y;
    this.items[b] = x;
    y.heapIndex = a;
    x.heapIndex = b;
  }
}
