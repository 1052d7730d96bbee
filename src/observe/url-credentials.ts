/**
 * Credentials in URLs, masked before a value reaches an audit record or a deny reason. Used
 * for build `remote`, import `fromSrc`, plugin `remote` and `fromImage`, the guard reasons that
 * quote them, and the raw target of a request refused before parsing. Two places hold them:
 *
 * - the userinfo (`https://user:password@host/...`): everything before the last `@` of the
 *   authority, as Go's url.Parse reads it. In a reference the authority is taken to end at the
 *   first `/` only, so a malformed one with `?` or `#` before the `@` is masked too (dockerd
 *   refuses references with a scheme). We mask the user
 *   name as well as the password. dockerd's own errors keep the user (`user:***@`, net/http's
 *   stripPassword), but a token is often the user name (`https://<token>@github.com/...`,
 *   `https://<token>:x-oauth-basic@github.com/...`);
 * - the query (presigned S3/GCS/Azure URLs: `X-Amz-Signature=`, `sig=`; `?private_token=`,
 *   `?access_token=`): every parameter keeps its name and loses its value
 *   (`?X-Amz-Signature=***&x=***`), a parameter without `=` is masked whole, and the fragment
 *   is dropped.
 *
 * Image and plugin references and request paths may also hold a `user[:password]@` without a
 * scheme (`u:pw@host/x`, `/images/u:pw@host/x/push`): dockerd refuses them, but the value
 * reaches the record first. There the userinfo is everything from the start of the reference
 * (in a path: of the name, after `/images/`, `/plugins/`, `/distribution/` or whichever
 * resource the path names) up to its last `@` that does not start a digest, so a password
 * holding `/` or `@` (`u:a/b@host/x`, sent as `%2F` in a path) is masked whole. A digest is
 * one dockerd accepts (image-digest.ts: `sha256:` and exactly 64 lower-case hex digits, ...),
 * ending the reference, or in a path its segment or the path (`name@sha256:<hex>/json`, also
 * before a raw target's `?` or `#`, and with the colon sent as `%3A`); a host called `sha256`
 * with a port (`u:pw@sha256:5000/x`) is none. Paths keep their `?` and `#` (a decoded `%3F`
 * is part of a name): maskPathCredentials masks the userinfo only.
 *
 * URLs (import `fromSrc`, build `remote`) are read as Go's url.Parse reads them: there a `/`
 * ends the authority, and an `@` after it is part of the path (`https://h/@scope/pkg.tgz`);
 * but any number of slashes after the scheme's colon counts as `//` (git's reading, which
 * errs towards masking). A `?` or `#` ends the authority too (Go, git, curl and BuildKit all
 * read it so): what follows is query or fragment, its values masked and the fragment dropped
 * as usual, and the record names the host the daemon contacts, not a host after a later `@`
 * (`http://127.0.0.1:43750?@github.com/r.git` fetches from 127.0.0.1:43750, and is recorded
 * `http://127.0.0.1:43750?***`, not `http://***@github.com/r.git`: rev-fix-http F3). That
 * authority is shown only when it is a plain `host[:port]` (hostAuthority below: a name of
 * ASCII letters, digits, `-`, `.`, `_`, `~`, or an IPv6 literal in brackets, a port of digits);
 * anything else is masked whole (`https://u:p?w#x@h/x` -> `https://***?***`: Go refuses its
 * port `p`, so nothing is fetched, and no piece of a password shows). An `@` inside the
 * authority before the `?` is still userinfo (`https://u:p@h?x@y/z` -> `https://***@h?***`).
 *
 * Pure functions.
 */

import { digestPattern } from '../facts/image-digest.js';

/**
 * Userinfo after any `scheme:` and one or more slashes (anywhere in the value, so a leading
 * space does not hide it): git, which fetches a build's `remote`, reads `http:///u:pw@h/r.git`
 * and `http:/u:pw@h/r.git` as `http://u:pw@h/r.git` and sends the password.
 */
