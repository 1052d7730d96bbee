/**
 * A lock file around read-modify-write of `index.json` and `crl.pem`. Without it, two
 * `certs issue` running at once could each append to the index they read and one entry would
 * be lost: a certificate nobody can list or revoke by name.
 */
import { constants } from 'node:fs';
import { open, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { PkiError } from './errors.js';

/** Name of the lock file inside the CA directory. */
export const LOCK_FILE = 'index.lock';

// A lock older than this was left by a crashed command: no certs command runs this long
// (RSA 4096 generation takes seconds, not minutes).
const STALE_MS = 120_000;
const RETRY_MS = 100;
const WAIT_MS = 15_000;

/** True when taken, false when held by someone else, undefined when the directory is missing. */
async function tryLock(path: string): Promise<boolean | undefined> {
  try {
    const handle = await open(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    await handle.writeFile(`${process.pid}\n`);
    await handle.close();
    return true;
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return undefined;
    if (code !== 'EEXIST') throw err;
    return false;
  }
}

/** Runs `fn` holding `<dir>/index.lock`; waits up to 15 s for another command to finish. */
export async function withIndexLock<T>(dir: string, fn: () => Promise<T>): Promise<T> {
  const path = join(dir, LOCK_FILE);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const taken = await tryLock(path);
    // No directory means no CA: let `fn` report that in its own words.
    if (taken === undefined) return fn();
    if (taken) break;
    const age = await stat(path).then((s) => Date.now() - s.mtimeMs, () => 0);
    if (age > STALE_MS) {
      await rm(path, { force: true });
      continue;
    }
    if (Date.now() > deadline) {
      throw new PkiError('PKI_LOCKED', `${path} is held by another certs command; if none is running, remove it`);
    }
    await new Promise((resolve) => setTimeout(resolve, RETRY_MS));
  }
  try {
    return await fn();
  } finally {
    await rm(path, { force: true });
  }
}
