/**
 * The one Transfer-Encoding dockerd's Go server takes. Go's net/http (transfer.go) accepts a
 * request with exactly one Transfer-Encoding line whose value is `chunked` (ASCII case
 * ignored) and answers `501 Unsupported transfer encoding` to anything else; Node's parser
 * also accepts codings before a final `chunked` (`gzip, chunked`, `chunked, chunked`). Such a
 * request is refused before any decision: forwarded, dockerd would drop the connection (a 502
 * that reads as an unreachable daemon), and re-framed as an inspected body, it would run a
 * request dockerd itself refuses. Node already refuses two Transfer-Encoding lines.
 */
import type { IncomingHttpHeaders } from 'node:http';

/** True when the request has a Transfer-Encoding other than exactly `chunked`. */
export function unsupportedTransferEncoding(headers: IncomingHttpHeaders): boolean {
  const te = headers['transfer-encoding'];
  // Without the `u` flag, `i` folds no non-ASCII character to an ASCII one (as Go's ASCII fold).
  return te !== undefined && !/^chunked$/i.test(te.trim());
}
