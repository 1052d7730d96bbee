/**
 * Answers the gateway builds itself (tenancy's filtered lists and other answers it gives
 * instead of the daemon's) are written whole to the client's socket. A forwarded answer is
 * relayed as the client reads it; such an answer is not: one the client never reads stays in the
 * gateway's memory (the socket's buffer, outside V8's heap limit), and the identity's request
 * slot is given back once it is written. 64 connections each sending one list of 55 MB and never
 * reading took the gateway from 342 MB to 4.9 GB (rev-dos F2). So the bytes of such answers not
 * yet handed to the kernel count against a bound per identity (`limits.bufferedBodyBytesPerIdentity`,
 * the bound of what one identity may make the gateway hold): one answer over it is let through
 * when the identity has no other unread one (a list may be larger), another is refused 429.
 */
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { GatewayError } from '../http/gateway-error.js';

/** The account of built answers written and not flushed yet, per identity. */
export class UnreadAnswers {
  private readonly byIdentity = new Map<string, number>();

  constructor(
    /** Most bytes one identity may have unread, beyond a single answer (`limits.bufferedBodyBytesPerIdentity`). */
    readonly perIdentityBytes: number,
  ) {}

  /** Bytes of `identity`'s built answers written and not flushed yet. */
  heldFor(identity: string): number {
    return this.byIdentity.get(identity) ?? 0;
  }

  /**
   * Take `n` bytes for an answer to `identity`: the function that gives them back (once). Throws
   * GatewayError 429 (`identity-answer-budget`) when the identity has unread answers already and
   * this one would take it over its bound.
   */
  take(identity: string, n: number): () => void {
    const held = this.heldFor(identity);
    if (held > 0 && held + n > this.perIdentityBytes) {
      throw new GatewayError('identity-request-limit', `dockgate: answers to your requests that you have not read yet hold ${held} bytes; this one (${n} bytes) would exceed ${this.perIdentityBytes} (limits.bufferedBodyBytesPerIdentity): read them, then retry`, 'identity-answer-budget');
    }
    this.byIdentity.set(identity, held + n);
    let given = false;
    return () => {
      if (given) return;
      given = true;
      const left = this.heldFor(identity) - n;
      if (left > 0) this.byIdentity.set(identity, left);
      else this.byIdentity.delete(identity);
    };
  }
}

/** Per connection, the give-backs of its answers not flushed yet: one 'close' listener runs them all. */
const pendingOn = new WeakMap<Socket, Set<() => void>>();

/** Run `giveBack` when `connection` closes, unless taken off first (the function returned). */
function onClose(connection: Socket, giveBack: () => void): () => void {
  let pending = pendingOn.get(connection);
  if (!pending) {
    const set = new Set<() => void>();
    pending = set;
    pendingOn.set(connection, set);
    connection.once('close', () => {
      pendingOn.delete(connection);
      for (const g of [...set]) g();
    });
  }
  pending.add(giveBack);
  const set = pending;
  return () => set.delete(giveBack);
}

/**
 * Call `done` once the answer `res` ends has left the gateway: handed to the socket ('finish')
 * and the socket's buffer flushed to the kernel ('drain', or nothing buffered then), or the
 * connection closed: also one queued behind another answer on a pipelined connection, which
 * never gets the socket when its client leaves first (rev-final F1). Once. One 'close' listener
 * per connection serves all its pending answers (one each set off Node's listener-leak warning
 * from four pipelined lists: rev-last F1).
 */
export function whenFlushed(res: ServerResponse, done: () => void): void {
  const connection = res.req.socket;
  let called = false;
  let offClose = (): void => undefined;
  const once = (): void => {
    if (called) return;
    called = true;
    offClose();
    connection.off('drain', once);
    done();
  };
  if (connection.destroyed) {
    once();
    return;
  }
  offClose = onClose(connection, once);
  res.once('finish', () => {
    // At most a high-water mark left in the socket's buffer: no 'drain' comes for that (only a
    // write over the mark gets one), and it is little. More: its 'drain' comes when it is flushed.
    if (connection.destroyed || connection.writableLength <= connection.writableHighWaterMark) once();
    else connection.once('drain', once);
  });
}
