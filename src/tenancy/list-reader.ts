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
import { QUOTE, ValueScanner, WS } from './json-value-scanner.js';
import { ListReadError } from './list-read-error.js';

/** What `select` returns to drop an item. */
export const DROP: unique symbol = Symbol('drop');

/**
 * Decides an item's fate: `key` is the top-level object key its array is under (undefined for a
 * top-level array), `item` the decoded item. Returns DROP, the item itself (counted at its
 * encoded size) or a smaller value to keep in its place (counted at its JSON size).
 */
export type ItemSelect = (key: string | undefined, item: unknown) => unknown;

/** The reader's error (list-read-error.ts), where its users import it from. */
export { ListReadError } from './list-read-error.js';

type Mode = 'start' | 'scalar' | 'array-open' | 'array-item' | 'array-next' | 'object-open' | 'object-key' | 'object-next' | 'colon' | 'value' | 'done';

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
