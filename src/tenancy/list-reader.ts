/**
 * Reading a daemon's list answer as it arrives, keeping only the items a look-up selects. A list
 * (`/images/json`, `/containers/json`, `/system/df`, `/volumes`) holds every tenant's objects
 * with all their labels: buffered whole, another tenant's megabytes of labels decided whether a
 * tenant's look-up fit under the answer cap, and made it slow (rev-dos F1). Here each item of
 * the list (of the top-level array, or of each array under a key of a top-level object) is
 * collected alone, decoded with JSON.parse (exact for what Go's encoding/json writes: valid
 * JSON), handed to `select`, and dropped unless kept: only kept items count against the cap.
 * An item being read counts against the cap alone (one over it fails the read, kept or not),
 * never on top of the kept ones, so what is held stays under twice the cap. Anything that is
 * not well-formed JSON throws (the look-up fails closed). Pure.
 */

/** What `select` returns to drop an item. */
export const DROP: unique symbol = Symbol('drop');

/**
 * Decides an item's fate: `key` is the top-level object key its array is under (undefined for a
 * top-level array), `item` the decoded item. Returns DROP, the item itself (counted at its
 * encoded size) or a smaller value to keep in its place (counted at its JSON size).
 */
export type ItemSelect = (key: string | undefined, item: unknown) => unknown;

/** Thrown for an answer the reader cannot read, or one whose kept part exceeds the cap. */
export class ListReadError extends Error {}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

type Mode = 'start' | 'scalar' | 'array-open' | 'array-item' | 'array-next' | 'object-open' | 'object-key' | 'object-next' | 'colon' | 'value' | 'done';

/** Collects the bytes of one JSON value (an item, a key, a top-level value) across chunks. */
class ValueScanner {
  parts: Buffer[] = [];
  size = 0;
  private depth = 0;
  private inString = false;
  private escaped = false;
  private started = false;
  private scalar = false;

  /** Where the last search of each byte in the current chunk found it (searched again only once passed). */
  private chunk: Buffer | undefined;
  private found = new Map<number, number>();

  /** The index of `byte` in `chunk` at or after `from`, or -1. */
  private next(chunk: Buffer, from: number, byte: number): number {
    if (chunk !== this.chunk) {
      this.chunk = chunk;
      this.found.clear();
    }
    const at = this.found.get(byte);
    if (at !== undefined && (at === -1 || at >= from)) return at;
    const i = chunk.indexOf(byte, from);
    this.found.set(byte, i);
    return i;
  }

  /**
   * Scan `chunk` from `from`; returns the index just past the value when it ends in this chunk
   * (the bytes up to it are collected), or -1 (all of it collected). A number or literal ends at
   * the first byte that cannot continue it, which is not part of it.
   */
  scan(chunk: Buffer, from: number): number {
    let i = from;
    let end = -1;
    while (i < chunk.length) {
      const c = chunk[i] as number;
      if (this.inString) {
        if (this.escaped) {
          this.escaped = false;
          i++;
          continue;
        }
        const q = this.next(chunk, i, QUOTE);
        const b = this.next(chunk, i, BACKSLASH);
        if (b !== -1 && (q === -1 || b < q)) {
          this.escaped = true;
          i = b + 1;
          continue;
        }
        if (q === -1) break;
        this.inString = false;
        i = q + 1;
        if (this.depth === 0) {
          end = i;
          break;
        }
        continue;
      }
      if (!this.started) {
        this.started = true;
        if (c === QUOTE) this.inString = true;
        else if (c === 0x7b || c === 0x5b) this.depth = 1;
        else this.scalar = true;
        i++;
        continue;
      }
      if (this.scalar) {
        if (c === 0x2c || c === 0x5d || c === 0x7d || WS.has(c)) {
          end = i;
          break;
        }
        i++;
        continue;
      }
      if (c === QUOTE) this.inString = true;
      else if (c === 0x7b || c === 0x5b) this.depth++;
      else if (c === 0x7d || c === 0x5d) {
        this.depth--;
        if (this.depth === 0) {
          end = i + 1;
          break;
        }
      }
      i++;
    }
    const stop = end === -1 ? chunk.length : end;
    if (stop > from) {
      this.parts.push(chunk.subarray(from, stop));
      this.size += stop - from;
    }
    return end;
  }

  /** The value's bytes, decoded. */
  decode(): unknown {
    const text = Buffer.concat(this.parts, this.size).toString('utf8');
    try {
      return JSON.parse(text) as unknown;
    } catch (err) {
      throw new ListReadError(`not JSON: ${(err as Error).message}`);
    }
  }
}

/** Reads one answer; feed it with push(), finish with end(). */
export class ListReader {
  private mode: Mode = 'start';
  private top: unknown[] | Record<string, unknown> | undefined;
  private key: string | undefined;
  /** The array items go to (top-level, or under `key`), while inside one. */
  private list: unknown[] | undefined;
  private value: ValueScanner | undefined;
  private kept = 0;
  private scalar: Buffer[] = [];

  constructor(
    private readonly select: ItemSelect,
    private readonly maxBytes: number,
  ) {}

  private fail(what: string): never {
    throw new ListReadError(what);
  }