const AFTER_SCHEME = /:(\/+)([^/]*)@/g;
/**
 * A URL's authority as it is shown when a `?` or `#` ends it before an `@`: a host name of
 * ASCII letters, digits, `-`, `.`, `_`, `~` (or none), or an IPv6 literal in brackets, with an
 * optional `:port` of digits. Stricter than Go's parseHost (which also takes sub-delims,
 * non-ASCII bytes, some escapes): anything else is masked whole.
 */
const HOST_AUTHORITY = /^(?:[A-Za-z0-9._~-]*|\[[0-9A-Fa-f:.]+\])(?::[0-9]*)?$/;
/** Userinfo of a network-path reference (`//user:pw@host/...`, which Go parses as a URL; `///` too). */
const NETWORK_PATH = /^(\/\/+)([^/]*)@/;
/** A region's `scheme:` and slashes, up to its last such run (greedy). */
const SCHEME_HEAD = /^.*:\/+/s;
/** A region's leading slashes, two or more. */
const LEADING_SLASHES = /^\/\/+/;
/** Userinfo at the start of a value without a scheme (`user:pw@host/file`). */
const BARE = /^[^/]*@/;
/** What follows the `@` of a digest in a reference: the digest, ending the value. */
const REFERENCE_DIGEST = new RegExp(`^${digestPattern()}$`);
/** What follows the `@` of a digest in a path: the digest (colon maybe `%3A`), then a `/`, `?`, `#` or the end. */
const PATH_DIGEST = new RegExp(`^${digestPattern('(?::|%3[Aa])')}(?:$|[/?#])`);
/**
 * The part of a path before its object's name: an absolute-form target's `scheme://authority`,
 * the `/vX.YY` version, and the resource (`/images/`); empty segments are skipped as the
 * router skips them (`/v1.41//images/`).
 */
const PATH_HEAD = /^(?:[A-Za-z][A-Za-z0-9+.-]*:\/\/[^/]*)?\/*(?:v[0-9][^/]*\/+)?[^/]*\/+/;
/** What replaces a secret. */
const MASK = '***';

/**
 * `value` with every URL userinfo replaced by `***`, the value of every query parameter
 * replaced by `***` and any fragment dropped. With `schemeless` (URLs: import `fromSrc`, build
 * `remote`), a leading `user[:password]@` without a scheme counts as userinfo too: dockerd's
 * import fetches `fromSrc=user@host/x` as `http://user@host/x`, and git reads `user@host:repo`
 * the same way. Without it (image and plugin references) everything before the last `@` that
 * starts no digest counts (`u:a/b@h/x` -> `***@h/x`; `name@sha256:<hex>` stays).
 */
export function maskUrlCredentials(value: string, schemeless = false): string {
  // Userinfo first: a malformed one may hold a `?` or `#` that must not end the URL early.
  return maskQuery(maskUserinfo(value, schemeless));
}

/**
 * A request path (decoded or raw) with every userinfo masked as in an image reference
 * (`/images/***@host/x/push`, `/distribution/https://***@host/x/json`), its `?` and `#` kept:
 * for the record's `path` and reasons that quote a path.
 */
export function maskPathCredentials(path: string): string {
  const out = maskSchemeUserinfo(path);
  const at = lastUserinfoAt(out, PATH_DIGEST);
  if (at === undefined) return out;
  const head = PATH_HEAD.exec(out)?.[0].length ?? 0;
  // An `@` in the head itself (`/nosuch@h/x`): from the start of its segment.
  return maskBefore(out, head <= at.index ? head : out.lastIndexOf('/', at.index) + 1, at);
}

/**
 * An object name (a path parameter: `u:pw@host/x` as an image name) with its userinfo masked
 * as in a reference (`***@host/x`); nothing else changes (a container name may hold `?`).
 */
export function maskNameCredentials(name: string): string {
  return maskReferenceUserinfo(maskSchemeUserinfo(name));
}

