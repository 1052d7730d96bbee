/**
 * The path an audit record shows: the normalised path, or the raw target without its query,
 * credentials masked and decoded `%`, `?` and `#` encoded again.
 */
import type { RequestFacts } from '../core/types.js';
import { truncate } from './escape.js';
import { maskPathCredentials, maskUrlCredentials } from './url-credentials.js';

/** Longest path kept in an audit record. */
const MAX_PATH = 2048;

/**
 * A decoded path with `%`, `?`, `#` and control characters (C0, DEL, C1) percent-encoded again,
 * so that a decoded `%3F` or `%23` is not read as a query or fragment, nor `%253F` as `%3F`.
 */
function escapeDecodedPath(path: string): string {
  let out = '';
  for (const ch of path) {
    const c = ch.charCodeAt(0);
    out += ch === '%' || ch === '?' || ch === '#' || c < 0x20 || (c >= 0x7f && c <= 0x9f) ? encodeURIComponent(ch) : ch;
  }
  return out;
}

/**
 * The path an audit record shows: the normalised path (masked, then escapeDecodedPath) when facts exist, else the raw target
 * cut at its first `?` or `#` (queries can carry secrets, e.g. `buildargs`), with the userinfo
 * of an absolute-form or authority-form target masked (`http://***@host/...`, `***@host:443`),
 * and in both a `user[:password]@` starting a path segment (`/images/***@host/x/push`; not a
 * digest's `@`, maskPathCredentials). The mask comes first, so a `?`, `#` or long password
 * inside the userinfo cannot end the cut early or push the `@` out of it.
 */
export function auditPath(facts: RequestFacts | undefined, rawTarget: string): string {
  if (facts) return truncate(escapeDecodedPath(maskPathCredentials(facts.path)), MAX_PATH);
  // Schemeless too: a CONNECT target is `user:password@host:port`.
  const masked = maskPathCredentials(maskUrlCredentials(rawTarget, true));
  const end = masked.search(/[?#]/);
  return truncate(end === -1 ? masked : masked.slice(0, end), MAX_PATH);
}
