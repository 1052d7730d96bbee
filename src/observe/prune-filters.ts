/**
 * What a prune's `filters` ask for, for its audit record: `name=value` strings
 * (`["label=team=***", "until=24h", "dangling=false"]`), read as dockerd reads them: the first
 * `filters` value (FormValue) through filters.FromJSON, which takes the current form
 * `{"label":{"a=b":true}}` (the keys count, whatever the boolean) or the legacy form
 * `{"label":["a=b"]}`, not a mix of the two; the last of duplicate names wins (json.Unmarshal
 * into a Go map, as JSON.parse), but every one of them must fit the form (Go fails on a wrong
 * type in any: dockerd refuses `{"label":["a"],"label":{"b":true}}`). A name with no values (`{"dangling":{}}`, `[]`, `null`) is
 * kept, as the bare `name` (without `=`, which no filter with a value gives: `{"label":{"(any)":
 * true}}` is `label=(any)`): dockerd keeps it, and its ExactMatch and MatchKVList match every
 * value for it, so `{"dangling":{}}` prunes every unused image, as `dangling=false` does. Label values
 * are never recorded, as a commit body's `Labels` values are not: `label=k=v` and `label!=k=v`
 * keep the key, the value masked (`label=token=***`). So does any filter value holding a `=`,
 * whatever the filter's name: `Label` or a misspelt `lable` (which dockerd refuses, the record
 * still shows) carry the same `k=v`, and no other prune filter's value (`until`, `dangling`,
 * build-cache `id`, `type`, ...) holds one. Pure.
 */
import { objectMembers } from '../facts/json-duplicate-keys.js';

/** The audit value of a `filters` that dockerd refuses (not JSON, or neither form). */
export const UNPARSABLE_FILTERS = '(unparsable)';

/** What stands for a label filter's value (`label=token=***`). */
export const MASKED_LABEL_VALUE = '***';

/** A filter value as recorded or quoted: a `key=value` (a label pair, under any filter name) keeps its key only. */
export function maskedFilterValue(value: string): string {
  const eq = value.indexOf('=');
  return eq === -1 ? value : `${value.slice(0, eq)}=${MASKED_LABEL_VALUE}`;
}

/** One filter value as recorded (`label=token=***`). */
function entry(name: string, value: string): string {
  return `${name}=${maskedFilterValue(value)}`;
}

/**
 * Whether a filter's value (its JSON text) fits the current form: null, or an object of
 * booleans (or nulls), every one of them, duplicate keys included (Go fails on a wrong type in
 * any of them).
 */
function inCurrentForm(text: string): boolean {
  const value = JSON.parse(text) as unknown;
  if (value === null) return true;
  return typeof value === 'object' && !Array.isArray(value) && objectMembers(text).every(([, b]) => b === 'true' || b === 'false' || b === 'null');
}

/** Whether a filter's value fits the legacy form: null, or a list of strings (or nulls). */
function inLegacyForm(text: string): boolean {
  const value = JSON.parse(text) as unknown;
  return value === null || (Array.isArray(value) && value.every((v) => typeof v === 'string' || v === null));
}

/** The filters as `name=value` strings; undefined when there are none (absent, empty, `null`, `{}`). */
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
  // The form is decided on every value a name is given, duplicates included (JSON.parse kept
  // only the last): `{"label":["a"],"label":{"b":true}}` fits neither, and dockerd refuses it.
  const members = objectMembers(raw);
  const currentForm = members.every(([, text]) => inCurrentForm(text));
  if (!currentForm && !members.every(([, text]) => inLegacyForm(text))) return [UNPARSABLE_FILTERS];
  const recorded: string[] = [];
  for (const [name, values] of Object.entries(parsed as Record<string, unknown>)) {
    // A null value is a nil map or slice for Go in either form: the name with no values. A null
    // boolean leaves it false (the key still counts); a null string in a list is an empty string.
    if (values === null) {
      recorded.push(name);
      continue;
    }
    const list = currentForm ? Object.keys(values as object) : (values as (string | null)[]).map((v) => v ?? '');
    if (list.length === 0) recorded.push(name);
    for (const value of list) recorded.push(entry(name, value));
  }
  return recorded.length > 0 ? recorded : undefined;
}
