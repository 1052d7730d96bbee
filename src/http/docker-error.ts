/**
 * Renders errors in Docker's shape: status, `Content-Type: application/json` exactly (the CLI
 * extracts the message only for that exact value) and `{"message": "..."}`. The message is the
 * text the docker CLI prints to its user, with its hidden characters written `\uXXXX`.
 */
import type { ServerResponse } from 'node:http';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { escapeHidden } from '../core/hidden-characters.js';
import { endRawSocket } from './end-raw-socket.js';

/** Extra headers some errors carry (e.g. `Retry-After`). */
export type ExtraHeaders = Record<string, string>;

/**
 * The error body. A message quotes the caller's own name, groups and request (`denied
 * ContainerCreate for <name>`), and the CLI prints it as it is: a certificate named
 * `\u202Eecila` would read as "alice", a newline would start a line of the gateway's making.
 * Hidden characters (hidden-characters.ts) are written `\uXXXX`, as the audit log and `policy
 * explain` show them; the decision was made on the exact name, and the audit record keeps it.
 */
function body(message: string): string {
  return JSON.stringify({ message: escapeHidden(message) }) + '\n';
}

/** Answer a normal request with a Docker-shaped error. Closes the connection when `close` is set. */
export function sendDockerError(res: ServerResponse, status: number, message: string, extra: ExtraHeaders = {}, close = false): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const text = body(message);
  const headers: Record<string, string | number> = {
    ...extra,
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  };
  if (close) headers.Connection = 'close';
  res.writeHead(status, headers);
  res.end(text);
}

/**
 * Answer an upgrade request (raw socket, before any upgrade) with a Docker-shaped error and
 * close the connection, so a refused hijack never leaves a tunnel behind. The answer says
 * nothing of the close (no `Connection: close`): the docker CLI 20.10's hijack client, told the
 * connection ends, skips the status and reads the error body as the container's output (a
 * refused `attach` then hangs, `exec -it` exits 0, `run -it` leaves its container running);
 * without it both CLIs report the status and exit 1. Only the refusals Go's server itself
 * sends with `Connection: close` (bad-host, bad-expect) say it, in `extra`, as dockerd does.
 */
export function writeRawDockerError(socket: Duplex, status: number, message: string, extra: ExtraHeaders = {}): number {
  const text = body(message);
  const lines = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? 'Error'}`,
    'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(text)}`,
    ...Object.entries(extra).map(([k, v]) => `${k}: ${v}`),
  ];
  const raw = lines.join('\r\n') + '\r\n\r\n' + text;
  endRawSocket(socket, raw);
  return Buffer.byteLength(raw);
}
