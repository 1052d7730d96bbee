/**
 * The audit log's backlog: bytes a destination refused, kept as the chunks they were written
 * in, each a run of whole lines (the first may be the bare newline that ends a broken record).
 * Nothing is copied per retry: a destination that takes 64 KiB a time (a pipe whose reader is
 * slow) used to cost a copy of the whole backlog per write, up to 64 MiB every 10 ms.
 */

/** Records in `buf`: its non-empty lines (an empty one is the newline that ends a broken record). */
export function countRecords(buf: Buffer): number {
  let records = 0;
  for (let start = 0; start < buf.length; ) {
    const end = buf.indexOf(10, start);
    const stop = end < 0 ? buf.length : end + 1;
    if (stop - start > 1) records += 1;
    start = stop;
  }
  return records;
}

/** What {@link LineQueue.dropOldest} dropped. */
export interface Dropped {
  bytes: number;
  records: number;
}

/** Chunks under this size are merged into the newest one while a backlog is held. */
const MERGE_BYTES = 64 * 1024;

/**
 * A FIFO of whole-line chunks. While it holds a backlog, small chunks (one per retry of a
 * slow destination) are merged into the newest, in buffers of their own: thousands of
 * 450-byte chunks made draining quadratic (Array#shift) and each held a slice of Node's 8 KiB
 * buffer pool alive, memory the cap did not count.
 */
export class LineQueue {
  private chunks: Buffer[] = [];
  /** Index of the oldest chunk in `chunks` (removing from the front is O(1)). */
  private head = 0;
  private total = 0;

  /** Bytes queued. */
  get length(): number {
    return this.total;
  }

  /** The oldest chunk, or undefined when empty. */
  first(): Buffer | undefined {
    return this.chunks[this.head];
  }

  /** Every chunk, oldest first (not to be changed). */
  all(): readonly Buffer[] {
    return this.chunks.slice(this.head);
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.total += chunk.length;
    const last = this.chunks.length > this.head ? this.chunks[this.chunks.length - 1] : undefined;
    if (last === undefined) {
      // The usual case, nothing held: written at once, no copy.
      this.chunks.push(chunk);
      return;
    }
    // Not into the bare newline that ends a broken record: it must stay a line of its own.
    if (last.length + chunk.length <= MERGE_BYTES && !(last.length === 1 && last[0] === 10)) {
      // Appending keeps every byte offset into `last` (a partial write's) where it was.
      const merged = Buffer.allocUnsafeSlow(last.length + chunk.length);
      last.copy(merged, 0);
      chunk.copy(merged, last.length);
      this.chunks[this.chunks.length - 1] = merged;
      return;
    }
    this.chunks.push(chunk.length < MERGE_BYTES ? copyOut(chunk) : chunk);
  }

  unshift(chunk: Buffer): void {
    if (chunk.length === 0) return;
    if (this.head > 0) this.chunks[--this.head] = chunk;
    else this.chunks.unshift(chunk);
    this.total += chunk.length;
  }

  /** Remove the oldest chunk (all of it was written). */
  shift(): Buffer | undefined {
    if (this.head >= this.chunks.length) return undefined;
    const chunk = this.chunks[this.head] as Buffer;
    this.chunks[this.head] = EMPTY;
    this.head += 1;
    this.total -= chunk.length;
    if (this.head === this.chunks.length) {
      this.chunks = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
    return chunk;
  }

  /**
   * Drop the oldest chunk's first `bytes` (written, or given up), keeping the rest of it. The
   * rest is copied only once it is under half the memory it holds on to, so the written part
   * is freed without a copy per partial write.
   */
  dropFirstBytes(bytes: number): void {
    const chunk = this.first();
    if (!chunk || bytes <= 0) return;
    let rest = chunk.subarray(Math.min(bytes, chunk.length));
    if (rest.length === 0) {
      this.shift();
      return;
    }
    this.total -= chunk.length - rest.length;
    if (rest.length < rest.buffer.byteLength / 2) rest = copyOut(rest);
    this.chunks[this.head] = rest;
  }

  /**
   * Drop the oldest whole lines until at most `max` bytes remain, leaving a leading bare
   * newline (a broken record's end, which must still be written) in place.
   */
  dropOldest(max: number): Dropped {
    const dropped: Dropped = { bytes: 0, records: 0 };
    const oldest = this.first();
    const lead = oldest?.length === 1 && oldest[0] === 10 ? this.shift() : undefined;
    const budget = Math.max(0, max - (lead ? 1 : 0));
    while (this.total > budget) {
      const chunk = this.first() as Buffer;
      const need = this.total - budget;
      // The first line end at or after the bytes that must go: the cut falls on a line start.
      const end = need >= chunk.length ? -1 : chunk.indexOf(10, need - 1);
      const cut = end < 0 ? chunk.length : end + 1;
      dropped.bytes += cut;
      dropped.records += countRecords(chunk.subarray(0, cut));
      this.dropFirstBytes(cut);
    }
    if (lead) this.unshift(lead);
    return dropped;
  }

  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.total = 0;
  }
}

const EMPTY = Buffer.alloc(0);

/** A copy in memory of its own (not a slice of Node's shared pool, nor of a larger buffer). */
function copyOut(b: Buffer): Buffer {
  const out = Buffer.allocUnsafeSlow(b.length);
  b.copy(out, 0);
  return out;
}
