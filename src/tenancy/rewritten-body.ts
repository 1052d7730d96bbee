/**
 * A body the gateway rewrites (tenancy's owner labels, pinned references and limits, a guard's
 * amendments) is held to `limits.bodyBytes` like the body the client sent. Only the incoming
 * body was: a tenant's 4 MB legacy create with 130 000 anonymous volume mounts became a 27.8 MB
 * body (each mount copied into HostConfig and labelled), 2.35 s of gateway CPU on the event loop.
 */
import type { JsonValue } from '../core/types.js';
import { GatewayError } from '../http/gateway-error.js';
import { serialiseBody } from './label-overlay.js';

/** The refusal of a body the gateway's own rewrite made larger than `limit` bytes (413). */
export function rewrittenBodyTooLarge(method: string, limit: number): GatewayError {
  return new GatewayError(
    'body-too-large',
    `dockgate: refused ${method} request: the body as the gateway rewrote it (owner labels, pinned references, limits, policy amendments) would exceed the ${limit}-byte inspection limit (limits.bodyBytes); send a smaller body`,
    'rewritten-body-too-large',
  );
}

/**
 * The bytes `labels`' entries take wherever they are serialised (`"k":"v"` and the commas
 * between): what setting them adds to a body at least, where none of the keys was there.
 */
export function labelEntriesBytes(labels: Record<string, string>): number {
  const entries = Object.entries(labels);
  return entries.reduce((sum, [k, v]) => sum + JSON.stringify(k).length + 1 + JSON.stringify(v).length, Math.max(0, entries.length - 1));
}

/**
 * Refuse (throws rewrittenBodyTooLarge) a rewrite that will add at least `added` bytes when
 * that alone is over `limit` (undefined: no limit), before any of it is done.
 */
export function refuseAdding(added: number, method: string, limit: number | undefined): void {
  if (limit !== undefined && added > limit) throw rewrittenBodyTooLarge(method, limit);
}

/** `body` when it is at most `limit` bytes; else throws rewrittenBodyTooLarge. */
export function heldToLimit(body: Buffer, method: string, limit: number): Buffer {
  if (body.length > limit) throw rewrittenBodyTooLarge(method, limit);
  return body;
}

/**
 * Serialise a rewritten body for the daemon, refusing it (throws rewrittenBodyTooLarge) when
 * over `limit` bytes (undefined: no limit). The string's length is checked before it is
 * encoded: each UTF-16 unit JSON.stringify writes is at least one byte, so a body far over
 * the limit is never encoded. A create's labels overlay is written as the merged map
 * (serialiseBody, label-overlay.ts).
 */
export function serialiseWithin(value: JsonValue, method: string, limit: number | undefined): Buffer {
  const text = serialiseBody(value);
  if (limit !== undefined && text.length > limit) throw rewrittenBodyTooLarge(method, limit);
  return limit === undefined ? Buffer.from(text) : heldToLimit(Buffer.from(text), method, limit);
}
