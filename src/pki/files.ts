/**
 * File writing for key material. Every file is written to a temporary name in the same
 * directory and renamed over the target, so a reader (the gateway's file watcher, a crash
 * half-way) sees either the old or the new content, never a truncated file. Files are created
 * with their final mode: a private key is never, even briefly, readable by others.
 */
import { randomBytes } from 'node:crypto';
import { constants } from 'node:fs';
import { mkdir, open, readlink, rename, rm, stat } from 'node:fs/promises';
import { basename, dirname, join, resolve } from 'node:path';

/** Mode of private keys and archives holding one. */
export const PRIVATE_MODE = 0o600;
/** Mode of certificates, CRLs and the index: public data. */
export const PUBLIC_MODE = 0o644;
/** Mode of directories created to hold keys. */
export const PRIVATE_DIR_MODE = 0o700;

/**
 * Who should own a file written at `path` by root: the file it replaces. `dockgate certs
 * rotate-server` run as root in a service's state directory (/var/lib/dockgate/certs, owned by
 * the service user) must leave a key the service can still read, not a root-owned 0600 one that
 * stops its next start. A new file stays root's: a private key is never handed to whoever owns
 * the directory. Undefined when not root or when nothing is replaced.
 */
async function ownerFor(path: string): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  try {
    const { uid, gid } = await stat(path);
    return { uid, gid };
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return undefined;
  }
}

/**
 * Atomically replaces `path` with `data`. The temporary file is created exclusively (`wx`)
 * with `mode`, flushed to disk, then renamed; on failure it is removed. Run as root, the file
 * keeps the owner of the one it replaces.
 */
export async function writeFileAtomic(path: string, data: string | Uint8Array, mode: number): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const owner = await ownerFor(path);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, mode);
  try {
    try {
      if (owner) await handle.chown(owner.uid, owner.gid);
      await handle.writeFile(data);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, path);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

/**
 * Creates `dir` (and parents) with mode 0700 where missing; an existing directory is left as it
 * is. One level at a time from the nearest existing ancestor, not `mkdir({recursive: true})`:
 * Node's recursive mkdir loops for ever on a pseudo-filesystem that answers ENOENT to a mkdir
 * in an existing directory (`/proc/nope`). Here that ENOENT, or an ancestor that is not a
 * directory, is an error naming the path.
 */
export async function ensurePrivateDir(dir: string): Promise<void> {
  const missing: string[] = [];
  let at = resolve(dir);
  for (;;) {
    const info = await stat(at).catch((err: NodeJS.ErrnoException) => {
      // ENOTDIR: an ancestor is a file, found further up.
      if (err.code === 'ENOENT' || err.code === 'ENOTDIR') return undefined;
      throw err;
    });
    if (info) {
      if (!info.isDirectory()) throw new Error(`cannot create ${resolve(dir)}: ${at} is not a directory`);
      break;
    }
    await refuseDanglingLink(at, dir);
    missing.unshift(at);
    const parent = dirname(at);
    if (parent === at) break;
    at = parent;
  }
  for (const path of missing) {
    try {
      await mkdir(path, { mode: PRIVATE_DIR_MODE });
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // Made meanwhile by someone else: fine when it is a directory.
      if (code === 'EEXIST' && (await stat(path)).isDirectory()) continue;
      throw new Error(`cannot create the directory ${path} (${code ?? (err as Error).message})`, { cause: err });
    }
  }
}

/** Throws, naming it, when `at` is a symbolic link to nothing (a mkdir there fails with a bare EEXIST/ENOENT). */
async function refuseDanglingLink(at: string, dir: string): Promise<void> {
  const link = await readlink(at).catch(() => undefined);
  if (link !== undefined) throw new Error(`cannot create ${resolve(dir)}: ${at} is a dangling symbolic link (to ${link}); remove it or create its target`);
}

/** True when `path` exists (any type). */
export async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // ENOTDIR: a parent is a file, so `path` cannot exist.
    if (code === 'ENOENT' || code === 'ENOTDIR') return false;
    throw err;
  }
}
