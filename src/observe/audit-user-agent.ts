/**
 * The one request header an audit record keeps.
 */
import { truncate } from './escape.js';

/** The only request header an audit record keeps: the client's User-Agent. */
export function auditUserAgent(headers: Record<string, string | string[] | undefined> | undefined): string | undefined {
  const ua = headers?.['user-agent'];
  const value = Array.isArray(ua) ? ua[0] : ua;
  return value === undefined ? undefined : truncate(value, 256);
}
