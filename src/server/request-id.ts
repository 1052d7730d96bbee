/**
 * Request ids: a random per-process prefix and a counter, cheap enough for the hot path and
 * unique across restarts.
 */
import { randomBytes } from 'node:crypto';

const prefix = randomBytes(4).toString('hex');
let counter = 0;

/** A new request id such as `3f9a0c1e-42`. */
export function nextRequestId(): string {
  counter += 1;
  return `${prefix}-${counter.toString(36)}`;
}
