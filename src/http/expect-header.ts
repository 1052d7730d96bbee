/**
 * The `Expect` header as Go's net/http reads it (conn.serve): `req.expectsContinue()` is
 * `hasToken(Header.get("Expect"), "100-continue")`, on the FIRST `Expect` header's value only
 * (textproto trims it), the token bounded by the value's ends, spaces, tabs or commas, in any
 * ASCII case. Otherwise a non-empty value is answered `417 Expectation Failed` with `Connection:
 * close` (sendExpectationFailed), whatever the HTTP version, and nothing more is read from the
 * connection; an empty one is as if there were none. A `100 Continue` goes out only for HTTP/1.1
 * with a body (`ContentLength != 0`: a declared length other than 0, or chunked).
 *
 * Node decides on its own: on the values of all `Expect` headers joined with ", ", with a
 * looser boundary (any non-word character), for HTTP/1.1 only, and it answers any other value
 * (an empty one too) with a 417 of its own that the gateway never saw. So the gateway decides
 * here, on the raw header lines.
 */
import { asciiLower } from '../facts/ascii-lower.js';
import { GatewayError } from './gateway-error.js';

/** What dockerd makes of a request's `Expect` headers. */
export type Expectation = 'none' | 'continue' | 'unsupported';

const TOKEN = '100-continue';

/** The first `Expect` header's value, trimmed as Go's textproto does; undefined without one. */
export function firstExpect(rawHeaders: readonly string[]): string | undefined {
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    const name = rawHeaders[i] as string;
    if (name.length === 6 && name.toLowerCase() === 'expect') return (rawHeaders[i + 1] as string).replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  }
  return undefined;
}

const isBoundary = (c: string | undefined): boolean => c === ' ' || c === ',' || c === '\t';

/** Go's hasToken(v, "100-continue"): the token, in any ASCII case, between the ends, spaces, tabs or commas. */
export function hasContinueToken(v: string): boolean {
  // ASCII case only (toLowerCase would change the length of some non-ASCII values: `İ`).
  const lower = asciiLower(v);
  for (let at = lower.indexOf(TOKEN); at >= 0; at = lower.indexOf(TOKEN, at + 1)) {
    const end = at + TOKEN.length;
    if ((at === 0 || isBoundary(v[at - 1])) && (end === v.length || isBoundary(v[end]))) return true;
  }
  return false;
}

/** What dockerd does with the request whose raw header lines are `rawHeaders`. */
export function expectation(rawHeaders: readonly string[]): Expectation {
  const value = firstExpect(rawHeaders);
  if (value === undefined || value === '') return 'none';
  return hasContinueToken(value) ? 'continue' : 'unsupported';
}

/** Whether Go would send `100 Continue` to a request that expects it: HTTP/1.1 (or later) with a body. */
export function continueWanted(version: { httpVersionMajor: number; httpVersionMinor: number }, headers: { 'content-length'?: string; 'transfer-encoding'?: string }): boolean {
  const v11 = version.httpVersionMajor > 1 || (version.httpVersionMajor === 1 && version.httpVersionMinor >= 1);
  if (!v11) return false;
  if (headers['transfer-encoding'] !== undefined) return true;
  const length = headers['content-length'];
  return length !== undefined && Number(length) !== 0;
}

/** The interim answer Go writes to a request waiting for it, exactly (written raw on the upgrade path). */
export const CONTINUE_LINE = 'HTTP/1.1 100 Continue\r\n\r\n';

/** The refusal of a request whose first `Expect` is neither empty nor `100-continue` (the value is not quoted). */
export function unsupportedExpectation(): GatewayError {
  return new GatewayError('bad-expect', 'dockgate: refused request: an Expect header other than 100-continue (dockerd answers 417 Expectation Failed and closes the connection)');
}
