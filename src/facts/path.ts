/**
 * The request target as Go's net/http and gorilla/mux see it: split off the query, take the
 * path of an absolute-form target, percent-decode it (mux matches the decoded path, so `%2F`
 * is a `/`), and refuse what mux would redirect (unclean paths get a 301 from dockerd).
 */
import { FactsError } from './errors.js';
import { maskPathCredentials } from '../observe/url-credentials.js';
import { percentDecode } from './percent.js';

/** A normalised request target. */
export interface NormalizedTarget {
  /** Percent-decoded path, clean per gorilla/mux (a trailing slash is kept, as mux keeps it). */
  path: string;
  /** Raw query string after the first `?` (still escaped), possibly empty. */
  query: string;
  /**
   * The target in origin-form, byte for byte as received (the raw path after any
   * `scheme://authority`, then `?` and the raw query when there was one). This is what the
   * gateway sends the daemon, so the daemon parses exactly what the gateway decided on.
   */
  origin: string;
}

/** Go's path.Clean for a rooted path. */
export function goPathClean(p: string): string {
  const out: string[] = [];
  for (const seg of p.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') out.pop();
    else out.push(seg);
  }
  return '/' + out.join('/');
}

/** gorilla/mux's cleanPath: path.Clean, but a trailing slash survives. */
export function muxCleanPath(p: string): string {
  const clean = goPathClean(p);
  return p.endsWith('/') && clean !== '/' ? clean + '/' : clean;
}

function hasControl(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x20 || c === 0x7f) return true;
  }
  return false;
}

// Go's getScheme: a letter, then letters, digits, `+`, `-`, `.`, up to the first `:`.
const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
// Hosts we accept in absolute-form: Go accepts more (userinfo, escapes), but nobody needs it.
const AUTHORITY = /^[A-Za-z0-9._~\-:[\]]*$/;

/**
 * Go's parseHost on an authority without userinfo: a bracketed host may be followed only by
 * `:port`, an unbracketed one may hold no brackets, and the text after its last `:` must be
 * a port (digits, or none). Go answers 400 to anything else (`http://a:b/`, `http://[x/`).
 */
function goValidHost(authority: string): boolean {
  const port = (s: string) => s === '' || /^:[0-9]*$/.test(s);
  if (authority.startsWith('[')) {
    const end = authority.lastIndexOf(']');
    return end > 0 && port(authority.slice(end + 1));
  }
  if (/[[\]]/.test(authority)) return false;
  const colon = authority.lastIndexOf(':');
  return colon < 0 || port(authority.slice(colon));
}

/** Strip `scheme://authority` from an absolute-form target the way Go's url parser does. */
function originPart(target: string): string {
  const scheme = SCHEME.exec(target);
  if (!scheme) return target;
  const rest = target.slice(scheme[0].length);
  if (!rest.startsWith('//')) {
    // Opaque (`foo:bar`) or host-less (`http:/x`): Go gives mux an empty or odd path.
    throw new FactsError('bad-target', 'request target is neither origin-form nor absolute-form');
  }
  const slash = rest.indexOf('/', 2);
  const authority = slash < 0 ? rest.slice(2) : rest.slice(2, slash);
  if (!AUTHORITY.test(authority) || !goValidHost(authority)) throw new FactsError('bad-target', 'unsupported authority in request target');
  if (slash < 0) throw new FactsError('bad-target', 'absolute-form target without a path');
  return rest.slice(slash);
}

/**
 * Normalise a raw request target (`req.url`). Throws FactsError:
 * `bad-target` for anything but printable ASCII, a `#` (Go keeps it in the path; clients
 * never send one), or a target that is not origin-form or absolute-form; `bad-escape` for
 * invalid escapes, invalid UTF-8 or decoded control characters; `unclean-path` when mux would
 * redirect (`//`, `.` or `..` segments, also when spelled with escapes such as `%2e%2e`).
 */
export function normalizePath(rawTarget: string): NormalizedTarget {
  if (!/^[\x21-\x7e]+$/.test(rawTarget)) {
    throw new FactsError('bad-target', 'request target must be printable ASCII');
  }
  if (rawTarget.includes('#')) throw new FactsError('bad-target', 'request target contains "#"');
  // Go splits the query off first, then parses scheme and authority.
  const q = rawTarget.indexOf('?');
  const query = q >= 0 ? rawTarget.slice(q + 1) : '';
  const target = originPart(q >= 0 ? rawTarget.slice(0, q) : rawTarget);
  if (!target.startsWith('/')) throw new FactsError('bad-target', 'request path must start with "/"');
  const path = percentDecode(target, false, 'bad-escape');
  if (hasControl(path)) throw new FactsError('bad-escape', 'path contains control characters');
  if (muxCleanPath(path) !== path) {
    // Quoted with its userinfo masked, as the record's `path` is (`/distribution/https://***@h/x/json`).
    throw new FactsError('unclean-path', `unclean path ${JSON.stringify(maskPathCredentials(path))} (dockerd would redirect)`);
  }
  return { path, query, origin: q >= 0 ? target + rawTarget.slice(q) : target };
}

/** The origin-form target of a raw target normalizePath accepts (throws FactsError as it does). */
export function originForm(rawTarget: string): string {
  return normalizePath(rawTarget).origin;
}
