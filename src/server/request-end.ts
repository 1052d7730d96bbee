/**
 * The end of one request on the normal path: the socket's byte counts its answer's `bytesOut` is
 * taken from, the connection's count of open requests, and the audit record, written once the
 * answer is done or the client left before its answer got the socket; never skipped.
 *
 * A stream keeps this until it ends (an idle `/events`: for hours). Its listeners were closures
 * inside the request listener, which kept that listener's whole scope alive with them (the turn
 * functions, the handler's deps, the request's checks); here they are functions shared by every
 * request, finding their request's state on the response, and a stream keeps only this object
 * (docs/benchmarks.md, "Less kept per stream").
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { whenSocketCloses } from '../http/socket-close.js';
import type { Forwarder } from '../proxy/forwarder.js';
import type { Exchange } from './exchange.js';
import { TRUNCATED_BODY } from './read-body.js';

/** The refusal recorded for a request whose client left before its body had arrived. */
const CLIENT_LEFT = { outcome: 'malformed', reason: `truncated-body: ${TRUNCATED_BODY}` } as const;

/** Requests handed over and not yet ended, per connection. */
const openRequests = new WeakMap<Socket, number>();

/** Key of a response's RequestEnd. */
const END = Symbol('dockgate.requestEnd');

/** A response with its request's end on it. */
type WithEnd = ServerResponse & { [END]?: RequestEnd };

/** The end of one request's exchange, made when the request arrives. */
export class RequestEnd {
  /**
   * The socket's byte count when this response got the socket: at once, or (pipelined behind an
   * earlier response) when that one is done; -1 while it has not, so it was never sent.
   */
  private writtenAtStart: number;
  /**
   * And when its last byte was written: ahead of Node's own 'finish' listener, which hands the
   * socket to the next pipelined response and writes what that one has queued.
   */
  private writtenAtEnd = -1;
  /** Cancels the wait on the socket's close of a response queued behind another. */
  private readonly stopWaiting: (() => void) | undefined;
  /** Set once the record is written. */
  ended = false;
  /** Requests open on the connection when this one arrived, this one included. */
  readonly openOnConnection: number;

  constructor(
    private readonly forwarder: Pick<Forwarder, 'ended'>,
    private readonly exchange: Exchange,
    private readonly res: ServerResponse,
  ) {
    const socket = exchange.req.socket;
    this.writtenAtStart = res.socket ? socket.bytesWritten : -1;
    this.openOnConnection = (openRequests.get(socket) ?? 0) + 1;
    openRequests.set(socket, this.openOnConnection);
    (res as WithEnd)[END] = this;
    if (!res.socket) res.once('socket', answerGotSocket);
    // A response finishes once: a plain listener, without the wrapper and state `once` adds per request.
    res.prependListener('finish', answerWritten);
    res.on('close', answerClosed);
    // Node gives a response the socket at once unless an earlier one still has it; only such a
    // queued response misses its 'close' when the client leaves, so only it waits on the socket.
    this.stopWaiting = res.socket ? undefined : whenSocketCloses(socket, () => this.finish());
  }

  /** Write the request's record (once): its outcome, status and the bytes its answer took. */
  finish(): void {
    if (this.ended) return;
    this.ended = true;
    const { exchange, res } = this;
    const req: IncomingMessage = exchange.req;
    const socket = req.socket;
    openRequests.set(socket, (openRequests.get(socket) ?? 1) - 1);
    this.stopWaiting?.();
    this.forwarder.ended(req, res);
    // A refusal after the decision (a tenancy look-up on the daemon that failed) means the
    // request was not forwarded: its outcome wins, as on the upgrade path.
    // Neither decided nor refused: the client left while its body was being read.
    const refusal = exchange.refusal ?? (exchange.decision ? undefined : CLIENT_LEFT);
    const outcome = refusal?.outcome ?? exchange.decision?.outcome ?? 'error';
    // Headers a response queued behind another one has "sent" may never have reached the socket.
    const sent = this.writtenAtStart >= 0;
    const bytesOut = sent ? (this.writtenAtEnd >= 0 ? this.writtenAtEnd : socket.bytesWritten) - this.writtenAtStart : 0;
    exchange.finish(outcome, sent && res.headersSent ? res.statusCode : 0, exchange.bodyBytes, bytesOut, refusal?.reason);
  }

  /** The response got the socket (it was queued behind an earlier one). */
  gotSocket(): void {
    this.writtenAtStart = this.exchange.req.socket.bytesWritten;
  }

  /** The response's last byte was written. */
  written(): void {
    this.writtenAtEnd = this.exchange.req.socket.bytesWritten;
  }
}

// The response's listeners, one function each for every request (`this` is the response).
function answerGotSocket(this: WithEnd): void {
  this[END]?.gotSocket();
}

function answerWritten(this: WithEnd): void {
  this[END]?.written();
}

function answerClosed(this: WithEnd): void {
  this[END]?.finish();
}
