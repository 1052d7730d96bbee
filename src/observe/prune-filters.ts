/**
 * What a prune's `filters` ask for, for its audit record: `name=value` strings
 * (`["label=team=web", "until=24h", "dangling=false"]`), read as dockerd reads them: the first
 * `filters` value (FormValue) through filters.FromJSON, which takes the current form
 * `{"label":{"a=b":true}}` (the keys count, whatever the boolean) or the legacy form
 * `{"label":["a=b"]}`, not a mix of the two; the last of duplicate names wins (json.Unmarshal
 * into a Go map, as JSON.parse). Pure.
 */

/** The audit value of a `filters` that dockerd refuses (not JSON, or neither form). */
export const UNPARSABLE_FILTERS = '(unparsable)';

/** The filters as `name=value` strings; undefined when there are none (absent, empty, `null`). */
export function pruneFilters(raw: string | undefined): string[] | undefined {
  if (raw === undefined || raw === '') return undefined;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    return [UNPARSABLE_FILTERS];
  }
  if (parsed === null) return undefined;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) return [UNPARSABLE_FILTERS];
  const current: string[] = [];
  const legacy: string[] = [];
  let currentForm = true;
  let legacyForm = true;
  for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
    // A null value is a nil map or slice for Go in either form: no values. A null boolean leaves
    // it false (the key still counts); a null string in a list is an empty string.
    if (values === null) continue;
    if (typeof values === 'object' && !Array.isArray(values) && Object.values(values).every((b) => typeof b === 'boolean' || b === null)) {
      for (const value of Object.keys(values)) current.push(`${name}=${value}`);
    } else currentForm = false;
    if (Array.isArray(values) && values.every((v) => typeof v === 'string' || v === null)) {
      for (const value of values as (string | null)[]) legacy.push(`${name}=${value ?? ''}`);
    } else legacyForm = false;
  }
  if (currentForm) return current.length > 0 ? current : undefined;
  if (legacyForm) return legacy.length > 0 ? legacy : undefined;
  return [UNPARSABLE_FILTERS];
}
