/**
 * The checks on a request's head that the request path (handle-request.ts) and the upgrade path
 * (handle-upgrade.ts) make alike, in the same order, before anything else of the head: each
 * path renders the refusal its own way (a response, or raw bytes on the socket).
 */
import type { IncomingMessage } from 'node:http';
import { GatewayError } from '../http/gateway-error.js';
import { hostHeaderProblem } from '../http/host-header.js';
import { httpVersionRefusal } from '../http/http-version.js';
import { http10TransferEncoding } from '../http/transfer-encoding.js';

/**
 * The first refusal of `req` from its head, or undefined: a gateway shutting down (`draining`),
 * a request line without an HTTP/1 version, a Host header dockerd refuses, a Transfer-Encoding
 * on an HTTP/1.0 request.
 */
export function headRefusal(req: IncomingMessage, draining: boolean): GatewayError | undefined {
  if (draining) return new GatewayError('shutting-down', 'dockgate: gateway is shutting down');
  // A request line without an HTTP/1 version (http-version.ts), before the headers as in Go.
  const versionRefusal = httpVersionRefusal(req.httpVersionMajor, req.httpVersionMinor);
  if (versionRefusal) return versionRefusal;
  const hostProblem = hostHeaderProblem(req);
  if (hostProblem) return new GatewayError('bad-host', `dockgate: refused request: ${hostProblem} (dockerd refuses it too)`);
  // Go reads no body from an HTTP/1.0 request whatever its Transfer-Encoding says (transfer-encoding.ts).
  return http10TransferEncoding(req, req.method ?? '');
}
