/**
 * Reading nothing more from a client connection while it is still written to: a refusal that
 * held a body share (the body budgets, a body too slow) pipelined behind answers still owed
 * waits for them, and meanwhile neither the rest of the refused body nor what is pipelined
 * behind it is read (dockerd reads nothing behind an unfinished answer either). The bytes stay
 * in the kernel's buffers, bounded by TCP's window, and the client's writes stall there.
 *
 * Pausing the socket once is not enough: Node's HTTP server resumes a socket it paused itself
 * once its queued answers drain (`socketOnDrain`), and a request body being read resumes it too.
 * Every `resume` is undone in the same tick (Node starts reading in its own `resume` handling;
 * the `pause` that follows stops it before the event loop polls the socket again).
 */
import type { Duplex } from 'node:stream';

const stopped = new WeakSet<Duplex>();

/** Stop reading `socket` for good (it can still be written to and ended). */
export function stopReading(socket: Duplex): void {
  if (stopped.has(socket)) return;
  stopped.add(socket);
  socket.on('resume', () => socket.pause());
  socket.pause();
}

