/**
 * The gateway's own errors: each has an HTTP status and a stable code, and is rendered in one
 * place (docker-error.ts) in Docker's error shape so the CLI prints it.
 */

/**
 * Stable codes of errors the gateway itself answers with. Policy denials are not among them
 * (their record carries the policy's code), nor is an unreachable daemon (the forwarded
 * request's 502, recorded as an `allow` with `upstreamError`; the version gate's refusal of a
 * prefix the daemon did not serve when last reached is `upstream-failed`, version-gate.ts).
 */
export type GatewayErrorCode =
  | 'malformed'
  | 'bad-host'
  | 'bad-expect'
  | 'bad-request-line'
  | 'http-version'
  | 'http10-body'
  | 'body-too-large'
  | 'body-timeout'
  | 'identity-body-budget'
  | 'identity-stream-limit'
  | 'identity-request-limit'
  | 'body-budget'
  | 'upstream-failed'
  | 'shutting-down'
  | 'internal';

const STATUS: Record<GatewayErrorCode, number> = {
  malformed: 400,
  'bad-host': 400,
  'bad-expect': 417,
  'bad-request-line': 400,
  'http-version': 505,
  'http10-body': 400,
  'body-too-large': 413,
  'body-timeout': 408,
  'identity-body-budget': 429,
  'identity-stream-limit': 429,
  'identity-request-limit': 429,
  'body-budget': 503,
  'upstream-failed': 502,
  'shutting-down': 503,
  internal: 500,
};

/**
 * Refusals Go's server itself makes from a request's line or headers, before any handler,
 * answering with `Connection: close` (a bad `Host`, an `Expect` other than 100-continue, a
 * request line without an HTTP/1 version): the gateway closes after them and says so, on the
 * request and the upgrade paths alike.
 */
export const SERVER_REFUSALS: readonly GatewayErrorCode[] = ['bad-host', 'bad-expect', 'bad-request-line', 'http-version'];

/**
 * What the record of a refusal says: `error` when the gateway itself failed (a 5xx), else
 * `malformed`; a 505 for the client's HTTP version is the client's fault.
 */
export function refusalOutcome(err: GatewayError): 'error' | 'malformed' {
  return err.status >= 500 && err.code !== 'http-version' ? 'error' : 'malformed';
}

/** An error the gateway answers with itself, never forwarding the request. */
export class GatewayError extends Error {
  readonly status: number;
  constructor(
    readonly code: GatewayErrorCode,
    message: string,
    /** Finer reason code for metrics and the audit log (e.g. `unclean-path`). */
    readonly reasonCode: string = code,
  ) {
    super(message);
    this.name = 'GatewayError';
    this.status = STATUS[code];
  }
}
