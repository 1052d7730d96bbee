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

/** A FIFO of whole-line chunks. */
export class LineQueue {
  private chunks: Buffer[] = [];
  private total = 0;

  /** Bytes queued. */
  get length(): number {
    return this.total;
  }

  /** The oldest chunk, or undefined when empty. */
  first(): Buffer | undefined {
    return this.chunks[0];
  }

  /** Every chunk, oldest first (not to be changed). */
  all(): readonly Buffer[] {
    return this.chunks;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  unshift(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.unshift(chunk);
    this.total += chunk.length;
  }

  /** Remove the oldest chunk (all of it was written). */
  shift(): Buffer | undefined {
    const chunk = this.chunks.shift();
    if (chunk) this.total -= chunk.length;
    return chunk;
  }

  /**
   * Drop the oldest chunk's first `bytes` (written, or given up), keeping the rest of it. The
   * rest is copied only once it is under half the memory it holds on to, so the written part
   * is freed without a copy per partial write.
   */
  dropFirstBytes(bytes: number): void {
    const chunk = this.chunks[0];
    if (!chunk || bytes <= 0) return;
    let rest = chunk.subarray(Math.min(bytes, chunk.length));
    this.total -= chunk.length - rest.length;
    if (rest.length === 0) {
      this.chunks.shift();
      return;
    }
    if (rest.length < rest.buffer.byteLength / 2) rest = Buffer.from(rest);
    this.chunks[0] = rest;
  }

  /**
   * Drop the oldest whole lines until at most `max` bytes remain, leaving a leading bare
   * newline (a broken record's end, which must still be written) in place.
   */
  dropOldest(max: number): Dropped {
    const dropped: Dropped = { bytes: 0, records: 0 };
    const lead = this.chunks[0]?.length === 1 && this.chunks[0][0] === 10 ? this.shift() : undefined;
    const budget = Math.max(0, max - (lead ? 1 : 0));
    while (this.total > budget) {
      const chunk = this.chunks[0] as Buffer;
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
    this.total = 0;
  }
}
