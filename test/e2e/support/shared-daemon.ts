/**
 * The e2e suite's shared daemon (global-setup.ts), for the suites that stop it and start it
 * again (a daemon that goes away and comes back). Files run one at a time, so no other suite
 * sees it stopped; each such suite must start it again before it ends, whatever happened.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { inject } from 'vitest';
import { restartDaemon, waitForDaemon, type PrivateDaemon } from '../../../scripts/lib/private-dockerd.mjs';

/** The shared daemon as private-dockerd.mjs knows it: its pid from the pidfile (dockerd removes it on exit). */
export function sharedDaemon(): PrivateDaemon {
  const root = inject('daemonRoot');
  const pidFile = join(root, 'dockerd.pid');
  const pid = existsSync(pidFile) ? Number(readFileSync(pidFile, 'utf8').trim()) : 0;
  return { root, socket: inject('dockerSocket'), pid, log: join(root, 'dockerd.log') };
}

/** Make sure the shared daemon answers again, whatever happened in the tests. */
export async function ensureSharedDaemon(): Promise<void> {
  try {
    await waitForDaemon(inject('dockerSocket'), 1000);
  } catch {
    await restartDaemon(sharedDaemon());
  }
}
