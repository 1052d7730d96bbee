/**
 * Closing a client connection without resetting it, as Go's net/http does (`closeWriteAndWait`
 * after discarding up to 256 KiB of an unread body).
 *
 * Closing a TCP socket that still has unread bytes in its receive queue, or that gets bytes
 * after the close, makes Linux send a reset instead of a FIN; the reset makes the client's
 * kernel throw away what it had received and the client had not read yet: the end of an answer
 * already written (a `logs` answer ahead of a refusal), and the refusal itself, while the audit
 * records say they were sent. So when the gateway closes a connection after its last answer
 * (Node's HTTP server does so after an answer with `Connection: close`, through `destroySoon`),
 * it ends it (its FIN follows the data), then reads what still comes and throws it away, without
 * parsing it (nothing of it is decided, forwarded or buffered), until the client closes its side,
 * within bounds (`CLOSE_LINGER`); then it destroys the connection. Past the bounds it destroys
 * it anyway, and a client still sending then gets the reset.
 *
 * The same discarding serves a refusal that waits behind answers still owed (`discardBehind`):
 * the rest of its body and what follows it are thrown away unparsed, up to a bound, after which
 * the connection is not read any more (stop-reading.ts); a FIN read meanwhile is the client
 * leaving, and the connection is closed.
 */
import type { Socket } from 'node:net';
import type { Duplex } from 'node:stream';
import { restartReading, stopReading } from './stop-reading.js';

/** How much a lingering close reads and throws away at most before it destroys the connection. */
export interface LingerBounds {
  /** Bytes discarded at most; one more and the connection is destroyed. */
  maxBytes: number;
  /** Milliseconds at most, from the moment the last answer's bytes were all handed to the kernel. */
  maxMs: number;
}

/** 1 MiB or 2 s, whichever comes first (Go: 256 KiB of body, then 500 ms). */
export const CLOSE_LINGER: LingerBounds = { maxBytes: 1024 * 1024, maxMs: 2000 };

/** Bytes a refusal waiting behind answers still owed discards before it stops reading. */
export const DISCARD_BEHIND_REFUSAL = 1024 * 1024;

interface Discarding {
  bytes: number;
  limit: number;
  over: () => void;
}

const discarding = new WeakMap<Duplex, Discarding>();

/** Bytes read from `socket` and thrown away so far (0 when it was never discarding). */
export function discardedBytes(socket: Duplex): number {
  return discarding.get(socket)?.bytes ?? 0;
}

/**
 * Read `socket` on and throw every byte away: Node's HTTP parser gets nothing more (no request
 * behind is parsed, the one being read never completes). Once more than `maxBytes` (counted
 * from this call) were thrown away, `over` runs. Called again, it sets the new bound and `over`.
 */
export function discardInput(socket: Duplex, maxBytes: number, over: () => void): void {
  const known = discarding.get(socket);
  if (known) {
    known.limit = known.bytes + maxBytes;
    known.over = over;
  } else {
    const state: Discarding = { bytes: 0, limit: maxBytes, over };
    discarding.set(socket, state);
    const onData = (chunk: Buffer): void => {
      state.bytes += chunk.length;
      if (state.bytes > state.limit) state.over();
    };
    // Node's HTTP server, told of a 'data' listener, stops feeding its parser from the socket's
    // handle itself (`unconsume`) and feeds it from 'data' events: its listener is taken off.
    socket.on('data', onData);
    for (const listener of socket.listeners('data')) {
      if (listener !== onData) socket.off('data', listener as (...args: unknown[]) => void);
    }
  }
  restartReading(socket);
  socket.resume();
}

/**
 * A refusal that closes the connection, waiting behind answers still owed: throw away the rest
 * of its body and what follows, unparsed, up to `maxBytes`, then read nothing more. A FIN read
 * meanwhile is the client leaving: the connection is closed (the answers still owed are not sent).
 */
export function discardBehind(socket: Duplex, maxBytes = DISCARD_BEHIND_REFUSAL): void {
  if (discarding.has(socket)) return;
  discardInput(socket, maxBytes, () => stopReading(socket));
  socket.once('end', () => socket.destroy());
}

const lingering = new WeakSet<Duplex>();

/**
 * End `socket` after what is written to it, then discard what the client still sends until it
 * closes its side, within `bounds`, then destroy it.
 */
export function lingeringClose(socket: Socket, bounds: LingerBounds = CLOSE_LINGER): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  // The client has already closed its side: nothing more can come, destroy once written (Node's own way).
  if (socket.readableEnded) {
    if (socket.writable) socket.end();
    if (socket.writableFinished) socket.destroy();
    else socket.once('finish', () => socket.destroy());
    return;
  }
  let timer: NodeJS.Timeout | undefined;
  const destroy = (): void => {
    clearTimeout(timer);
    socket.destroy();
  };
  const startTimer = (): void => {
    timer = setTimeout(destroy, bounds.maxMs);
    timer.unref();
  };
  // The client read to our FIN and closed its side (or left): destroyed once all is written.
  socket.once('end', () => (socket.writableFinished ? destroy() : socket.once('finish', destroy)));
  socket.once('close', () => clearTimeout(timer));
  if (socket.writable) socket.end();
  if (socket.writableFinished) startTimer();
  else socket.once('finish', startTimer);
  discardInput(socket, bounds.maxBytes, destroy);
}

/**
 * Make the close Node's HTTP server does after an answer with `Connection: close`
 * (`socket.destroySoon()`, its only caller on a server socket) a lingering one.
 */
export function lingerOnClose(socket: Socket, bounds: LingerBounds = CLOSE_LINGER): void {
  // The usual bounds: one shared function rather than a closure per connection.
  socket.destroySoon = bounds === CLOSE_LINGER ? lingerThis : (): void => lingeringClose(socket, bounds);
}

/** `destroySoon` of a connection lingering within CLOSE_LINGER. */
function lingerThis(this: Socket): void {
  lingeringClose(this, CLOSE_LINGER);
}