/** The userinfo masks of maskUrlCredentials, without the query's. */
function maskUserinfo(value: string, schemeless: boolean): string {
  if (!schemeless) return maskReferenceUserinfo(maskSchemeUserinfo(value));
  const out = value.replace(AFTER_SCHEME, (_m, slashes: string, region: string) => `:${slashes}${maskAuthority(region)}@`)
    .replace(NETWORK_PATH, (_m, slashes: string, region: string) => `${slashes}${maskAuthority(region)}@`);
  // A value whose scheme has slashes, or a network-path reference, has no `@` before its first
  // `/` (masked or not): BARE leaves it alone.
  return out.replace(BARE, `${MASK}@`);
}

/**
 * What a URL shows of `region`, the text between the slashes after its scheme (or a
 * network-path reference's) and the last `@` before the next `/`: `***` when Go reads it all
 * as authority (userinfo then), else (a `?` or `#` in it ends the authority) the authority
 * masked as Go reads it, when it is a plain host[:port] (HOST_AUTHORITY), else masked whole,
 * followed by the rest of the region, which maskQuery masks as query or drops as fragment.
 */
function maskAuthority(region: string): string {
  const end = region.search(/[?#]/);
  if (end === -1) return MASK;
  const authority = region.slice(0, end);
  const at = authority.lastIndexOf('@');
  // Userinfo before the `?`: masked, its host shown as any host is (`https://***@h?...`).
  const host = at === -1 ? authority : authority.slice(at + 1);
  const shown = HOST_AUTHORITY.test(host) ? host : MASK;
  return `${at === -1 ? '' : `${MASK}@`}${shown}${region.slice(end)}`;
}

/** Userinfo after a `scheme:` and slashes, and of a network-path reference (`//u:pw@h`), masked. */
function maskSchemeUserinfo(value: string): string {
  return value.replace(AFTER_SCHEME, `:$1${MASK}@`).replace(NETWORK_PATH, `$1${MASK}@`);
}

/** A reference with everything before its last `@` that starts no digest masked (`***@h/x`). */
function maskReferenceUserinfo(value: string): string {
  const at = lastUserinfoAt(value, REFERENCE_DIGEST);
  return at === undefined ? value : maskBefore(value, 0, at);
}

/** Where an `@` (or `%40`) is, and how long it is spelled. */
interface At {
  index: number;
  length: number;
}

/** The last `@` or `%40` of `value` not followed by what `digest` matches. */
function lastUserinfoAt(value: string, digest: RegExp): At | undefined {
  for (let i = value.length - 1; i >= 0; i--) {
    const length = value[i] === '@' ? 1 : value.startsWith('%40', i) ? 3 : 0;
    if (length > 0 && !digest.test(value.slice(i + length))) return { index: i, length };
  }
  return undefined;
}

/**
 * `value` with what lies between `start` and the `@` at `at` replaced by `***` (the `@` spelled
 * plainly); a `scheme:` with its slashes, or leading slashes (two or more), in front of the
 * userinfo stay.
 */
function maskBefore(value: string, start: number, at: At): string {
  const region = value.slice(start, at.index);
  const from = start + (SCHEME_HEAD.exec(region)?.[0].length ?? LEADING_SLASHES.exec(region)?.[0].length ?? 0);
  return `${value.slice(0, from)}${MASK}@${value.slice(at.index + at.length)}`;
}

/**
 * `value` without its fragment (from the first `#`) and with each query parameter (after the
 * first `?`, split on `&`) reduced to `name=***`, or to `***` when it has no `=`.
 */
function maskQuery(value: string): string {
  const hash = value.indexOf('#');
  const head = hash === -1 ? value : value.slice(0, hash);
  const q = head.indexOf('?');
  if (q === -1) return head;
  const params = head.slice(q + 1).split('&').map(maskParam);
  return `${head.slice(0, q)}?${params.join('&')}`;
}

/** One query parameter as `name=***` (`***` without a `=`; empty stays empty). */
function maskParam(param: string): string {
  if (param === '') return param;
  const eq = param.indexOf('=');
  return eq === -1 ? MASK : `${param.slice(0, eq)}=${MASK}`;
}
