/**
 * Query strings and form bodies with Go's rules (url.ParseQuery, Request.ParseForm,
 * Request.FormValue): `&`-separated pairs, `+` is a space, the first value of a key wins,
 * and a form-urlencoded POST/PUT/PATCH body comes before the query string.
 * Where Go skips or guesses we refuse: a `;` (Go >= 1.17 drops such pairs, older Go split on
 * it), an invalid escape, or escapes that do not decode to UTF-8.
 */
import { FactsError } from './errors.js';
import { NO_VALUES } from './no-values.js';
import { percentDecode } from './percent.js';

/** One decoded `key=value` pair, in the order it was written. */
export type QueryPair = readonly [key: string, value: string];

/** Values as the facts carry them: first value per key, and every value per key. */
export interface QueryValues {
  query: Record<string, string>;
  queryAll: Record<string, string[]>;
}

/** Parse a raw query string (or form body) into ordered pairs; throws FactsError `bad-query`. */
export function parseGoQuery(raw: string): QueryPair[] {
  if (raw.includes(';')) throw new FactsError('bad-query', 'query contains ";"');
  const pairs: QueryPair[] = [];
  for (const part of raw.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const key = eq < 0 ? part : part.slice(0, eq);
    const value = eq < 0 ? '' : part.slice(eq + 1);
    pairs.push([percentDecode(key, true, 'bad-query'), percentDecode(value, true, 'bad-query')]);
  }
  return pairs;
}

/**
 * Largest form-urlencoded body decoded. No Docker client sends one (every parameter goes in
 * the query string, itself under Node's 16 KiB header limit); a form body is only another
 * place for query parameters, and one of megabytes costs its decode in seconds of the event
 * loop (a 3.5 MB body of 700 000 keys held it for about 1.9 s).
 */
export const FORM_BODY_BYTES = 64 * 1024;

/**
 * Decode a form-urlencoded body. Go reads it as a string of bytes; we require ASCII, which is
 * all a correct encoder produces, so no byte can be read two ways. Bodies over
 * FORM_BODY_BYTES are refused before any decoding.
 */
export function parseFormBody(body: Uint8Array): QueryPair[] {
  if (body.length > FORM_BODY_BYTES) throw new FactsError('bad-query', `form body over ${FORM_BODY_BYTES} bytes (send parameters in the query string)`);
  for (const byte of body) {
    if (byte < 0x20 || byte > 0x7e) throw new FactsError('bad-query', 'form body is not printable ASCII');
  }
  return parseGoQuery(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('latin1'));
}

/**
 * Merge form and query pairs as Go's ParseForm does (form first, then query), so `query`
 * holds what FormValue returns. A key in both the form and the query is refused
 * (`ambiguous-query`): handlers that read `r.URL.Query()` would see the other value.
 */
export function mergeQuery(form: readonly QueryPair[], query: readonly QueryPair[]): QueryValues {
  if (form.length > 0) {
    const formKeys = new Set(form.map(([k]) => k));
    for (const [k] of query) {
      if (formKeys.has(k)) throw new FactsError('ambiguous-query', `"${k}" is in both the form body and the query`);
    }
  }
  // Most requests have no query at all: they share one frozen empty record (no-values.ts).
  if (form.length === 0 && query.length === 0) return { query: NO_VALUES, queryAll: NO_VALUES };
  const first: Record<string, string> = Object.create(null);
  const all: Record<string, string[]> = Object.create(null);
  for (const [k, v] of [...form, ...query]) {
    const list = all[k];
    if (list) list.push(v);
    else {
      all[k] = [v];
      first[k] = v;
    }
  }
  return { query: first, queryAll: all };
}

/**
 * A boolean query value as dockerd's `httputils.BoolValue` reads it: false when absent, empty,
 * `0`, `no`, `false` or `none` (trimmed, any case), true otherwise. Undefined for a value whose
 * reading depends on Go's Unicode trimming or case mapping (anything but printable ASCII
 * around ASCII spaces): the caller refuses it rather than guess.
 */
export function goBoolValue(value: string | undefined): boolean | undefined {
  if (value === undefined) return false;
  if (!/^[\x20-\x7e\t\n\v\f\r]*$/.test(value)) return undefined;
  const s = value.replace(/^[ \t\n\v\f\r]+|[ \t\n\v\f\r]+$/g, '').toLowerCase();
  return !(s === '' || s === '0' || s === 'no' || s === 'false' || s === 'none');
}
