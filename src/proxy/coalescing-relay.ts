/**
 * Streams a daemon response body to the client, joining the pieces that arrive in one turn of
 * the event loop into one write.
 *
 * dockerd frames streamed bodies with chunked encoding and flushes each small write (a log
 * line, an event, a 32 KiB piece of a tar), so one read from its socket holds many chunks, and
 * Node's HTTP parser hands each over as its own `data` event. Piped, every one of them becomes a
 * chunk of its own on the client side: four socket writes and a TLS record each. Joined per
 * turn, the client gets the same bytes with a fraction of the writes; pieces of 16 KiB or more
 * go as they are, since joining them only adds a copy. Nothing waits: the join
 * is written before the event loop moves on (`process.nextTick`), and the daemon is paused while
 * the client is not taking data (backpressure, as a pipe does). The response head, when not yet
 * written, goes with the first piece, or alone when no piece came with it (`headWithoutBody`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { noteStreamed } from './stream-buffer-pacing.js';

/** Pieces at least this large are written as they come. */
const JOIN_BELOW = 16 * 1024;

/** How the relay starts. */
export interface RelayOptions {
  /**
   * The response head has not been written: send it with the body's first piece when that came
   * in the same read as the head, and on its own, before the event loop waits for more I/O,
   * when it did not. A client waiting on a stream's head (`docker run` on `/wait`, an idle
   * `/events`) gets it at once, and a whole answer goes out in one write.
   */
  headWithoutBody?: boolean;
}

/** Relay `from`'s body to `to` and end `to` when it ends. Errors and aborts are the caller's. */
export function relayCoalesced(from: IncomingMessage, to: ServerResponse, options: RelayOptions = {}): void {
  let pending: Buffer[] = [];
  let scheduled = false;
  let wrote = false;

  if (options.headWithoutBody) {
    // The pieces that came with the head are written on process.nextTick (and the end after
    // them), all before setImmediate callbacks run.
    setImmediate(() => {
      if (!wrote && !to.destroyed) to.flushHeaders();
    });
  }

  /** Write `buf`; while the client is not taking data, hold the daemon's side (as a pipe does). */
  const send = (buf: Buffer): void => {
    wrote = true;
    if (to.destroyed) return;
    if (!to.write(buf)) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  };

  const flush = (): void => {
    scheduled = false;
    if (pending.length === 0) return;
    const out = pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending);
    pending = [];
    send(out);
  };

  from.on('data', (chunk: Buffer) => {
    noteStreamed(chunk.length);
    if (chunk.length >= JOIN_BELOW) {
      // Large pieces (archives) go as they are: joining them would only add a copy.
      flush();
      send(chunk);
      return;
    }
    pending.push(chunk);
    if (!scheduled) {
      scheduled = true;
      process.nextTick(flush);
    }
  });
  from.on('end', () => {
    flush();
    wrote = true;
    if (!to.destroyed) to.end();
  });
}
