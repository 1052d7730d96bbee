/**
 * Directories a run claims (scripts/lib/owned-dirs.mjs): an e2e run killed before its teardown
 * left its dockerd, containerd and /tmp directories behind; the next run removes those whose
 * owner is gone, ending only the processes that name them and their descendants (a dead
 * daemon's containers). A directory of a live run, one nothing claimed, a symbolic link,
 * another user's, a claim from another pid namespace and a claim given up are left alone, and
 * so are their processes.
 */
import { spawn, spawnSync } from 'node:child_process';
import { chownSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { claimDir, endProcessesUnder, ownerGone, processesUnder, processStart, reapOrphanedDirs, releaseDir } from '../../../scripts/lib/owned-dirs.mjs';

// Not `dgt-`: the e2e setup reaps /tmp/dgt-* of gone runs, and may run beside this.
const PREFIX = `owned-dirs-test-${process.pid}-`;
const OWNED_DIRS = join(process.cwd(), 'scripts/lib/owned-dirs.mjs');
const NOBODY = 65534;

type Claim = 'exited' | 'released' | 'reused-pid' | 'self' | 'none' | 'symlink' | 'other-user' | 'other-pidns';

/** Claim `dir` as a process that has exited does. */
function claimByExited(dir: string): void {
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', `import { claimDir } from ${JSON.stringify(OWNED_DIRS)}; claimDir(${JSON.stringify(dir)});`], { encoding: 'utf8' });
  expect(r.stderr).toBe('');
}

/**
 * Make `path` and claim it as each case says: by a process that has exited, by a pid now
 * another process's, by this process, not at all; a symbolic link to a directory an exited
 * process claimed; another user's directory an exited process claimed; a claim of an exited
 * pid made in another pid namespace; a claim an exited process made and gave up. Returns what
 * else to remove afterwards.
 */
function make(path: string, by: Claim): string[] {
  if (by === 'symlink') {
    const target = mkdtempSync('/tmp/owned-dirs-target-');
    claimByExited(target);
    symlinkSync(target, path);
    return [target];
  }
  mkdirSync(path);
  if (by === 'self') claimDir(path);
  if (by === 'reused-pid') writeFileSync(join(path, 'owner.json'), JSON.stringify({ pid: process.pid, start: `${processStart(process.pid)}0` }));
  if (by === 'exited' || by === 'other-user' || by === 'released') claimByExited(path);
  if (by === 'released') releaseDir(path);
  if (by === 'other-user') {
    chownSync(join(path, 'owner.json'), NOBODY, NOBODY);
    chownSync(path, NOBODY, NOBODY);
  }
  if (by === 'other-pidns') writeFileSync(join(path, 'owner.json'), JSON.stringify({ pid: 999_999_999, start: '1', pidns: 'pid:[1]' }));
  return [];
}

const asRoot = process.getuid?.() === 0;

/** The state letter of process `pid` (/proc/PID/stat field 3), or undefined when it is gone. */
function readStat(pid: number): { state: string } | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return { state: stat.slice(stat.lastIndexOf(')') + 2).split(' ')[0] ?? '' };
  } catch {
    return undefined;
  }
}

