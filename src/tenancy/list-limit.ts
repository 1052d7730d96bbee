/**
 * A container list's `limit` (`docker ps -n N`, `-l`), applied by the gateway after it dropped
 * what the caller may not see: dockerd's would count those too, and `docker ps -l` came out
 * empty when the newest container the label filter selected was no one's (a build's `RUN`
 * step, one made before `dockgate.created`: rev-seal2 F5). dockerd reads `limit` with Go's
 * `strconv.Atoi` and, above 0, lists stopped containers too (as `all=1`) and stops after that
 * many, newest first; `since` and `before` only cut the list by position, so they commute with
 * the gateway's filtering and stay with dockerd. Pure.
 */

/** A decimal Go's strconv.Atoi takes (optional sign, digits only, within 64 bits). */
const ATOI = /^[+-]?[0-9]+$/;

/** The `limit` to apply after filtering (a positive count), or undefined when dockerd would apply none (absent, 0 or below) or refuse it (not a number: left to dockerd). */
export function listLimit(raw: string | undefined): number | undefined {
  if (raw === undefined || raw === '' || !ATOI.test(raw)) return undefined;
  const n = Number(raw);
  if (!Number.isSafeInteger(n) || n <= 0) return undefined;
  return n;
}

/** The query changes that fetch what a list with `limit` > 0 selects, before the limit: every container, no limit. */
export const UNLIMITED_QUERY: Readonly<Record<string, string | undefined>> = { limit: undefined, all: '1' };
