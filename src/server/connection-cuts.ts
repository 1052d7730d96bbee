/**
 * Connections the gateway itself cut, and why: a revoked certificate, a CA no longer in
 * `tls.ca`, a certificate of the chain that expired, the end of the shutdown's grace period.
 * The connection is marked before it is destroyed, so every exchange still open on it, which
 * reports only later (from its 'close' events), finds the reason when its record is written (the audit record's `endedBy`).
 */
import type { Duplex } from 'node:stream';
import type { EndedBy } from '../core/observer.js';

const cuts = new WeakMap<Duplex, EndedBy>();

/**
 * Destroy `socket` as the gateway's own doing, for `reason`. A connection already gone (the
 * client left, or an earlier cut) keeps what it had: the first reason stands.
 */
export function cutConnection(socket: Duplex, reason: EndedBy): void {
  if (!socket.destroyed && !cuts.has(socket)) cuts.set(socket, reason);
  socket.destroy();
}

/** Why the gateway cut `socket`, or undefined when it did not (it is open, or the client left). */
export function cutReason(socket: Duplex): EndedBy | undefined {
  return cuts.get(socket);
}

/** The record's reason for a request or upgrade whose connection the gateway cut before it was decided. */
export function cutBeforeDecision(cut: EndedBy): string {
  return `connection-cut: the gateway closed the connection (${cut}) before a decision`;
}
