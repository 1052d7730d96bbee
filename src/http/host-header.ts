/**
 * The Host header as Go's net/http requires it: an HTTP/1.1 request without one, or any request
 * with more than one, is answered 400 and the connection closed (readRequest: "missing required
 * Host header", "too many Host headers"). Node's own check (requireHostHeader) answers the first
 * before the gateway sees the request, so no record was written; the gateway checks both itself.
 */
import type { IncomingMessage } from 'node:http';

/** Why the request's Host header is one dockerd refuses, or undefined. */
export function hostHeaderProblem(req: IncomingMessage): string | undefined {
  let hosts = 0;
  const raw = req.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i] as string;
    if (name.length === 4 && name.toLowerCase() === 'host') hosts++;
  }
  if (hosts > 1) return 'too many Host headers';
  if (hosts === 0 && req.httpVersionMajor === 1 && req.httpVersionMinor === 1) return 'missing required Host header';
  return undefined;
}
