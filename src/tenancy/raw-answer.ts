/** Writing a gateway-made answer on a raw (not yet upgraded) socket, then closing it. */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { RespondVerdict } from './hook.js';
import { endRawSocket } from '../http/end-raw-socket.js';

/**
 * Write `verdict` as an HTTP/1.1 response and end the socket; returns the bytes written. No
 * `Connection: close`, as for refused upgrades (src/http/docker-error.ts): the docker CLI 20.10
 * would read the body as the session's stream.
 */
export function writeRawAnswer(socket: Duplex, verdict: RespondVerdict): number {
  const head = [`HTTP/1.1 ${verdict.status} ${STATUS_CODES[verdict.status] ?? 'Error'}`, ...Object.entries(verdict.headers).map(([k, v]) => `${k}: ${v}`)];
  const raw = Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), verdict.body]);
  endRawSocket(socket, raw);
  return raw.length;
}
