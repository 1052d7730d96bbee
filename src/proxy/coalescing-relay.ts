/**
 * Streams a daemon response body to the client, writing the pieces that arrive in one turn of
 * the event loop together.
 *
 * dockerd frames streamed bodies with chunked encoding and flushes each small write (a log
 * line, an event, a 32 KiB piece of a tar), so one read from its socket holds many chunks, and
 * Node's HTTP parser hands each over as its own `data` event. Written one by one, every one of
 * them costs its own socket write and TLS record. Written corked, per turn, the client gets the
 * same chunks with a fraction of the writes: each piece stays a chunk of its own, since clients
 * read a stream chunk by chunk (docker-py's `events()`, `build()`, `pull()` without `decode`
 * yield one item per chunk; an earlier version joined the pieces into one chunk, and
 * `json.loads` of an item failed with "Extra data"). Nothing waits: the pieces are written
 * before the event loop moves on (`process.nextTick`), and the daemon is paused while the
 * client is not taking data (backpressure, as a pipe does). The response head, when not yet
 * written, goes with the first piece, or alone when no piece came with it (`headWithoutBody`).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { noteStreamed } from './stream-buffer-pacing.js';

/** Pieces at least this large are written as they come, with what is pending before them. */
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
  /**
   * Called when `from` has ended, before `to` is ended: the bytes it resolves to are written
   * first (an error message added to a stream by a check of the answer: forwarder.ts).
   */
  endWith?: () => Promise<Buffer | undefined>;
}

/** Key of the relay of a daemon answer, on the answer (its listeners are shared: relayData, relayEnd). */
const RELAY = Symbol('dockgate.relay');

/** A daemon answer being relayed. */
type Relayed = IncomingMessage & { [RELAY]?: CoalescingRelay };

/**
 * The state of one relay. A stream keeps it until it ends (an idle `/events`: for hours), so it
 * is one object, and its listeners and callbacks are functions shared by every relay rather than
 * closures of its own (docs/benchmarks.md, "Less kept per stream").
 */
class CoalescingRelay {
  /** This turn's pieces, not yet written; made when a piece comes. */
  private pending: Buffer[] | undefined;
  private scheduled = false;
  /** Something (a piece or the end) was written: the head went with it. */
  wrote = false;

  constructor(
    private readonly from: IncomingMessage,
    readonly to: ServerResponse,
    private readonly endWith: RelayOptions['endWith'],
  ) {}

  /**
   * Write `pieces`, each its own chunk; while the client is not taking data, hold the daemon's
   * side (as a pipe does). The socket stays corked until the next tick, as Node's own chunked
   * writes do, so this turn's pieces, the end that follows them at once, and a length-framed
   * body's pieces too, leave in one socket write.
   */
  private send(pieces: readonly Buffer[]): void {
    this.wrote = true;
    const { from, to } = this;
    if (to.destroyed) return;
    // The socket, not the response: from Node 22 a corked response buffers its chunked writes
    // and sends them as one chunk on uncork (the merge this relay must not make). A response
    // still queued behind a pipelined one has no socket yet; its writes wait in it anyway.
    const socket = to.socket;
    socket?.cork();
    if (socket) process.nextTick(uncork, socket);
    let taken = true;
    for (const piece of pieces) taken = to.write(piece);
    if (!taken) {
      from.pause();
      to.once('drain', () => from.resume());
    }
  }

  /** Write this turn's pieces. */
  flush(): void {
    this.scheduled = false;
    const out = this.pending;
    if (out === undefined || out.length === 0) return;
    this.pending = undefined;
    this.send(out);
  }

  /** A piece of the daemon's answer. */
  take(chunk: Buffer): void {
    noteStreamed(chunk.length);
    const pending = this.pending ?? (this.pending = []);
    if (chunk.length >= JOIN_BELOW) {
      // Large pieces (archives) go at once, after what came before them.
      pending.push(chunk);
      this.flush();
      return;
    }
    pending.push(chunk);
    if (!this.scheduled) {
      this.scheduled = true;
      process.nextTick(flushRelay, this);
    }
  }

  /** The daemon's answer ended: write what is pending (and what `endWith` adds), then end the client's. */
  end(): void {
    this.flush();
    this.wrote = true;
    const { to, endWith } = this;
    if (!endWith) {
      if (!to.destroyed) to.end();
      return;
    }
    void endWith().then(
      (extra) => {
        if (to.destroyed) return;
        if (extra && extra.length > 0) to.write(extra);
        to.end();
      },
      () => to.destroy(),
    );
  }
}

/** Relay `from`'s body to `to` and end `to` when it ends. Errors and aborts are the caller's. */
export function relayCoalesced(from: IncomingMessage, to: ServerResponse, options: RelayOptions = {}): void {
  const relay = new CoalescingRelay(from, to, options.endWith);
  (from as Relayed)[RELAY] = relay;
  // The pieces that came with the head are written on process.nextTick (and the end after
  // them), all before setImmediate callbacks run.
  if (options.headWithoutBody) setImmediate(flushHeadAlone, relay);
  from.on('data', relayData);
  from.on('end', relayEnd);
}

// A relay's listeners and callbacks, one function each for every relay.
function relayData(this: Relayed, chunk: Buffer): void {
  this[RELAY]?.take(chunk);
}

function relayEnd(this: Relayed): void {
  this[RELAY]?.end();
}

function flushRelay(relay: CoalescingRelay): void {
  relay.flush();
}

function uncork(socket: NonNullable<ServerResponse['socket']>): void {
  socket.uncork();
}

/** The head on its own, when no piece came in the read that brought it. */
function flushHeadAlone(relay: CoalescingRelay): void {
  if (!relay.wrote && !relay.to.destroyed) relay.to.flushHeaders();
}
