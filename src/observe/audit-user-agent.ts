/**
 * The one request header an audit record keeps.
 */
import { truncate } from './escape.js';
import { maskUrlCredentials } from './url-credentials.js';

/**
 * A word of the header: a URL with a scheme (`https://u:pw@host/x`, `(+http://...)`) is one that
 * holds `://`. Words are found first and tested after: a pattern of the URL word itself
 * (`\S*:\/\/\S*`) backtracks over every start in a long word without `://`, quadratic in its
 * length (~0.3 s of the event loop for a 16 KB header, Node's limit, which any client with a
 * certificate may send).
 */
const WORD = /\S+/g;

/**
 * The only request header an audit record keeps: the client's User-Agent (the first if sent
 * twice), each URL in it masked as a URL field is (url-credentials.ts: no userinfo, no query
 * values, no fragment), cut at 256 characters.
 */
export function auditUserAgent(headers: Record<string, string | string[] | undefined> | undefined): string | undefined {
  const ua = headers?.['user-agent'];
  const value = Array.isArray(ua) ? ua[0] : ua;
  if (value === undefined) return undefined;
  // No word can hold `://` when the header does not (every client's usual `Docker-Client/28.0.1 (linux)`).
  return truncate(value.includes('://') ? value.replace(WORD, (word) => (word.includes('://') ? maskUrlCredentials(word, true) : word)) : value, 256);
}
