/**
 * Scratch directories for the end-to-end suites. All of them live under one directory per
 * run, which the global setup creates and removes when the run ends. That covers the files
 * the suites write (64 MiB copies, build contexts, image tarballs, certificates), so none of
 * it outlives the run.
 */
import { mkdtempSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';

/** A fresh directory `<run scratch>/<prefix>XXXXXX`. */
export function scratchDir(prefix: string): string {
  return mkdtempSync(join(inject('scratchRoot'), prefix));
}
