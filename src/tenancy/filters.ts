/**
 * Docker's `filters` query parameter: a JSON map of filter name to values, either the current
 * form `{"label":{"a=b":true}}` or the legacy form `{"label":["a=b"]}` (dockerd's
 * filters.FromJSON accepts both). dockerd ANDs several `label` values, so adding ours only
 * narrows what the client asked for. Pure.
 *
 * Names and values are the client's: every object built here has no prototype, so a name or
 * value `__proto__` (or `constructor`, ...) is an own key like any other and is forwarded as
 * sent, never taken for the prototype or read from it.
 */
import { isObject } from '../facts/go-fold.js';

/** Filters in the current form: name -> set of values (objects without a prototype). */
export type FilterArgs = Record<string, Record<string, boolean>>;

/** Thrown for a `filters` value dockerd would not read as we do. */
export class FilterError extends Error {}

/** Parse a `filters` value (either form). Empty or absent means no filters. */
export function parseFilters(raw: string | undefined): FilterArgs {
  const out: FilterArgs = Object.create(null) as FilterArgs;
  if (raw === undefined || raw === '') return out;
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw new FilterError('filters is not valid JSON');
  }
  // dockerd: FromJSON of "null" gives empty args.
  if (parsed === null) return out;
  if (!isObject(parsed as never)) throw new FilterError('filters must be a JSON object');
  for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
    const set: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
    if (Array.isArray(values)) {
      for (const v of values) {
        if (typeof v !== 'string') throw new FilterError(`filter "${name}" values must be strings`);
        set[v] = true;
      }
    } else if (typeof values === 'object' && values !== null) {
      // dockerd matches on the keys whatever the boolean says.
      for (const [v, b] of Object.entries(values)) {
        if (typeof b !== 'boolean') throw new FilterError(`filter "${name}" values must be booleans`);
        set[v] = true;
      }
    } else {
      throw new FilterError(`filter "${name}" must be a list or a map`);
    }
    out[name] = set;
  }
  return out;
}

/** `filters` with `label=<value>` added to whatever the client asked, serialised in the current form. */
export function addLabelFilter(raw: string | undefined, label: string): string {
  const args = parseFilters(raw);
  const set = args.label ?? (Object.create(null) as Record<string, boolean>);
  set[label] = true;
  args.label = set;
  return JSON.stringify(args);
}
