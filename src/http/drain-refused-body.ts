/**
 * What happens to the rest of a request body after the gateway refused the request.
 *
 * Closing a TCP connection that still has unread bytes makes the kernel send a reset. A client
 * still writing its body (the docker CLI during `build`, `load`, `cp`; python's docker SDK, which
 * reads only after writing everything) then reports "broken pipe" or "connection reset" instead
 * of the refusal. dockerd lingers for the same reason. So the gateway answers on a keep-alive
 * connection and reads and discards the rest of the body, within bounds: past them it closes.
 * Nothing discarded here ever reaches the daemon.
 */
import type { IncomingMessage } from 'node:http';

/** How much of a refused body the gateway reads and throws away before it closes instead. */
export interface DrainBounds {
  /** Bytes of body discarded at most; one more and the connection is closed. */
  maxBytes: number;
  /** Milliseconds spent discarding at most, from the refusal; then the connection is closed. */
  maxMs: number;
}

/** 64 MiB or 10 seconds, whichever comes first. */
export const REFUSED_BODY_DRAIN: DrainBounds = { maxBytes: 64 * 1024 * 1024, maxMs: 10_000 };

/**
 * Discard what is left of `req`'s body (if anything), closing the connection once `bounds` are
 * exceeded. Call it when the refusal is sent, before the response ends, so Node's own unbounded
 * discard does not take over.
 */
export function drainRefusedBody(req: IncomingMessage, bounds: DrainBounds = REFUSED_BODY_DRAIN): void {
  if (req.complete || req.destroyed) return;
  let discarded = 0;
  const stop = (): void => {
    cleanup();
    req.socket.destroy();
  };
  const onData = (chunk: Buffer): void => {
    discarded += chunk.length;
    if (discarded > bounds.maxBytes) stop();
  };
  const timer = setTimeout(stop, bounds.maxMs);
  timer.unref();
  const cleanup = (): void => {
    clearTimeout(timer);
    req.off('data', onData);
    req.off('end', cleanup);
    req.off('close', cleanup);
  };
  req.on('data', onData);
  req.once('end', cleanup);
  req.once('close', cleanup);
  req.resume();
}
