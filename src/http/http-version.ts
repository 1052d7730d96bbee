/**
 * The HTTP version of a request line as Go's net/http reads it. Node's parser takes a request
 * line without a version (`GET /path`) as HTTP/0.9 and a textual `HTTP/2.0` as version 2.0, and
 * hands both over like any HTTP/1 request; Go's server refuses them before any handler: a
 * missing version is a malformed request line (400 Bad Request), another major version than 1
 * an unsupported protocol (505 HTTP Version Not Supported), and it closes the connection. The
 * gateway refuses them too, before the policy: a version-less `GET /containers/json` was
 * answered 200 with the list (rev-dos F4). Pure.
 */
import { GatewayError } from './gateway-error.js';

/** The record's reason code of both refusals. */
export const HTTP_VERSION_CODE = 'http-version';

/**
 * The refusal of a request Node parsed as HTTP version `major`.`minor`, or undefined for
 * HTTP/1.x. Node reports both a request line without a version and a textual `HTTP/0.9` as 0.9;
 * the first is what clients send (dockerd: 400), so 0.9 is refused as it (dockerd answers the
 * rare second with 505).
 */
export function httpVersionRefusal(major: number, minor: number): GatewayError | undefined {
  if (major === 1) return undefined;
  if (major === 0) {
    return new GatewayError('bad-request-line', 'dockgate: refused request: the request line has no HTTP version (dockerd answers 400 Bad Request)', HTTP_VERSION_CODE);
  }
  return new GatewayError('http-version', `dockgate: refused request: HTTP/${major}.${minor} in the request line (dockerd answers 505 HTTP Version Not Supported)`, HTTP_VERSION_CODE);
}
