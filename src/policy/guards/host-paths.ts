/**
 * Host path prefixes for bind mounts. Paths are cleaned lexically (`..` resolved, `//` and
 * trailing `/` removed) as the kernel will walk them, then compared on path-segment
 * boundaries: `/srv/dev` allows `/srv/dev` and `/srv/dev/x`, never `/srv/devil`.
 * Symlinks are NOT resolved (this stage has no file system access): a symlink inside an
 * allowed prefix that points elsewhere escapes it, so allowed prefixes must not be writable
 * by anyone who should not reach the whole host (see docs/policy.md).
 */
import { posix } from 'node:path';

/**
 * Cleaned absolute path, or undefined when the path is not absolute or holds a NUL (Go refuses
 * it in every system call: dockerd creates the container and its start fails, so the path is
 * never walked, and a record must not say a host path was allowed that no one can read).
 */
export function cleanHostPath(raw: string): string | undefined {
  if (!raw.startsWith('/') || raw.includes('\0')) return undefined;
  const clean = posix.normalize(raw);
  return clean.length > 1 && clean.endsWith('/') ? clean.slice(0, -1) : clean;
}

/**
 * Substitute `{user}` with the caller's name. A name that could change the path's shape
 * (empty, `.`, `..`, containing `/` or NUL) makes the prefix unusable rather than dangerous.
 */
export function expandPrefix(prefix: string, user: string): string | undefined {
  if (!prefix.includes('{user}')) return cleanHostPath(prefix);
  if (user === '' || user === '.' || user === '..' || user.includes('/') || user.includes('\0')) return undefined;
  return cleanHostPath(prefix.split('{user}').join(user));
}

/** True when `raw` (a host path) lies under one of the prefixes. */
export function hostPathAllowed(raw: string, prefixes: readonly string[], user: string): boolean {
  const path = cleanHostPath(raw);
  if (path === undefined) return false;
  for (const p of prefixes) {
    const prefix = expandPrefix(p, user);
    if (prefix === undefined) continue;
    if (prefix === '/' || path === prefix || path.startsWith(`${prefix}/`)) return true;
  }
  return false;
}
