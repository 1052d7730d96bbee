/**
 * Streams a client's request body to the daemon, writing the pieces that arrived in one turn of
 * the event loop with one system call.
 *
 * Node's TLS layer hands a request body over in pieces of at most 16 KiB (one TLS record's
 * worth), each in a callback of its own, and a pipe writes each to the daemon's socket on its
 * own: one system call, and one wake-up of dockerd, per 16 KiB of `docker cp` into a
 * container, `docker load` or `docker build`. Here the pieces are held until the event loop has
 * handled every read that was ready (`setImmediate`, the same turn), then written corked, so the
 * socket sends them in one `writev`, without copying them. As with a pipe, the client is paused
 * while the daemon is not taking data, and the daemon request is ended when the body ends.
 * Errors and aborts stay with the caller (http-proxy destroys the daemon request); when the
 * daemon request fails or closes, the relay stops as a pipe would.
 *
 * A body that stops arriving is cut (BodyIdle): the relay counts the time it waits for the
 * client's next byte, not the time it waits for the daemon to take what it has.
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import { idleWatch, type BodyIdle } from './body-idle.js';

/**
 * Bytes held for one write at most: four TLS records' worth, what Node decrypts from one 64 KiB
 * socket read. Reads that bring more in one turn go out in more writes.
 */
const WRITE_AT_MOST = 64 * 1024;

/**
 * What http-proxy's `buffer` option needs: something it can `pipe` into the daemon request in
 * place of the client's request.
 */
export interface BodySource {
  pipe(destination: ClientRequest): ClientRequest;
}

/**
 * Relay `from`'s body to `to` (coalesced, see above) and end `to` when the body ends; with
 * `idle`, a body from which no byte arrives for `idle.ms` while the relay waits for one is
 * given up: `idle.onIdle` is called once (the caller cuts the client connection).
 */
export function relayRequestBody(from: IncomingMessage, to: ClientRequest, idle?: BodyIdle): void {
  // As a pipe does: a body that has already ended still ends the daemon request.
  if (from.readableEnded) {
    process.nextTick(() => to.end());
    return;
  }
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let scheduled = false;
  let waitingForDrain = false;
  // Counts while the relay waits for the client: not while the daemon is not taking data.
  const watch = idle ? idleWatch(idle) : undefined;

  const resume = (): void => {
    waitingForDrain = false;
    watch?.waiting();
    from.resume();
  };

  const flush = (): void => {
    scheduled = false;
    const pieces = pending;
    pending = [];
    pendingBytes = 0;
    if (pieces.length === 0 || to.destroyed) return;
    let taken = true;
    to.cork();
    for (const piece of pieces) taken = to.write(piece);
    to.uncork();
    // The socket may have taken everything as it was uncorked: then there is nothing to wait for.
    if (!taken && to.writableLength > 0 && !waitingForDrain) {
      waitingForDrain = true;
      watch?.stop();
      from.pause();
      to.once('drain', resume);
    }
  };

  const onData = (chunk: Buffer): void => {
    watch?.arrived();
    pending.push(chunk);
    pendingBytes += chunk.length;
    // A turn that brings more than this is written in parts, each subject to backpressure.
    if (pendingBytes >= WRITE_AT_MOST) return flush();
    if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
  };
  const onEnd = (): void => {
    watch?.stop();
    flush();
    to.end();
  };
  // When the daemon request fails or closes, stop as a pipe does (unpipe): the client's body is
  // left paused and unread, for the error handler to discard (it runs after this, since this is
  // prepended) or the connection's end to drop.
  let detached = false;
  const detach = (): void => {
    if (detached) return;
    detached = true;
    watch?.stop();
    pending = [];
    pendingBytes = 0;
    from.off('data', onData);
    from.off('end', onEnd);
    to.off('drain', resume);
    from.pause();
  };
  from.on('data', onData);
  from.on('end', onEnd);
  to.prependListener('error', detach);
  to.once('close', detach);
  // As a pipe does: a client paused before the relay was attached is resumed, not left waiting.
  if (from.readableFlowing !== true) from.resume();
  watch?.waiting();
}

/** `from`'s body as a {@link BodySource} for http-proxy (with `idle`: see relayRequestBody). */
export function coalescedBodySource(from: IncomingMessage, idle?: BodyIdle): BodySource {
  return {
    pipe(destination) {
      relayRequestBody(from, destination, idle);
      return destination;
    },
  };
}

/**
 * No body at all, for a request whose head announces none (no Content-Length, no
 * Transfer-Encoding): the daemon request is ended without a byte of the client's. Whatever
 * Node's parser took as that request's body stays with it (and is discarded when the answer is
 * done); written to the daemon after a head without a length, dockerd would read those bytes as
 * a further request that no policy decided.
 */
export const NO_BODY: BodySource = {
  pipe(destination) {
    process.nextTick(() => destination.end());
    return destination;
  },
};
