/** What runs on this host, for e2e tests that wait for a build's step to be running. */
import { readdirSync, readFileSync } from 'node:fs';

/** Whether a process on this host has `marker` in its command line (a build's RUN step, running now). */
export function processWith(marker: string): boolean {
  for (const pid of readdirSync('/proc')) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(marker)) return true;
    } catch {
      // Gone meanwhile.
    }
  }
  return false;
}
