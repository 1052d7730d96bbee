/**
 * Opening the audit file: its missing directories created one level at a time, the file
 * opened to append, created 0600, and non-blocking.
 */
import { constants, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * Create `dir` and its missing parents, one level at a time. Not `mkdirSync(dir, { recursive:
 * true })`: Node 20's loops for ever, in one synchronous call no signal interrupts, when a parent
 * exists but refuses new entries with ENOENT (`/proc/nope/audit.log`).
 */
export function makeDirs(dir: string): void {
  try {
    mkdirSync(dir);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'EEXIST') return;
    const parent = dirname(dir);
    if (code !== 'ENOENT' || parent === dir) throw err;
    makeDirs(parent);
    // Once more, now that the parent exists; an error here is final (no third try).
    try {
      mkdirSync(dir);
    } catch (again) {
      if ((again as NodeJS.ErrnoException).code !== 'EEXIST') throw again;
    }
  }
}

/** Append, create, and never block: a FIFO whose reader stops answers EAGAIN (kept, retried) instead of stopping the gateway. */
const APPEND_FLAGS = constants.O_WRONLY | constants.O_CREAT | constants.O_APPEND | constants.O_NONBLOCK;

/** Open `file` to append to, creating it and its missing directories. */
export function openAppend(file: string): number {
  makeDirs(dirname(file));
  // Created 0600: the log names people.
  return openSync(file, APPEND_FLAGS, 0o600);
}
