/**
 * API versions compared as dockerd compares them (moby's api/types/versions): dot-separated
 * numbers, each read as an integer (a part that is not one counts as 0), a missing part as 0,
 * so `1.040` is `1.40`. A request without a version prefix gets the daemon's own version, the
 * newest it serves: never below any version the gateway asks about.
 */

/** -1, 0 or 1 as `a` is below, equal to or above `b`. */
export function compareApiVersions(a: string, b: string): number {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    const p = part(x[i]);
    const q = part(y[i]);
    if (p !== q) return p < q ? -1 : 1;
  }
  return 0;
}

/** Whether a request sent with version prefix `version` (undefined: none) is below `than`. */
export function apiVersionBelow(version: string | undefined, than: string): boolean {
  return version !== undefined && compareApiVersions(version, than) < 0;
}

/** Go's strconv.Atoi of one part, 0 on error (versions.compare ignores the error). */
function part(text: string | undefined): number {
  if (text === undefined || !/^[+-]?[0-9]+$/.test(text)) return 0;
  // Past int64, Atoi returns the largest int64 of the sign with its (ignored) range error.
  return Number(text);
}