  private count(n: number): void {
    this.kept += n;
    if (this.kept > this.maxBytes) this.fail(`its items kept exceed ${this.maxBytes} bytes`);
  }

  /** Feed the next bytes of the answer. */
  push(chunk: Buffer): void {
    let i = 0;
    while (i < chunk.length) {
      if (this.value) {
        const end = this.value.scan(chunk, i);
        // A list item in flight counts alone (it may be dropped: only a kept one adds to `kept`,
        // in finishValue), so the reader holds at most twice the cap; a key or top-level
        // member is always kept and counts on top of what is.
        const inFlight = this.pending === 'item' ? this.value.size : this.kept + this.value.size;
        if (inFlight > this.maxBytes) this.fail(this.pending === 'item' ? `one of its items exceeds ${this.maxBytes} bytes` : `its items kept exceed ${this.maxBytes} bytes`);
        if (end === -1) return;
        i = end;
        this.finishValue();
        continue;
      }
      const c = chunk[i] as number;
      if (this.mode === 'scalar') {
        this.scalar.push(chunk.subarray(i));
        this.count(chunk.length - i);
        return;
      }
      if (WS.has(c)) {
        i++;
        continue;
      }
      i = this.structural(c, i);
    }
  }

  /** Handle a byte between values; returns where to go on. */
  private structural(c: number, i: number): number {
    switch (this.mode) {
      case 'start':
        if (c === 0x5b) {
          this.top = [];
          this.list = this.top;
          this.mode = 'array-open';
          return i + 1;
        }
        if (c === 0x7b) {
          this.top = {};
          this.mode = 'object-open';
          return i + 1;
        }
        this.mode = 'scalar';
        return i;
      case 'array-open':
      case 'array-next':
        if (c === 0x5d) {
          this.list = undefined;
          this.mode = Array.isArray(this.top) ? 'done' : 'object-next';
          return i + 1;
        }
        if (this.mode === 'array-next') {
          if (c !== 0x2c) this.fail(`unexpected byte ${c} in a list`);
          this.mode = 'array-item';
          return i + 1;
        }
        this.startValue('item');
        return i;
      case 'array-item':
        this.startValue('item');
        return i;
      case 'object-open':
      case 'object-next':
        if (c === 0x7d) {
          this.mode = 'done';
          return i + 1;
        }
        if (this.mode === 'object-next') {
          if (c !== 0x2c) this.fail(`unexpected byte ${c} in an object`);
          this.mode = 'object-key';
          return i + 1;
        }
        if (c !== QUOTE) this.fail(`unexpected byte ${c} for a key`);
        this.startValue('key');
        return i;
      case 'object-key':
        if (c !== QUOTE) this.fail(`unexpected byte ${c} for a key`);
        this.startValue('key');
        return i;
      case 'colon':
        if (c !== 0x3a) this.fail(`unexpected byte ${c} after a key`);
        this.mode = 'value';
        return i + 1;
      case 'value':
        if (c === 0x5b) {
          const list: unknown[] = [];
          (this.top as Record<string, unknown>)[this.key as string] = list;
          this.list = list;
          this.mode = 'array-open';
          return i + 1;
        }
        this.startValue('member');
        return i;
      default:
        return this.fail(`unexpected byte ${c} after the answer`);
    }
  }

  private pending: 'item' | 'key' | 'member' = 'item';

  private startValue(kind: 'item' | 'key' | 'member'): void {
    this.pending = kind;
    this.value = new ValueScanner();
  }

  private finishValue(): void {
    const scanner = this.value as ValueScanner;
    this.value = undefined;
    const decoded = scanner.decode();
    if (this.pending === 'key') {
      if (typeof decoded !== 'string') this.fail('a key is not a string');
      this.key = decoded;
      this.mode = 'colon';
      return;
    }
    if (this.pending === 'member') {
      (this.top as Record<string, unknown>)[this.key as string] = decoded;
      this.count(scanner.size + (this.key?.length ?? 0) + 4);
      this.mode = 'object-next';
      return;
    }
    this.mode = 'array-next';
    const key = Array.isArray(this.top) ? undefined : this.key;
    const kept = this.select(key, decoded);
    if (kept === DROP) return;
    this.count(kept === decoded ? scanner.size + 1 : (JSON.stringify(kept)?.length ?? 0) + 1);
    (this.list as unknown[]).push(kept);
  }

  /** The answer has ended: the document with only the kept items (undefined for an empty answer). */
  end(): unknown {
    if (this.value) this.fail('it ends inside a value');
    if (this.mode === 'start') return undefined;
    if (this.mode === 'scalar') {
      try {
        return JSON.parse(Buffer.concat(this.scalar).toString('utf8')) as unknown;
      } catch (err) {
        return this.fail(`not JSON: ${(err as Error).message}`);
      }
    }
    if (this.mode !== 'done') this.fail('it ends before the list does');
    return this.top;
  }
}

/** Read a whole answer held in `chunks` (tests, fakes): the document with only the kept items. */
export function readList(chunks: readonly Buffer[], select: ItemSelect, maxBytes: number): unknown {
  const reader = new ListReader(select, maxBytes);
  for (const c of chunks) reader.push(c);
  return reader.end();
}
