/**
 * Credentials in URLs (`https://user:password@host/...`), masked before a value reaches an
 * audit record or a deny reason. Used for build `remote`, import `fromSrc`, plugin `remote`
 * and `fromImage`, and the guard reasons that quote them.
 *
 * The userinfo is everything before the last `@` of the authority, as Go's url.Parse reads
 * it. The authority is taken to end at the first `/` only, so a malformed URL with `?` or `#`
 * before the `@` is masked too. We mask the user name as well as the password. dockerd's own
 * errors keep the user (`user:***@`, net/http's stripPassword), but a token is often the user
 * name (`https://<token>@github.com/...`, `https://<token>:x-oauth-basic@github.com/...`).
 * Pure functions.
 */

/** Userinfo after any `scheme://` (anywhere in the value, so a leading space does not hide it). */
const AFTER_SCHEME = /:\/\/[^/]*@/g;
/** Userinfo of a network-path reference (`//user:pw@host/...`, which Go parses as a URL). */
const NETWORK_PATH = /^\/\/[^/]*@/;
/** Userinfo at the start of a value without a scheme (`user:pw@host/file`). */
const BARE = /^[^/]*@/;

/**
 * `value` with every URL userinfo replaced by `***`. With `schemeless`, a leading
 * `user[:password]@` without a scheme counts as userinfo too: dockerd's import fetches
 * `fromSrc=user@host/x` as `http://user@host/x`, and git reads `user@host:repo` the same
 * way. Leave it off for image and plugin references, where `name@sha256:...` is a digest.
 */
export function maskUrlCredentials(value: string, schemeless = false): string {
  const out = value.replace(AFTER_SCHEME, '://***@').replace(NETWORK_PATH, '//***@');
  // A masked `scheme://***@` or `//***@` has no `@` before its first `/`: BARE leaves it alone.
  return schemeless ? out.replace(BARE, '***@') : out;
}
