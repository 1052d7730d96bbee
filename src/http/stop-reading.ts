/**
 * Reading nothing more from a client connection while it is still written to: a refusal that
 * held a body share (the body budgets, a body too slow) pipelined behind answers still owed
 * waits for them, and meanwhile neither the rest of the refused body nor what is pipelined
 * behind it is parsed (dockerd reads nothing behind an unfinished answer either).
 *
 * Pausing the socket once is not enough: Node's HTTP server resumes a socket it paused itself
 * once its queued answers drain (`socketOnDrain`), and a request body being read resumes it too.
 * Every `resume` is undone in the same tick (Node starts reading in its own `resume` handling;
 * the `pause` that follows stops it before the event loop polls the socket again).
 *
 * A lingering close (linger.ts) reads the connection again, to discard: `restartReading`.
 */
import type { Duplex } from 'node:stream';

const stopped = new WeakMap<Duplex, () => void>();

/** Stop reading `socket` until `restartReading` (it can still be written to and ended). */
export function stopReading(socket: Duplex): void {
  if (stopped.has(socket)) return;
  const pause = (): void => void socket.pause();
  stopped.set(socket, pause);
  socket.on('resume', pause);
  socket.pause();
}

/** Undo `stopReading` (the socket stays paused until someone resumes it). */
export function restartReading(socket: Duplex): void {
  const pause = stopped.get(socket);
  if (!pause) return;
  stopped.delete(socket);
  socket.off('resume', pause);
}