describe('reapOrphanedDirs', () => {
  it.each([
    ['claimed by a process that has exited: removed, its process ended', 'exited', true],
    ['claimed by a pid another process has now (other start time): removed', 'reused-pid', true],
    ['claimed by this live process: kept, its process running', 'self', false],
    ['claimed by nothing (older code, another tool): kept', 'none', false],
    ['claimed by a process that has exited and gave the claim up (a kept profile): kept', 'released', false],
    ['a symbolic link to a directory an exited process claimed: kept, with its target', 'symlink', false],
    ['claimed in another pid namespace (the pid means another process here): kept', 'other-pidns', false],
    // Making another user's directory takes root (as the private dockerd does).
    ...(asRoot ? [['another user\'s directory an exited process claimed: kept', 'other-user', false] as const] : []),
  ] as const)('%s', async (_label, by, reaped) => {
    const path = join('/tmp', `${PREFIX}${by}`);
    const extra = make(path, by);
    // A process whose command line names the directory, as a private dockerd names its root.
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)', join(path, 'marker')], { stdio: 'ignore' });
    try {
      const ended = new Promise<NodeJS.Signals | null>((resolve) => child.once('exit', (_code, signal) => resolve(signal)));
      await expect.poll(() => processesUnder(path), { timeout: 20_000 }).toContain(child.pid);
      expect(ownerGone(path)).toBe(reaped);
      const got = reapOrphanedDirs(PREFIX, (dir) => {
        endProcessesUnder(dir);
        rmSync(dir, { recursive: true, force: true });
      });
      expect(got).toEqual(reaped ? [path] : []);
      expect(existsSync(path)).toBe(!reaped);
      for (const e of extra) expect(existsSync(join(e, 'owner.json'))).toBe(true);
      if (reaped) expect(await ended).toBe('SIGTERM');
      else {
        expect(child.exitCode).toBe(null);
        child.kill('SIGKILL');
        await ended;
      }
    } finally {
      // A failed expectation above must not leave it running for ever.
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      rmSync(path, { recursive: true, force: true });
      for (const e of extra) rmSync(e, { recursive: true, force: true });
    }
  });

  it('ends the descendants of the processes that name the directory too (a dead daemon\'s containers under their shim)', async () => {
    const dir = mkdtempSync(join('/tmp', PREFIX));
    try {
      // A shim names the daemon's directory; the container's process under it does not, and
      // outlives the shim (it runs on, init's child, once the shim is gone).
      const shim = spawn(process.execPath, ['-e', `
        const c = require('node:child_process').spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
        c.unref();
        process.stdout.write(String(c.pid) + '\\n');
        setInterval(() => {}, 1000);
      `, join(dir, 'exec', 'containerd.sock')], { stdio: ['ignore', 'pipe', 'inherit'] });
      const containerPid = Number(await new Promise<string>((resolve) => shim.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      const shimEnded = new Promise<NodeJS.Signals | null>((resolve) => shim.once('exit', (_code, signal) => resolve(signal)));
      expect(processesUnder(dir)).toEqual([shim.pid]);
      expect(processStart(containerPid)).toBeDefined();
      try {
        endProcessesUnder(dir);
        expect(await shimEnded).toBe('SIGTERM');
        // Gone, or a zombie until init reaps it.
        await expect.poll(() => readStat(containerPid)?.state ?? 'gone', { timeout: 5_000 }).toMatch(/^(gone|Z)$/);
      } finally {
        if (processStart(containerPid) !== undefined) process.kill(containerPid, 'SIGKILL');
        shim.kill('SIGKILL');
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('finds a process naming the directory itself (a profiled gateway\'s --cpu-prof-dir), not one naming a longer name', async () => {
    const dir = mkdtempSync(join('/tmp', PREFIX));
    const forever = ['-e', 'setInterval(() => {}, 1000)', '--'];
    const named = [spawn(process.execPath, [...forever, '--cpu-prof-dir', dir], { stdio: 'ignore' }), spawn(process.execPath, [...forever, `--cpu-prof-dir=${dir}`], { stdio: 'ignore' })];
    const longer = spawn(process.execPath, [...forever, `${dir}x`], { stdio: 'ignore' });
    try {
      await expect.poll(() => processesUnder(dir).sort(), { timeout: 20_000 }).toEqual(named.map((c) => c.pid).sort());
    } finally {
      for (const c of [...named, longer]) c.kill('SIGKILL');
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a directory it cannot remove and goes on with the others', () => {
    const stuck = join('/tmp', `${PREFIX}stuck`);
    const next = join('/tmp', `${PREFIX}next`);
    const stderr = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
    try {
      for (const dir of [stuck, next]) {
        mkdirSync(dir);
        claimByExited(dir);
      }
      const got = reapOrphanedDirs(PREFIX, (dir) => {
        if (dir === stuck) throw new Error('EBUSY: resource busy or locked');
        rmSync(dir, { recursive: true, force: true });
      });
      expect(got).toEqual([next]);
      expect(existsSync(stuck)).toBe(true);
      expect(stderr).toHaveBeenCalledWith(expect.stringContaining(`could not remove ${stuck}, left by a run that is gone: EBUSY`));
    } finally {
      stderr.mockRestore();
      for (const dir of [stuck, next]) rmSync(dir, { recursive: true, force: true });
    }
  });
});
