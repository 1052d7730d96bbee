/**
 * Callbacks for when a client connection closes, one `close` listener per socket however many
 * requests wait on it. Node emits `close` on a ServerResponse only once it owns the socket:
 * the responses of pipelined requests queued behind it never get one when the client leaves,
 * so whatever a request must do at its end (finish its audit record, release the daemon
 * connection) also waits on the socket.
 */
import type { Socket } from 'node:net';

const waiting = new WeakMap<Socket, Set<() => void>>();

/** Run `fn` once `socket` has closed (soon, if it already has). Returns a function that cancels it. */
export function whenSocketCloses(socket: Socket, fn: () => void): () => void {
  if (socket.closed) {
    queueMicrotask(fn);
    return () => undefined;
  }
  let set = waiting.get(socket);
  if (!set) {
    const callbacks = new Set<() => void>();
    waiting.set(socket, callbacks);
    socket.once('close', () => {
      waiting.delete(socket);
      for (const f of callbacks) f();
    });
    set = callbacks;
  }
  const mine = set;
  mine.add(fn);
  return () => {
    mine.delete(fn);
  };
}
