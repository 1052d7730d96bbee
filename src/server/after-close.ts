/**
 * Requests pipelined after one that closes the connection. dockerd (Go's net/http) serves the
 * requests of a connection one after another, and after a request with `Connection: close` (or
 * HTTP/1.0 without keep-alive), or after an answer it sends with `Connection: close`, it reads
 * and acts on nothing more from that connection. Node's server goes on parsing what has already
 * arrived and hands over the requests in it; such a request is neither decided nor forwarded
 * nor answered (the connection closes after the earlier answer, as dockerd's would): found by
 * the connection-framing review, where a create pipelined behind a refused `Expect:
 * 100-continue` upload (answered 403 with `Connection: close`) was still run by the daemon.
 *
 * An answer closes the connection when Node writes (or will write) it with `Connection: close`:
 * the client's own close or HTTP/1.0 (`shouldKeepAlive` false from the start), a body the
 * client was never asked for (`Expect: 100-continue` without the 100: Node clears
 * `shouldKeepAlive` as the head is written), a refusal the gateway sends with `Connection:
 * close`, the gateway's 400 to a request without `Host` (bad-host; Node's `_last`, set as the head is
 * written). What is known when a later request arrives counts: a pipelined request that
 * arrived before the earlier answer's head was written (the daemon's answer to HTTP/1.0 that
 * Node must close-delimit) is handled as before.
 */
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The fields of a Node response that say whether the connection ends after it. */
export interface AnswerState {
  shouldKeepAlive: boolean;
  /** Node's: set when the head written says `Connection: close`. */
  _last?: boolean;
}

/** What a request arriving on a connection finds there. */
export interface ConnectionState {
  /** False once the connection is ending (an earlier closing answer is done) or gone. */
  writable: boolean;
  /** The earlier answer being written now, if any. */
  owner?: AnswerState | null;
  /** The answer of the request handed over before this one (itself not after a close). */
  previous?: AnswerState;
}

/** True when the connection ends after `answer`. */
export function closesConnection(answer: AnswerState | null | undefined): boolean {
  return !!answer && (!answer.shouldKeepAlive || answer._last === true);
}

/**
 * True when a request arriving on a connection in state `conn` comes after a request or answer
 * that closes it. The answers between `owner` and `previous`, queued behind `owner`, each
 * arrived after `previous`'s predecessors and were checked then.
 */
export function arrivesAfterClose(conn: ConnectionState): boolean {
  return !conn.writable || closesConnection(conn.owner) || closesConnection(conn.previous);
}

/** Per connection: the latest response handed out that did not come after a close. */
const latest = new WeakMap<Duplex, ServerResponse>();

type HttpSocket = Duplex & { _httpMessage?: ServerResponse | null };

/**
 * Whether what arrives now on `socket` comes after a request or answer that closes the
 * connection: a request (`res`, its response; it becomes the connection's latest unless it does
 * come after a close), an upgrade or bytes the parser refused (no `res`).
 */
export function afterClose(socket: Duplex, res?: ServerResponse): boolean {
  const owner = (socket as HttpSocket)._httpMessage;
  if (arrivesAfterClose({ writable: socket.writable, owner: owner === res ? undefined : owner, previous: latest.get(socket) })) return true;
  if (res) latest.set(socket, res);
  return false;
}

/**
 * The answer still owed, on `socket`, to the request handed over before `res`'s when that
 * request carries `Expect: 100-continue` (Node then closes the connection after an answer that
 * asked for no body, and the gateway may decide on it only after a daemon look-up): whether the
 * connection stays open is known only once that answer is written, so `res`'s request waits for
 * it. Undefined otherwise (one lookup; the common case of one request per connection).
 */
export function answerOwedBehindExpect(socket: Duplex, res: ServerResponse): ServerResponse | undefined {
  const previous = latest.get(socket);
  if (!previous || previous === res || previous.writableFinished || previous.destroyed) return undefined;
  const expect = previous.req?.headers.expect;
  return expect !== undefined && /100-continue/i.test(expect) ? previous : undefined;
}

/** Why a request that arrived after a close got neither a decision nor an answer. */
const AFTER_CLOSE_MESSAGE = 'dockgate: arrived after a request or answer that closes the connection; not read (dockerd reads nothing more either), and the connection closes after the earlier answer';

/** The audit reason of such a request: `after-close: ` and the message. */
export const AFTER_CLOSE_REASON = `after-close: ${AFTER_CLOSE_MESSAGE}`;

/**
 * Run `fn` once no earlier answer uses `socket` any more: at once when none does, else when the
 * last of them is done (Node hands the socket to each queued answer in turn) or the connection
 * closed. An answer that never ends (an `/events` stream) holds `fn` as long as it lasts, as
 * dockerd would read nothing more until it ended.
 */
export function whenAnswered(socket: Duplex, fn: () => void): void {
  const owner = (socket as HttpSocket)._httpMessage;
  if (!owner || socket.destroyed) {
    fn();
    return;
  }
  // Emitted after Node gave the socket to the next queued answer, or as the connection closed.
  owner.once('close', () => whenAnswered(socket, fn));
}
