/**
 * Content-Type as Go's mime.ParseMediaType reads it (type lower-cased, parameters after `;`,
 * whitespace around them), made strict: we only accept what we can read one way.
 */
import { FactsError } from './errors.js';

/** A parsed media type: lower-case `type/subtype` and lower-case parameter names. */
export interface MediaType {
  type: string;
  params: Record<string, string>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;
const SPACE = /^[ \t\n\v\f\r]*/;

function skipSpace(s: string): string {
  return s.replace(SPACE, '');
}

/** Parse a quoted-string (RFC 2045) at the start of `s`; returns [value, rest] or undefined. */
function quoted(s: string): [string, string] | undefined {
  let value = '';
  for (let i = 1; i < s.length; i++) {
    const c = s[i] as string;
    if (c === '"') return [value, s.slice(i + 1)];
    if (c === '\\') {
      i++;
      if (i >= s.length) return undefined;
      value += s[i];
    } else value += c;
  }
  return undefined;
}

/**
 * Parse a Content-Type value. Returns undefined when it is not a valid media type with valid,
 * distinct parameters (Go returns an error, or drops the type, in those cases).
 * Non-ASCII is invalid: Go lower-cases with Unicode rules (`İ` becomes `i`), we will not.
 */
export function parseMediaType(value: string): MediaType | undefined {
  if (!/^[\x20-\x7e\t]*$/.test(value)) return undefined;
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim().toLowerCase();
  if (!/^[!#$%&'*+\-.^_`|~0-9a-z]+(\/[!#$%&'*+\-.^_`|~0-9a-z]+)?$/.test(type)) return undefined;
  const params: Record<string, string> = Object.create(null);
  let rest = semi < 0 ? '' : value.slice(semi);
  while ((rest = skipSpace(rest)) !== '') {
    if (!rest.startsWith(';')) return undefined;
    rest = skipSpace(rest.slice(1));
    if (rest === '') break; // Go ignores a trailing `;`
    const key = TOKEN.exec(rest)?.[0];
    if (key === undefined || key.includes('*')) return undefined; // no RFC 2231 continuations
    rest = skipSpace(rest.slice(key.length));
    if (!rest.startsWith('=')) return undefined;
    rest = skipSpace(rest.slice(1));
    let v: string;
    if (rest.startsWith('"')) {
      const q = quoted(rest);
      if (!q) return undefined;
      [v, rest] = q;
    } else {
      const t = TOKEN.exec(rest)?.[0];
      if (t === undefined) return undefined;
      v = t;
      rest = rest.slice(t.length);
    }
    const name = key.toLowerCase();
    if (name in params) return undefined;
    params[name] = v;
  }
  return { type, params };
}

/** How a request's Content-Type makes Go treat its body. */
export type BodyMediaKind =
  /** No Content-Type (or an empty one, which Go treats the same). */
  | 'none'
  | 'json'
  /** application/x-www-form-urlencoded: Go's ParseForm reads the body as form values. */
  | 'form'
  /** Any other valid media type. */
  | 'other'
  /** Not a valid media type: Go ignores it for forms, dockerd refuses it for JSON bodies. */
  | 'invalid';

/**
 * Classify a Content-Type header value. Throws FactsError `bad-content-type` for media types
 * that could make Go read form values we would not read the same way: a malformed
 * form-urlencoded type, multipart/form-data (FormValue parses it on any method), and any
 * non-ASCII value. The message names which of these it is, never the header's value: headers
 * other than User-Agent stay out of the record, and a parameter may carry anything.
 */
export function bodyMediaKind(value: string | undefined): BodyMediaKind {
  if (value === undefined || value === '') return 'none';
  const parsed = parseMediaType(value);
  // Go's own base type: everything before `;`, trimmed and lower-cased.
  const base = value.split(';')[0]?.trim().toLowerCase() ?? '';
  // Non-ASCII is refused outright: Go's Unicode lower-casing can turn it into a form type.
  if (!/^\p{ASCII}*$/u.test(value)) {
    throw new FactsError('bad-content-type', 'a Content-Type with non-ASCII characters is not accepted (Go may read it as a form type)');
  }
  if (base === 'multipart/form-data') {
    throw new FactsError('bad-content-type', 'Content-Type multipart/form-data is not accepted (Go reads form values from it, on any method)');
  }
  if (parsed === undefined && /form/i.test(base)) {
    throw new FactsError('bad-content-type', 'a malformed form Content-Type is not accepted (Go may still read the body as a form)');
  }
  if (parsed === undefined) return 'invalid';
  if (parsed.type === 'application/json') return 'json';
  if (parsed.type === 'application/x-www-form-urlencoded') return 'form';
  return 'other';
}
