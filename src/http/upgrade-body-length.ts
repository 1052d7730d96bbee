/**
 * How long an upgrade request's body is, from its headers. Node hands an upgrade request's body
 * over unparsed (upgrade-body.ts reads it), so the gateway frames it by its `Content-Length`
 * only: where a chunked body ends and the raw stream begins is for the daemon's handler to say
 * (dockerd takes a chunked `attach` or `exec` start, 101, and an `exec` start decodes its JSON
 * from the chunks), and the gateway would have to re-frame what it forwards. A chunked upgrade is
 * refused as a chunked `DELETE` is on the request path (reframed-body.ts): reason code
 * `body-framing`, from the headers, before the version gate and before any share of the body
 * budget is held.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from './gateway-error.js';
import { transferEncodingRefusal } from './transfer-encoding.js';

/**
 * The length of the body of a `method` upgrade request with `headers`, or the refusal of its
 * framing (`body-framing`): any Transfer-Encoding (one other than `chunked` with the request
 * path's refusal), or a Content-Length that is not all digits (Node's parser refuses those
 * first; checked so that no other value is ever read as a length). A length over the inspection
 * limit is for the body's read to refuse (413), as on the request path.
 */
export function upgradeBodyLength(method: string, headers: IncomingHttpHeaders): number | GatewayError {
  if (headers['transfer-encoding'] !== undefined) {
    return transferEncodingRefusal(headers, method) ?? new GatewayError('malformed', `dockgate: refused ${method} request: a body on a connection upgrade is forwarded only with a Content-Length, not chunked`, 'body-framing');
  }
  const text = headers['content-length'];
  if (text === undefined) return 0;
  if (!/^\d+$/.test(text)) return new GatewayError('malformed', `dockgate: refused ${method} request: invalid Content-Length`, 'body-framing');
  // Digits past 2^53 round (or become Infinity): either way over any inspection limit.
  return Number(text);
}
