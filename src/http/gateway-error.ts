/**
 * The gateway's own errors: each has an HTTP status and a stable code, and is rendered in one
 * place (docker-error.ts) in Docker's error shape so the CLI prints it.
 */

/** Stable codes of errors the gateway itself answers with. */
export type GatewayErrorCode =
  | 'malformed'
  | 'bad-host'
  | 'bad-expect'
  | 'body-too-large'
  | 'body-timeout'
  | 'identity-body-budget'
  | 'identity-stream-limit'
  | 'identity-request-limit'
  | 'body-budget'
  | 'denied'
  | 'upstream-unreachable'
  | 'upstream-failed'
  | 'shutting-down'
  | 'internal';

const STATUS: Record<GatewayErrorCode, number> = {
  malformed: 400,
  'bad-host': 400,
  'bad-expect': 417,
  'body-too-large': 413,
  'body-timeout': 408,
  'identity-body-budget': 429,
  'identity-stream-limit': 429,
  'identity-request-limit': 429,
  'body-budget': 503,
  denied: 403,
  'upstream-unreachable': 502,
  'upstream-failed': 502,
  'shutting-down': 503,
  internal: 500,
};

/**
 * Refusals Go's server itself makes from a request's headers, before any handler, answering
 * with `Connection: close` (a bad `Host`, an `Expect` other than 100-continue): the gateway
 * closes after them and says so, on the request and the upgrade paths alike.
 */
export const SERVER_REFUSALS: readonly GatewayErrorCode[] = ['bad-host', 'bad-expect'];

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
