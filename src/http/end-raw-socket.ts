/**
 * Ending a raw client connection (one the HTTP server no longer manages: a refused upgrade, a
 * request its parser rejected) after a gateway-made answer.
 */
import type { Duplex } from 'node:stream';

/**
 * How long a client has, from the answer, to read it and close its side of the connection
 * before the gateway closes the whole connection.
 */
export const RAW_ANSWER_GRACE_MS = 5000;

/**
 * Write `answer` and end the socket; if the client has not closed its side within
 * `RAW_ANSWER_GRACE_MS`, destroy it. Ending only half-closes: Node's HTTP server keeps its
 * connections half-open (`allowHalfOpen`), and no server timeout covers a socket taken out of
 * HTTP, so a client that never closed would keep the connection and its file descriptor for
 * good (thousands of refused upgrades held by one client exhausted the gateway's descriptors).
 */
export function endRawSocket(socket: Duplex, answer: string | Buffer): void {
  if (socket.destroyed) return;
  socket.end(answer);
  const timer = setTimeout(() => socket.destroy(), RAW_ANSWER_GRACE_MS);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
}
