/**
 * Directories a run claims (scripts/lib/owned-dirs.mjs): an e2e run killed before its teardown
 * left its dockerd, containerd and /tmp directories behind; the next run removes those whose
 * owner is gone, ending only the processes that name them. A directory of a live run, or one
 * nothing claimed, is left alone, and so are its processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { claimDir, endProcessesUnder, ownerGone, processesUnder, processStart, reapOrphanedDirs } from '../../../scripts/lib/owned-dirs.mjs';

const PREFIX = `dgt-owned-test-${process.pid}-`;
const OWNED_DIRS = join(process.cwd(), 'scripts/lib/owned-dirs.mjs');

/** Claim `path` as each case says: by a process that has exited, by a pid now another process's, by this process, or not at all. */
function claim(path: string, by: 'exited' | 'reused-pid' | 'self' | 'none'): void {
  if (by === 'self') claimDir(path);
  if (by === 'reused-pid') writeFileSync(join(path, 'owner.json'), JSON.stringify({ pid: process.pid, start: `${processStart(process.pid)}0` }));
  if (by === 'exited') {
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { claimDir } from ${JSON.stringify(OWNED_DIRS)}; claimDir(${JSON.stringify(path)});`], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
  }
}

describe('reapOrphanedDirs', () => {
  it.each([
    ['claimed by a process that has exited: removed, its process ended', 'exited', true],
    ['claimed by a pid another process has now (other start time): removed', 'reused-pid', true],
    ['claimed by this live process: kept, its process running', 'self', false],
    ['claimed by nothing (older code, another tool): kept', 'none', false],
  ] as const)('%s', async (_label, by, reaped) => {
    const path = join('/tmp', `${PREFIX}${by}`);
    mkdirSync(path);
    try {
      claim(path, by);
      // A process whose command line names the directory, as a private dockerd names its root.
      const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', join(path, 'marker')], { stdio: 'ignore' });
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      await expect.poll(() => processesUnder(path), { timeout: 20_000 }).toContain(child.pid);
      expect(ownerGone(path)).toBe(reaped);
      const got = reapOrphanedDirs(PREFIX, (dir) => {
        endProcessesUnder(dir);
        rmSync(dir, { recursive: true, force: true });
      });
      expect(got).toEqual(reaped ? [path] : []);
      expect(existsSync(path)).toBe(!reaped);
      if (reaped) expect(await ended).toBe('SIGTERM');
      else {
        expect(child.exitCode).toBe(null);
        child.kill('SIGKILL');
        await ended;
      }
    } finally {
      rmSync(path, { recursive: true, force: true });
    }
  });
});
