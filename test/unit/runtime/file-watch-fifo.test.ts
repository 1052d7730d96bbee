/**
 * A FIFO put in a watched file's place (policy, TLS files): the watch's snapshot and SIGHUP's
 * settle wait read the file to hash it, and a plain read of a FIFO blocks until some process
 * opens it for writing, freezing the whole gateway, SIGTERM included (rev-fix-config R1, a
 * regression of 12cb14a). Each test starts a watchdog that, after a while, first creates a
 * marker file and then opens the FIFO for writing: a read that blocked is released only by the
 * watchdog, so it returns after the marker exists. The assertion is on that order, not on time.
 */
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFiles, whenSettled } from '../../../src/runtime/file-watch.js';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * A scratch directory with a FIFO, and a watchdog that marks, then opens for writing the FIFO
 * (at `dir/<opens>`, where the test will have put it) after `afterS` seconds.
 */
function fifoWithWatchdog(afterS: number, opens = 'fifo'): { dir: string; fifo: string; marker: string } {
  const dir = mkdtempSync(join(tmpdir(), 'dg-fifo-watch-'));
  const fifo = join(dir, 'fifo');
  const marker = join(dir, 'watchdog-opened');
  execFileSync('mkfifo', [fifo]);
  const dog: ChildProcess = spawn('sh', ['-c', `sleep ${afterS}; touch "$1"; exec 3>"$2"`, 'watchdog', marker, join(dir, opens)], { stdio: 'ignore' });
  cleanups.push(() => {
    if (dog.exitCode === null && dog.pid) process.kill(dog.pid);
    rmSync(dir, { recursive: true, force: true });
  });
  return { dir, fifo, marker };
}

describe('a FIFO in a watched file\'s place is not read', () => {
  it('whenSettled (SIGHUP) runs at once: the reload then refuses the FIFO', () => {
    const { fifo, marker } = fifoWithWatchdog(8);
    let ran = 0;
    whenSettled(fifo, () => ran++, { quietMs: 200 });
    expect(existsSync(marker), 'the read waited for a writer').toBe(false);
    expect(ran).toBe(1);
  });

  it('watchFiles: a FIFO renamed over the watched file is reported as a change without being read', async () => {
    const { dir, fifo, marker } = fifoWithWatchdog(8, 'policy.yaml');
    const file = join(dir, 'policy.yaml');
    writeFileSync(file, 'rules: []\n');
    const changes: string[] = [];
    const stop = watchFiles([file], (f) => changes.push(f), { intervalMs: 50, quietMs: 100 });
    cleanups.unshift(stop);
    // The watch takes its first stat a moment after it starts (as file-watch.test.ts waits).
    await sleep(300);
    renameSync(fifo, file);
    for (let i = 0; i < 100 && changes.length === 0; i++) await sleep(50);
    expect(existsSync(marker), 'the read waited for a writer').toBe(false);
    expect(changes).toEqual([file]);
  });
});
