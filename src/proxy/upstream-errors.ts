/**
 * What kind of daemon error an OS error is, the same on the request and the upgrade paths
 * (dockgate_upstream_errors_total's `kind`, the record's `upstreamError`, the 502's wording):
 * `unreachable` when no connection to the daemon could be made, `failed` when one was made and
 * broke (a reset or a broken pipe: the daemon died or dropped it mid-request). Pure.
 */

/** The two kinds of daemon errors (dockgate_upstream_errors_total's `kind`). */
export const UPSTREAM_ERROR_KINDS = ['unreachable', 'failed'] as const;

/** The two kinds of daemon errors. */
export type UpstreamErrorKind = (typeof UPSTREAM_ERROR_KINDS)[number];

/** Errors of connecting: the daemon could not be reached. */
const UNREACHABLE = new Set(['ECONNREFUSED', 'ENOENT', 'EACCES', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'ETIMEDOUT']);

/** The kind of a daemon error with OS error code `code` (empty or undefined when it has none). */
export function upstreamErrorKind(code: string | undefined): UpstreamErrorKind {
  return code !== undefined && UNREACHABLE.has(code) ? 'unreachable' : 'failed';
}
