/**
 * Which policy content the gateway last tried to load, so that one change is loaded once
 * (rev-config F6). A change followed by SIGHUP was read by both the file watch and the signal's
 * settle wait: two `policy loaded` lines (or two failures) and the reload counter +2. A load is
 * skipped only when the very same bytes were already tried after its trigger: by the watch, any
 * earlier try of them (what is in force, or the refusal, already reflects them); by SIGHUP, a
 * try made after the signal arrived (a SIGHUP on an unchanged file still reloads it).
 */
import { textDigest } from '../core/text-digest.js';

/** Load attempts of one policy file, in order. */
export class PolicyLoads {
  private count = 0;
  private last: { hash: string; at: number } | undefined;

  /** A mark for `alreadyTried`: tries after it count. The watch uses -1 (any try). */
  mark(): number {
    return this.count;
  }

  /** Record a try of `text` (undefined when the file could not be read: the next read must load). */
  tried(text: string | undefined): void {
    this.count++;
    this.last = text === undefined ? undefined : { hash: textDigest(text), at: this.count };
  }

  /** Whether `text` is what the newest try read, and that try came after `mark`. */
  alreadyTried(text: string, mark: number): boolean {
    return this.last !== undefined && this.last.at > mark && this.last.hash === textDigest(text);
  }
}
