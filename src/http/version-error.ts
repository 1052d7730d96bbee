/**
 * dockerd's answer to a version prefix it does not serve (src/facts/api-range.ts), byte for
 * byte in status, Content-Type and body: `{"message":"..."}` and a newline as JSON above API
 * 1.23, the message and a newline as Go's `http.Error` plain text at 1.23 and below, with the
 * middleware's `Api-Version` header. Not its `Ostype` and `Server`: the answer comes before the
 * policy, and a client no rule allows anything would read the daemon's version from them.
 */
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import { jsonErrorsAt, type ApiRange } from '../facts/api-range.js';
import { endRawSocket } from './end-raw-socket.js';

/** A complete answer: what the request path writes with writeHead/end, the upgrade path raw. */
export interface VersionErrorAnswer {
  status: 400;
  headers: Record<string, string>;
  body: Buffer;
}

/** The answer dockerd gives a request sent with prefix `version`, refused with `message`. */
export function versionErrorAnswer(version: string, message: string, range: ApiRange): VersionErrorAnswer {
  const json = jsonErrorsAt(version);
  const body = Buffer.from(json ? JSON.stringify({ message }) + '\n' : message + '\n');
  const headers: Record<string, string> = { 'Api-Version': range.max };
  if (json) {
    headers['Content-Type'] = 'application/json';
  } else {
    headers['Content-Type'] = 'text/plain; charset=utf-8';
    headers['X-Content-Type-Options'] = 'nosniff';
  }
  headers['Content-Length'] = String(body.length);
  return { status: 400, headers, body };
}

/**
 * Write `answer` on an upgrade request's raw socket (never upgraded) and end it, as the other
 * refused upgrades are ended (docker-error.ts, writeRawDockerError); returns the bytes written.
 */
export function writeRawVersionError(socket: Duplex, answer: VersionErrorAnswer, extra: Record<string, string>): number {
  const head = [`HTTP/1.1 ${answer.status} ${STATUS_CODES[answer.status]}`, ...Object.entries({ ...answer.headers, ...extra }).map(([k, v]) => `${k}: ${v}`)];
  const raw = Buffer.concat([Buffer.from(head.join('\r\n') + '\r\n\r\n'), answer.body]);
  endRawSocket(socket, raw);
  return raw.length;
}
