/**
 * Whether a request's head announces a body. Node's parser reads a request body only when the
 * head announces one with `Content-Length` or `Transfer-Encoding`: without either, the request
 * has none, and no `data` ever comes.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** True when `headers` announce a body (`Content-Length` or `Transfer-Encoding`). */
export function announcesBody(headers: IncomingHttpHeaders): boolean {
  return headers['content-length'] !== undefined || headers['transfer-encoding'] !== undefined;
}
