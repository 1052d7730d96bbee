/**
 * `filters` query values that make a dockerd 20.10 handler panic (each seen on the real daemon;
 * Go's HTTP server recovers, but the client gets a dropped connection, which the gateway would
 * report as an unreachable daemon):
 * - a filter key mapped to `null` (a nil map inside filters.Args): the legacy `filter`
 *   parameter of an image list adds to `reference` ("assignment to entry in nil map",
 *   filters/parse.go:129), and dockerd's own additions to any key would do the same. No client
 *   sends it, so it is refused on every operation;
 * - a prune with an `until` filter of no value (`{}`, `[]`): the prune reads its first value
 *   (daemon/prune.go:232, images/image_prune.go:207, "index out of range [0]").
 * dockerd reads the first `filters` value (FormValue) and parses it with json.Unmarshal; what
 * does not parse is left to dockerd, which refuses it. Pure.
 */
import { queryJson } from './query-json.js';

/** Prunes that read `until` (build prune too: refusing an empty `until` there costs nothing). */
const PRUNES = new Set(['ContainerPrune', 'ImagePrune', 'NetworkPrune', 'BuildPrune']);

/** Whether a filter value holds no value at all (`{}` or `[]`). */
function empty(value: unknown): boolean {
  return Array.isArray(value) ? value.length === 0 : typeof value === 'object' && value !== null && Object.keys(value).length === 0;
}

/** Why this `filters` value would panic dockerd for `operation`, or undefined. */
export function panickingFilter(operation: string, filters: string | undefined): string | undefined {
  const parsed = queryJson(filters);
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
  // Go map keys are exact, and json.Unmarshal keeps the last of duplicate keys, as JSON.parse does.
  const fields = parsed as Record<string, unknown>;
  for (const [key, value] of Object.entries(fields)) {
    if (value === null) return `filter ${JSON.stringify(key)} is null`;
  }
  if (PRUNES.has(operation) && Object.hasOwn(fields, 'until') && empty(fields.until)) return 'filter "until" has no value';
  return undefined;
}
