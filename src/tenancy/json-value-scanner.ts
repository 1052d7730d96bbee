/**
 * The byte scanner of the list reader (list-reader.ts): collects the bytes of one JSON value
 * across the chunks of an answer, for JSON.parse. Pure.
 */
import { ListReadError } from './list-read-error.js';

/** `"` */
export const QUOTE = 0x22;
const BACKSLASH = 0x5c;
/** JSON whitespace: space, tab, LF, CR. */
export const WS = new Set([0x20, 0x09, 0x0a, 0x0d]);

/** Collects the bytes of one JSON value (an item, a key, a top-level value) across chunks. */
export class ValueScanner {
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
