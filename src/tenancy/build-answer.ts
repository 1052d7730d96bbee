/**
 * What a BuildKit build's answer stream says about its result, read as it passes through the
 * gateway (build-result-check.ts). dockerd 20.10 writes the stream as JSON messages, one a line
 * (`\r\n` after each): BuildKit's progress as `{"id":"moby.buildkit.trace","aux":"<base64>"}`,
 * the image it exported, once the solve (export and naming included) is over, as
 * `{"id":"moby.image.id","aux":{"ID":"sha256:<hex>"}}` (only for the `moby` exporter: none with
 * `outputs` `local`, `tar` or `cacheonly`), and a failure as
 * `{"errorDetail":{"message":...},"error":...}`. With `q` true (`docker build -q`: dockerd's
 * SuppressOutput) all of that goes to a buffer dockerd drops when the build succeeds (and
 * writes before the error when it fails); the stream then holds only the image ID, written by
 * dockerd itself once the build (and tagging) is over, as a stream line
 * `{"stream":"sha256:<hex>\n"}` (`fmt.Fprintln` of the ID through its stdout formatter), read
 * only in that mode (`quiet`). Only dockerd writes these lines: what a frontend or a `RUN`
 * step prints travels base64-encoded inside the trace messages. Pure.
 */
import { isObject } from '../facts/go-fold.js';
import type { JsonValue } from '../core/types.js';
import { ownershipOf } from './labels.js';

/** What the stream said so far. */
export interface BuildAnswerFacts {
  /**
   * Every image ID (`sha256:<64 hex>`) the stream named, each once, in order: from the
   * `moby.image.id` messages (or, quiet, the ID line). More than one with `squash` (on a daemon
   * with `--experimental`): the image BuildKit exported, then the squashed one the tags go to.
   */
  imageIds: string[];
  /** The stream carried an error message (dockerd's: the build failed). */
  failed: boolean;
}

/** Lines longer than this are not kept whole (trace messages): the ones read here are short. */
const LONGEST_READ_LINE = 64 * 1024;

const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** The ID line of a quiet build, as dockerd writes it: the ID and a newline in `stream`. */
const QUIET_ID_LINE = /^sha256:[0-9a-f]{64}\n$/;

/**
 * Reads a build's answer stream piece by piece; `facts()` at any point, the end included.
 * `quiet`: the build's `q` is true as dockerd reads it, so the image ID comes as a stream line.
 */
export class BuildAnswerReader {
  private partial: Buffer[] = [];
  private partialLength = 0;
  /** The current line is over LONGEST_READ_LINE: skipped up to its end. */
  private skipping = false;
  private readonly found: BuildAnswerFacts = { imageIds: [], failed: false };

  constructor(private readonly quiet = false) {}

  /** Take the next piece of the answer's body. */
  push(chunk: Buffer): void {
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl < 0) {
        this.keep(chunk.subarray(start));
        return;
      }
      this.keep(chunk.subarray(start, nl));
      this.endLine();
      start = nl + 1;
    }
  }

  /** What the stream said; a last line without its newline is read too. */
  facts(): BuildAnswerFacts {
    if (this.partialLength > 0 || this.skipping) this.endLine();
    return { ...this.found, imageIds: [...this.found.imageIds] };
  }

  private keep(piece: Buffer): void {
    if (this.skipping || piece.length === 0) return;
    if (this.partialLength + piece.length > LONGEST_READ_LINE) {
      this.skipping = true;
      this.partial = [];
      this.partialLength = 0;
      return;
    }
    this.partial.push(piece);
    this.partialLength += piece.length;
  }

  private endLine(): void {
    const skipped = this.skipping;
    const line = Buffer.concat(this.partial).toString('utf8');
    this.partial = [];
    this.partialLength = 0;
    this.skipping = false;
    if (!skipped) readLine(line, this.found, this.quiet);
  }
}

/** Read one message into `found`: an image ID (`quiet`: also from an ID stream line), an error. */
export function readLine(line: string, found: BuildAnswerFacts, quiet = false): void {
  const text = line.trim();
  if (text === '' || !(text.includes('moby.image.id') || text.includes('error') || (quiet && text.includes('"stream"')))) return;
  let message: JsonValue;
  try {
    message = JSON.parse(text) as JsonValue;
  } catch {
    return;
  }
  if (!isObject(message)) return;
  if ((message.error !== undefined && message.error !== null && message.error !== '') || isObject(message.errorDetail)) found.failed = true;
  if (message.id === 'moby.image.id' && isObject(message.aux)) {
    const id = message.aux.ID;
    if (typeof id === 'string' && IMAGE_ID.test(id)) named(found, id);
  }
  if (quiet && typeof message.stream === 'string' && QUIET_ID_LINE.test(message.stream)) named(found, message.stream.slice(0, -1));
}

/** Add `id` to the IDs named (once). */
function named(found: BuildAnswerFacts, id: string): void {
  if (!found.imageIds.includes(id)) found.imageIds.push(id);
}

/** Read a whole answer (for tests and small answers). */
export function readBuildAnswer(body: Buffer | string, quiet = false): BuildAnswerFacts {
  const reader = new BuildAnswerReader(quiet);
  reader.push(typeof body === 'string' ? Buffer.from(body) : body);
  return reader.facts();
}

/**
 * Whether an image's labels (its `Config.Labels`) make it exactly `owner`'s, of `team`: the
 * owner label is `owner`, and the team label is `team` (empty or absent when `team` is
 * undefined), as a tenant's build sets them (`ownerLabels`).
 */
export function labelledFor(labels: JsonValue | undefined, owner: string, team: string | undefined): boolean {
  const o = ownershipOf(labels);
  return o.owner === owner && o.team === team;
}

/** `dockgate.owner="carol", dockgate.team="data"` (or `no dockgate.owner label`) for a message. */
export function shownOwnerLabels(labels: JsonValue | undefined): string {
  const read = (key: string): string => {
    const v = isObject(labels) ? labels[key] : undefined;
    return typeof v === 'string' ? `${key}=${JSON.stringify(v)}` : `no ${key} label`;
  };
  return `${read('dockgate.owner')}, ${read('dockgate.team')}`;
}
