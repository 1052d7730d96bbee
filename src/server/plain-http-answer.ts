/**
 * The answer to a client that speaks plain HTTP to the TLS listener (`docker -H
 * tcp://host:2376` without `--tlsverify`): what Go's TLS server, and so `dockerd --tlsverify`,
 * answers, which the docker CLI prints (`Client sent an HTTP request to an HTTPS server.`),
 * instead of a bare EOF.
 */
import { Socket } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { endRawSocket } from '../http/end-raw-socket.js';

/** Go's net/http answer, byte for byte. */
export const PLAIN_HTTP_ANSWER = 'HTTP/1.0 400 Bad Request\r\n\r\nClient sent an HTTP request to an HTTPS server.\n';

/**
 * Write PLAIN_HTTP_ANSWER on the TCP connection under `tlsSocket`, whose handshake failed
 * because the first bytes were an HTTP request (OpenSSL's `http request`). Node keeps that
 * connection as the TLS socket's `_parent`, which is not a documented property: without it,
 * nothing is written and the connection is only closed, as for any failed handshake.
 */
export function answerPlainHttp(tlsSocket: TLSSocket): void {
  const raw = (tlsSocket as unknown as { _parent?: unknown })._parent;
  if (raw instanceof Socket && !raw.destroyed && raw.writable) endRawSocket(raw, PLAIN_HTTP_ANSWER);
}
