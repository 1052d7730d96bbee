/**
 * The one request header an audit record keeps.
 */
import { truncate } from './escape.js';
import { maskUrlCredentials } from './url-credentials.js';

/** A word of the header holding a URL with a scheme (`https://u:pw@host/x`, `(+http://...)`). */
const URL_WORD = /\S*:\/\/\S*/g;

/**
 * The only request header an audit record keeps: the client's User-Agent (the first if sent
 * twice), each URL in it masked as a URL field is (url-credentials.ts: no userinfo, no query
 * values, no fragment), cut at 256 characters.
 */
export function auditUserAgent(headers: Record<string, string | string[] | undefined> | undefined): string | undefined {
  const ua = headers?.['user-agent'];
  const value = Array.isArray(ua) ? ua[0] : ua;
  return value === undefined ? undefined : truncate(value.replace(URL_WORD, (url) => maskUrlCredentials(url, true)), 256);
}
