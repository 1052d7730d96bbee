/**
 * Why a file the config names (or the config file itself) cannot be read, in dockgate's words
 * (rev-newuser F7, F9): `no such file`, or `not readable (EACCES: ...)` naming the owner and
 * mode of the file, or of the directory that blocks the way to it, and who dockgate runs as. A
 * bare `not readable (EACCES)` left the operator to find out that `certs init` run as root had
 * made files the service user cannot read.
 */
import { statSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';

/** Owner and permission bits of a path. */
export interface Ownership {
  uid: number;
  gid: number;
  mode: number;
}

/** Who this process is, for the message. */
export interface Self {
  uid: number;
  gid: number;
  groups: readonly number[];
}

/** How the message looks a path up: its ownership, or undefined when it cannot be stat'ed. */
export type OwnershipLookup = (path: string) => Ownership | undefined;

const octal = (mode: number): string => `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
const owner = (o: Ownership): string => `uid ${o.uid} gid ${o.gid}, mode ${octal(o.mode)}`;

function selfText(self: Self): string {
  const extra = self.groups.filter((g) => g !== self.gid);
  return `dockgate runs as uid ${self.uid} gid ${self.gid}${extra.length > 0 ? ` (groups ${extra.join(',')})` : ''}`;
}

/**
 * What an EACCES on `file` is about: the file's owner and mode when it can be stat'ed, else the
 * deepest directory above it that can, which is the one that may not be searched.
 */
export function accessDetail(file: string, lookup: OwnershipLookup, self: Self): string {
  const own = lookup(file);
  if (own !== undefined) return `owned by ${owner(own)}; ${selfText(self)}`;
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const d = lookup(dir);
    if (d !== undefined) return `the directory ${dir} (${owner(d)}) does not let it through; ${selfText(self)}`;
    if (dirname(dir) === dir) return selfText(self);
  }
}

/** The message after `FILE: ` for a read of `file` that failed with `code`. */
export function unreadableReason(file: string, code: string | undefined, lookup: OwnershipLookup = statOwnership, self: Self = processSelf()): string {
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES' || code === 'EPERM') return `not readable (${code}: ${accessDetail(file, lookup, self)})`;
  return `not readable (${code ?? 'unknown error'})`;
}

/**
 * Why reading `file` (a path as the operator gave it) failed, for a message that already names
 * it: an OS error in dockgate's words (unreadableReason; for a relative path that does not exist,
 * where it was looked for), not Node's (`ENOENT: no such file or directory, open '...'`); any
 * other refusal (readRegularFile's: not a regular file, too large; not UTF-8) as it is.
 */
export function readFailure(file: string, err: unknown, lookup: OwnershipLookup = statOwnership, self: Self = processSelf()): string {
  const e = err as NodeJS.ErrnoException;
  if (typeof e?.code !== 'string' || typeof e.syscall !== 'string') return e instanceof Error ? e.message : String(err);
  const reason = unreadableReason(resolve(file), e.code, lookup, self);
  return e.code === 'ENOENT' && !isAbsolute(file) ? `${reason} (looked for ${resolve(file)})` : reason;
}

/** statSync's owner and mode, or undefined. */
export function statOwnership(path: string): Ownership | undefined {
  try {
    const s = statSync(path);
    return { uid: s.uid, gid: s.gid, mode: s.mode };
  } catch {
    return undefined;
  }
}

/** This process's uid, gid and supplementary groups (where the platform has them). */
export function processSelf(): Self {
  return { uid: process.getuid?.() ?? -1, gid: process.getgid?.() ?? -1, groups: process.getgroups?.() ?? [] };
}
