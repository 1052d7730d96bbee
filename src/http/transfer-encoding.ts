/**
 * The one Transfer-Encoding dockerd's Go server takes. Go's net/http (transfer.go) accepts a
 * request with exactly one Transfer-Encoding line whose value is `chunked` (ASCII case
 * ignored) and answers `501 Unsupported transfer encoding` to anything else; Node's parser
 * also accepts codings before a final `chunked` (`gzip, chunked`, `chunked, chunked`). Such a
 * request is refused before any decision: forwarded, dockerd would drop the connection (a 502
 * that reads as an unreachable daemon), and re-framed as an inspected body, it would run a
 * request dockerd itself refuses. Node joins two Transfer-Encoding lines into one value
 * (`gzip` and `chunked` read as `gzip, chunked`), which is then not exactly `chunked` either.
 *
 * On an HTTP/1.0 request Go ignores Transfer-Encoding altogether (transfer.go,
 * parseTransferEncoding: "Issue 12785; ignore Transfer-Encoding on HTTP/1.0 requests"): without
 * a Content-Length the body is empty, and the chunked bytes that follow the head are read as the
 * next request (400, closed). Node decodes the chunked body anyway, and the forwarder would send
 * it to the daemon as an HTTP/1.1 chunked request: a `POST /containers/create` over HTTP/1.0 with
 * a chunked body created the container, where dockerd answers `500 EOF` and creates nothing. Such
 * a request is refused before any decision, and the connection closed; no docker client sends it.
 */
import type { IncomingHttpHeaders } from 'node:http';
import { GatewayError } from './gateway-error.js';

/** True when the request has a Transfer-Encoding other than exactly `chunked`. */
export function unsupportedTransferEncoding(headers: IncomingHttpHeaders): boolean {
  const te = headers['transfer-encoding'];
  // Without the `u` flag, `i` folds no non-ASCII character to an ASCII one (as Go's ASCII fold).
  return te !== undefined && !/^chunked$/i.test(te.trim());
}

/**
 * The refusal of a `method` request with a Transfer-Encoding other than exactly `chunked`, or
 * undefined: reason code `body-framing`, on the request and the upgrade paths alike, right after
 * the checks on the head (head-refusal.ts) and before the `Expect` header is read, as Go fails
 * reading such a request (501) before it looks at its `Expect` header or routes it.
 */
export function transferEncodingRefusal(headers: IncomingHttpHeaders, method: string): GatewayError | undefined {
  if (!unsupportedTransferEncoding(headers)) return undefined;
  return new GatewayError('malformed', `dockgate: refused ${method} request: Transfer-Encoding must be exactly "chunked" (dockerd takes no other)`, 'body-framing');
}

/** The request line's version and headers, as Node parsed them. */
export interface VersionedHeaders {
  httpVersionMajor: number;
  httpVersionMinor: number;
  headers: IncomingHttpHeaders;
}

/**
 * The refusal of an HTTP/1.0 request with a Transfer-Encoding (any value), or undefined: Go
 * reads no body from it, Node decodes one. Reason code `body-framing`, as the other framing refusals;
 * code `http10-body`: the connection is closed after it, as where the next request starts is not known.
 */
export function http10TransferEncoding(req: VersionedHeaders, method: string): GatewayError | undefined {
  if (req.headers['transfer-encoding'] === undefined) return undefined;
  if (req.httpVersionMajor !== 1 || req.httpVersionMinor !== 0) return undefined;
  return new GatewayError('http10-body', `dockgate: refused ${method} request: Transfer-Encoding on an HTTP/1.0 request (dockerd ignores it and reads no body; send HTTP/1.1, or a Content-Length)`, 'body-framing');
}
