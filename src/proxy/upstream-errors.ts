/**
 * What kind of daemon error an OS error is, the same on the request and the upgrade paths
 * (dockgate_upstream_errors_total's `kind`, the record's `upstreamError`, the 502's wording):
 * `unreachable` when no connection to the daemon could be made, `failed` when one was made and
 * broke (a reset or a broken pipe: the daemon died or dropped it mid-request). The same test
 * says when the daemon's API range is stale (src/runtime/daemon-api-range.ts). Pure.
 */

/** The two kinds of daemon errors (dockgate_upstream_errors_total's `kind`). */
export const UPSTREAM_ERROR_KINDS = ['unreachable', 'failed'] as const;

/** The two kinds of daemon errors. */
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/** What of an OS error (NodeJS.ErrnoException) says whether a connection was made. */
export interface OsErrorFacts {
  /** The error code (`ECONNREFUSED`); undefined or empty when it has none (a timeout of the gateway's own). */
  code?: string | undefined;
  /** The call that failed: `connect`, `getaddrinfo` (a TCP upstream's name), `read`, `write`. */
  syscall?: string | undefined;
}

/**
 * Errors of connecting: a unix socket missing or closed to the gateway, a TCP upstream's port
 * closed, its name not found (or not resolved for now: EAI_AGAIN), its host or network
 * unreachable, its connect timed out by the kernel (dockgate sets no connect timeout of its own;
 * its own timeouts, of look-ups and pings, carry no code).
 */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/**
 * The calls of a connection already made: the kernel ends one with ETIMEDOUT (its retransmission
 * or keep-alive timeout: a daemon host gone silent mid-request) or, after an ICMP error,
 * EHOSTUNREACH or ENETUNREACH. The request may have reached the daemon: `failed`, not `unreachable`.
 */
const ON_A_CONNECTION = new Set(['read', 'write']);

/**
 * Whether `err` says no connection to the daemon could be made: nothing on the daemon saw the
 * request. A code alone (no `syscall`) is read as an error of connecting.
 */
export function noConnectionMade(err: OsErrorFacts | undefined): boolean {
  const code = err?.code;
  if (code === undefined || !UNREACHABLE.has(code)) return false;
  return err?.syscall === undefined || !ON_A_CONNECTION.has(err.syscall);
}

/** The kind of daemon error `err` (its code empty or undefined when it has none). */
export function upstreamErrorKind(err: OsErrorFacts | undefined): UpstreamErrorKind {
  return noConnectionMade(err) ? 'unreachable' : 'failed';
}

/**
 * Whether `err`, a rejection or error event of a request to the daemon, says no connection to it
 * could be made (noConnectionMade, the same test as the `unreachable` of the forwarder's and
 * the upgrade path's errors: a unix socket's ENOENT, a TCP upstream's ECONNREFUSED, ENOTFOUND or
 * EHOSTUNREACH, a kernel's connect timeout; not an established connection timed out, nor a
 * timeout of the gateway's own, which has no code).
 */
export function noConnection(err: unknown): boolean {
  const e = err as NodeJS.ErrnoException | undefined;
  return noConnectionMade({ code: errorCode(err), syscall: typeof e?.syscall === 'string' ? e.syscall : undefined });
}

/** The OS error code of `err`, a rejection or error event of a request to the daemon, if it has one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
