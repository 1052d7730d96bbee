/** Whether an audit file's path still names the file the log has open. */
import { fstatSync, statSync } from 'node:fs';

/** What a path check found: why the path no longer names the open file (undefined: it does), and whether the open file is deleted. */
export interface PathChange {
  /** Why `file` no longer names the open file; undefined when it does. */
  why: string | undefined;
  /** The open file has no name left (nlink 0). */
  deleted: boolean;
}

/** Compare the open `fd` with what `file` names now (deleted, moved away, another file, or not checkable). */
export function pathChange(fd: number, file: string): PathChange {
  let why: string | undefined;
  let deleted = false;
  try {
    const open = fstatSync(fd);
    deleted = open.nlink === 0;
    let now;
    try {
      now = statSync(file);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    if (!now) why = 'the file was deleted or moved away';
    else if (now.ino !== open.ino || now.dev !== open.dev) why = 'the path names another file (moved without SIGUSR1?)';
  } catch (err) {
    why = `the path cannot be checked (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
  }
  return { why, deleted };
}

/** Whether the open file `fd` of `file` has been deleted (false for stdout, or when it cannot be told). */
export function openFileDeleted(fd: number, file: string | undefined): boolean {
  if (file === undefined) return false;
  try {
    return fstatSync(fd).nlink === 0;
  } catch {
    return false;
  }
}
