/**
 * Docker's `filters` query parameter: a JSON map of filter name to values, either the current
 * form `{"label":{"a=b":true}}` or the legacy form `{"label":["a=b"]}` (dockerd's
 * filters.FromJSON accepts both). dockerd ANDs several `label` values, so adding ours only
 * narrows what the client asked for. A value dockerd refuses (neither form, or a mix of the
 * two) is refused, never turned into one it accepts. Pure.
 *
 * Read as Go's decoder reads it into dockerd's maps: a name (or a map-form value) given twice
 * keeps its last occurrence, each occurrence checked for its type (a wrong type in any fails
 * the form, so `{"label":["a"],"label":{"b":true}}` is refused as dockerd refuses it); a `null`
 * is a name with no values (dockerd: no filtering on it), in either form. What is forwarded is
 * the re-serialisation of that reading, each name once.
 *
 * Names and values are the client's: every object built here has no prototype, so a name or
 * value `__proto__` (or `constructor`, ...) is an own key like any other and is forwarded as
 * sent, never taken for the prototype or read from it.
 */
import { isObject } from '../facts/go-fold.js';
import { objectMembers } from '../facts/json-duplicate-keys.js';

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
  let lists = false;
  let maps = false;
  // Every member, a name given twice included (JSON.parse keeps only the last): Go decodes each
  // occurrence into a fresh value and keeps the last, failing the form on a wrong type in any.
  for (const [name, text] of objectMembers(raw)) {
    const values = JSON.parse(text) as unknown;
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
      // dockerd matches on the keys whatever the boolean says (null is false to Go). Each member
      // is checked, a value given twice included: Go keeps the last, failing on a wrong type in any.
      for (const [v, b] of objectMembers(text)) {
        if (b !== 'true' && b !== 'false' && b !== 'null') throw new FilterError(`filter "${name}" values must be booleans`);
        set[v] = true;
      }
    } else if (values !== null) {
      throw new FilterError(`filter "${name}" must be a list or a map`);
    }
    // A null leaves Go a nil map (or slice): the name with no values, in whichever form the rest is.
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
