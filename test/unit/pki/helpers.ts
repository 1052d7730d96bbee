/** Shared helpers of the PKI tests: temporary CA directories and a real `openssl`. */
import { spawnSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';

/** Result of one openssl run. */
export interface OpensslResult {
  status: number;
  stdout: string;
  stderr: string;
}

/** Runs `openssl args...`; never throws, so tests can assert on failures too. */
export function openssl(...args: string[]): OpensslResult {
  const r = spawnSync('openssl', args, { encoding: 'utf8' });
  if (r.error) throw r.error;
  return { status: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** A fresh temporary directory removed after the test file finishes. */
export function tempDirs(): () => Promise<string> {
  const made: string[] = [];
  afterAll(async () => {
    await Promise.all(made.map((d) => rm(d, { recursive: true, force: true })));
  });
  return async () => {
    const dir = await mkdtemp(join(tmpdir(), 'dockgate-pki-'));
    made.push(dir);
    return dir;
  };
}
