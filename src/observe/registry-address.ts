/**
 * A registry address the daemon contacts, as an audit record shows it: an image search's
 * `term` and a login's `serveraddress`. dockerd reads both as a URL, prefixing `https://` to a
 * value without `http://` or `https://` (a login's address whole; a search term's index part,
 * the text before its first `/`), and contacts that URL's host. So the value is masked as a
 * URL first (maskUrlCredentials' URL reading: the authority ends at the first `/`, `?` or `#`,
 * its userinfo masked, query values masked, the fragment dropped), which keeps the host dockerd
 * contacts when a `?` or `#` comes before an `@` (`127.0.0.1:5000?x@other/y`, which dockerd
 * sends to 127.0.0.1:5000, is recorded `127.0.0.1:5000?***`), and then as an image reference
 * (everything before the last `@` that starts no digest), so a password holding a `/`
 * (`u:a/b@host/x`) never shows in part. Pure.
 */
import { maskUrlCredentials } from './url-credentials.js';

/** What dockerd takes for a URL already: `http://` or `https://`, case-sensitive (strings.HasPrefix). */
const HTTP_SCHEME = /^https?:\/\//;
const PREFIX = 'https://';

/** `value` (a search term or login address) with every credential masked, as the module comment says. */
export function maskRegistryAddress(value: string): string {
  const prefixed = !HTTP_SCHEME.test(value);
  const asUrl = maskUrlCredentials(prefixed ? `${PREFIX}${value}` : value, true);
  // The URL masks keep a leading `https://` (they only ever rewrite what follows it).
  return maskUrlCredentials(prefixed ? asUrl.slice(PREFIX.length) : asUrl);
}
