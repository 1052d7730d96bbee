/**
 * Docker's `filters` query parameter: a JSON map of filter name to values, either the current
 * form `{"label":{"a=b":true}}` or the legacy form `{"label":["a=b"]}` (dockerd's
 * filters.FromJSON accepts both). dockerd ANDs several `label` values, so adding ours only
 * narrows what the client asked for. A value dockerd refuses (neither form, or a mix of the
 * two) is refused, never turned into one it accepts. Pure.
 *
 * Names and values are the client's: every object built here has no prototype, so a name or
 * value `__proto__` (or `constructor`, ...) is an own key like any other and is forwarded as
 * sent, never taken for the prototype or read from it.
 */
import { isObject } from '../facts/go-fold.js';
import { firstDuplicateKey } from '../facts/json-duplicate-keys.js';
import { maskedFilterValue } from '../observe/prune-filters.js';

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
  // JSON.parse keeps the last of two equal keys; Go's decoder fails on a wrong type in any of
  // them (`{"label":["a"],"label":{"b":true}}` is refused by dockerd, read here as the map).
  const twice = firstDuplicateKey(raw);
  // A key in a map-form value is a filter value (`token=<secret>` of a label): masked as the record masks it.
  if (twice !== undefined) throw new FilterError(`filters has the key ${JSON.stringify(maskedFilterValue(twice))} twice in one object`);
  if (!isObject(parsed as never)) throw new FilterError('filters must be a JSON object');
  let lists = false;
  let maps = false;
  for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
    const set: Record<string, boolean> = Object.create(null) as Record<string, boolean>;
    if (Array.isArray(values)) {
      lists = true;
      for (const v of values) {
        // Go decodes a null element of a []string as "".
        if (typeof v !== 'string' && v !== null) throw new FilterError(`filter "${name}" values must be strings`);
        set[v ?? ''] = true;
      }
    } else if (typeof values === 'object' && values !== null) {
      maps = true;
      // dockerd matches on the keys whatever the boolean says (null is false to Go).
      for (const [v, b] of Object.entries(values)) {
        if (typeof b !== 'boolean' && b !== null) throw new FilterError(`filter "${name}" values must be booleans`);
        set[v] = true;
      }
    } else {
      throw new FilterError(`filter "${name}" must be a list or a map`);
    }
    out[name] = set;
  }
  // FromJSON decodes the whole value in one form, else in the other: a mix fails both.
  if (lists && maps) throw new FilterError('filters mixes the list form and the map form: dockerd reads neither');
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
