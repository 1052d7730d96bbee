/**
 * Credentials in URLs, masked before a value reaches an audit record or a deny reason. Used
 * for build `remote`, import `fromSrc`, plugin `remote` and `fromImage`, the guard reasons that
 * quote them, and the raw target of a request refused before parsing. Two places hold them:
 *
 * - the userinfo (`https://user:password@host/...`): everything before the last `@` of the
 *   authority, as Go's url.Parse reads it. The authority is taken to end at the first `/`
 *   only, so a malformed URL with `?` or `#` before the `@` is masked too. We mask the user
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
 * reaches the record first. There a segment ending in `@` is masked unless the `@` starts a
 * digest (`name@sha256:<hex>`), which is no userinfo. Paths keep their `?` and `#` (a decoded
 * `%3F` is part of a name): maskPathCredentials masks the userinfo only.
 *
 * Pure functions.
 */

/** Userinfo after any `scheme://` (anywhere in the value, so a leading space does not hide it). */
const AFTER_SCHEME = /:\/\/[^/]*@/g;
/** Userinfo of a network-path reference (`//user:pw@host/...`, which Go parses as a URL). */
const NETWORK_PATH = /^\/\/[^/]*@/;
/** Userinfo at the start of a value without a scheme (`user:pw@host/file`). */
const BARE = /^[^/]*@/;
/**
 * A digest after `@` (`sha256:<hex>`; sha384 and sha512 are the other algorithms go-digest
 * knows, dockerd refuses any other), ending the value or a path segment: `name@sha256:...` is
 * no userinfo. A host and port (`u:pw@h:5000/x`) does not read as one.
 */
const DIGEST = '(?:sha256|sha384|sha512):[0-9A-Fa-f]+(?:/|$)';
/**
 * A non-empty `user[:password]@` at the start of the value or of a path segment, not followed
 * by a digest (`u:pw@h/x`, `/images/u:pw@h/x/push`); `%40` counts as `@` (a raw target).
 */
const SEGMENT = new RegExp(`(^|/)[^/]+(?:@|%40)(?!${DIGEST})`, 'g');
/** What replaces a secret. */
const MASK = '***';

/**
 * `value` with every URL userinfo replaced by `***`, the value of every query parameter
 * replaced by `***` and any fragment dropped. With `schemeless` (URLs: import `fromSrc`, build
 * `remote`), a leading `user[:password]@` without a scheme counts as userinfo too: dockerd's
 * import fetches `fromSrc=user@host/x` as `http://user@host/x`, and git reads `user@host:repo`
 * the same way. Without it (image and plugin references) a `user[:password]@` at the start or
 * after a `/` counts unless a digest follows the `@` (`name@sha256:...`).
 */
export function maskUrlCredentials(value: string, schemeless = false): string {
  // Userinfo first: a malformed one may hold a `?` or `#` that must not end the URL early.
  return maskQuery(maskUserinfo(value, schemeless));
}

/**
 * A request path (decoded or raw) with every userinfo masked as in an image reference
 * (`/images/***@host/x/push`, `/distribution/https://***@host/x/json`), its `?` and `#` kept:
 * for the record's `path`, path parameters, and reasons that quote a path.
 */
export function maskPathCredentials(path: string): string {
  return maskUserinfo(path, false);
}

/** The userinfo masks of maskUrlCredentials, without the query's. */
function maskUserinfo(value: string, schemeless: boolean): string {
  const out = value.replace(AFTER_SCHEME, `://${MASK}@`).replace(NETWORK_PATH, `//${MASK}@`);
  // A masked `scheme://***@` or `//***@` has no `@` before its first `/`: BARE leaves it alone,
  // SEGMENT masks `***` again.
  return schemeless ? out.replace(BARE, `${MASK}@`) : out.replace(SEGMENT, `$1${MASK}@`);
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
