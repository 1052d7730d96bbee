/**
 * A registry address the daemon contacts, as an audit record shows it: an image search's
 * `term` and a login's `serveraddress`. dockerd reads both as a URL, prefixing `https://` to a
 * value without `http://` or `https://` (a login's address whole; a search term's index part,
 * the text before its first `/`), and contacts that URL's host. So the value is masked as a
 * URL first (maskUrlCredentials' URL reading: the authority ends at the first `/`, `?` or `#`,
 * its userinfo masked, query values masked, the fragment dropped), which keeps the host dockerd
 * contacts when a `?` or `#` comes before an `@` (`127.0.0.1:5000?x@other/y`, which dockerd
 * sends to 127.0.0.1:5000, is recorded `127.0.0.1:5000?***`), and then as an image reference
 * The authority dockerd reads is always shown when it is a plain `host[:port]` (with its
 * userinfo masked): an `@` after the first `/` is path, not userinfo, and masking up to it hid
 * the host dockerd contacted behind a decoy (`127.0.0.1:5000/x@decoy/y` was recorded
 * `***@decoy/y`, rev-fix29 W1). An authority that is no plain `host[:port]` (`u:a/b@host/x`:
 * Go reads the host `u` with the port `a` and contacts nothing) is recorded `***`, so a
 * password holding a `/` never shows in part. Pure.
 */
import { maskUrlCredentials } from './url-credentials.js';

/** What dockerd takes for a URL already: `http://` or `https://`, case-sensitive (strings.HasPrefix). */
const HTTP_SCHEME = /^https?:\/\//;
const PREFIX = 'https://';

/** An authority as dockerd's url.Parse would contact it: an optional masked userinfo, a host (name, IPv4 or bracketed IPv6), an optional port of digits. */
const PLAIN_AUTHORITY = /^(?:\*\*\*@)?(?:[A-Za-z0-9\-._~]*|\[[0-9A-Fa-f:.]+\])(?::\d*)?$/;

/** `value` (a search term or login address) with every credential masked, as the module comment says. */
export function maskRegistryAddress(value: string): string {
  const prefixed = !HTTP_SCHEME.test(value);
  // The URL masks keep a leading `https://` (they only ever rewrite what follows it).
  const asUrl = maskUrlCredentials(prefixed ? `${PREFIX}${value}` : value, true);
  const scheme = HTTP_SCHEME.exec(asUrl)?.[0] ?? '';
  const authority = asUrl.slice(scheme.length).split(/[/?#]/, 1)[0] ?? '';
  const shown = PLAIN_AUTHORITY.test(authority) ? asUrl : `${scheme}***`;
  return prefixed ? shown.slice(scheme.length) : shown;
}
