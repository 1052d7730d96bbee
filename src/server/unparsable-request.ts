/**
 * Requests Node's HTTP parser refused (the `clientError` event): the 400 the gateway answers,
 * in turn behind the answers still owed on the connection, and the `malformed` record it writes.
 */
import type { IncomingMessage } from 'node:http';
import type { Duplex } from 'node:stream';
import type { TLSSocket } from 'node:tls';
import { hostPort } from '../config/address.js';
import type { Observer } from '../core/observer.js';
import { endRawSocket } from '../http/end-raw-socket.js';
import { AFTER_CLOSE_REASON, afterClose, whenAnswered } from './after-close.js';
import { cutReason } from './connection-cuts.js';
import { identityOf } from './peer-identity.js';
import { nextRequestId } from './request-id.js';

/**
 * Node's parser refused the request (bad framing such as Content-Length with chunked, bad
 * header bytes, an unknown method, headers over 16 KiB) or the headers did not arrive in time:
 * answer 400 and report a `malformed` decision like any other refusal. A connection that merely
 * broke (ECONNRESET, EPIPE) is no request and is not reported. Behind answers still owed to
 * earlier requests on the connection, those go first, as dockerd finishes them before its 400:
 * cutting the connection lost answers to requests the daemon had acted on (found by the
 * connection-framing review). Bytes after a request or answer that closes the connection (Node
 * refuses anything after the client's `Connection: close` with `HPE_CLOSED_CONNECTION`) get no
 * 400: the connection closes after the earlier answer (after-close.ts).
 */
export function refuseUnparsable(observer: Observer, err: Error & { code?: unknown }, socket: Duplex, requests: ParsedRequests): void {
  // One parser refusal per connection (a timeout's 400, then the client's close, is one
  // request; more bytes behind ones already refused change nothing).
  if (requests.refused.has(socket)) return;
  const tlsSocket = socket as TLSSocket;
  // Only the parser's code: the request's bytes (headers, body) may hold secrets.
  const code = typeof err.code === 'string' ? err.code : 'unknown';
  // The bytes that failed belong to a request already handed to the handler (its body broke
  // off: an interrupted upload), whose own record says what happened: nothing waits for it.
  const last = requests.last.get(socket);
  if (last && !last.complete) {
    // A 400 only on a connection no response is using: written into one (an /events stream, an
    // answer not yet sent) it would corrupt that response.
    if (socket.writable && !(socket as Duplex & { _httpMessage?: unknown })._httpMessage) endRawSocket(socket, UNPARSABLE_ANSWER);
    else socket.destroy();
    return;
  }
  requests.refused.add(socket);
  const identity = identityOf(tlsSocket);
  const client = hostPort(tlsSocket.remoteAddress, tlsSocket.remotePort);
  const startedAt = Date.now();
  const closing = code === 'HPE_CLOSED_CONNECTION' || afterClose(socket);
  const refuse = (): void => {
    // Ended by an earlier answer that closes the connection (known only once it was written,
    // for one still to come when the bytes arrived): that answer was the last.
    const after = closing || socket.writableEnded;
    // A 400 only on a connection no response is using: written into one (an /events stream, an
    // answer not yet sent) it would corrupt that response.
    const answered = !after && socket.writable && !(socket as Duplex & { _httpMessage?: unknown })._httpMessage;
    // Recorded (a verified identity, a parser refusal): the 400 names its record, as every
    // other answer the gateway writes does (rev-observe F5).
    const requestId = identity && (code.startsWith('HPE_') || code === 'ERR_HTTP_REQUEST_TIMEOUT') ? nextRequestId() : undefined;
    const answer = unparsableAnswer(requestId);
    if (answered) endRawSocket(socket, answer);
    else if (!after) socket.destroy();
    if (!identity || requestId === undefined) return;
    observer.requestFinished({
      requestId,
      startedAt,
      client,
      identity,
      method: '',
      rawTarget: '',
      outcome: 'malformed',
      status: answered ? 400 : 0,
      reason: after ? `${AFTER_CLOSE_REASON} (${code})` : `http-parser: ${code}`,
      bytesIn: 0,
      bytesOut: answered ? Buffer.byteLength(answer) : 0,
      durationMs: Date.now() - startedAt,
      stream: false,
      endedBy: cutReason(socket),
    });
  };
  // Headers not complete in time are not waited on: the timeout bounds how long a connection may
  // hold an unfinished request, behind an endless stream too (which is cut).
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') refuse();
  else whenAnswered(socket, refuse);
}

const UNPARSABLE_BODY = '{"message":"dockgate: malformed HTTP request"}\n';
/** The answer to bytes Node's parser refused; with the id of its audit record when it gets one. */
function unparsableAnswer(requestId?: string): string {
  const id = requestId === undefined ? '' : `X-Dockgate-Request-Id: ${requestId}\r\n`;
  return `HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n${id}Content-Length: ${UNPARSABLE_BODY.length}\r\n\r\n${UNPARSABLE_BODY}`;
}
/** The answer to bytes Node's parser refused where no record is written (an upload that broke off: its own record says so). */
const UNPARSABLE_ANSWER = unparsableAnswer();

/** Per connection: the last request the parser handed over, and whether a parser refusal was recorded. */
export interface ParsedRequests {
  last: WeakMap<Duplex, IncomingMessage>;
  refused: WeakSet<Duplex>;
}
