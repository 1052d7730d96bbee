/**
 * Requests whose body http-proxy would not pass on as it came. Its first web pass
 * (`deleteLength` in http-proxy's web-incoming.js) gives a DELETE or OPTIONS request without a
 * Content-Length the header `Content-Length: 0` and drops its Transfer-Encoding, yet the body
 * is still sent to the daemon after that head. dockerd reads those bytes as a further request
 * on the same connection, one that no policy decided and no audit record shows (request
 * smuggling), and the answer it gives is left for the next request on that daemon connection.
 * The Engine API takes no body on either method, so such requests are refused, never forwarded.
 */
import type { IncomingHttpHeaders } from 'node:http';

/**
 * True when http-proxy would re-frame this request's body: DELETE or OPTIONS with a body
 * framed by Transfer-Encoding (the only framing besides Content-Length that Node accepts).
 * The condition is http-proxy's own, so both agree on which requests it touches.
 */
export function bodyWouldBeReframed(method: string, headers: IncomingHttpHeaders): boolean {
  return (method === 'DELETE' || method === 'OPTIONS') && !headers['content-length'] && headers['transfer-encoding'] !== undefined;
}
