/**
 * Directories under /tmp that a process made and must not outlive it: a private dockerd's
 * root, the e2e run's scratch directory. Each holds `owner.json`, naming the process that made
 * it by pid and start time (a pid alone may since belong to another process). A run stopped
 * before its teardown (SIGKILL, a crash) leaves them behind; the next run finds those whose
 * owner is gone and removes them, stopping first the processes that name the directory on
 * their command line (its dockerd, containerd and shims) and their descendants (its
 * containers). Directories without `owner.json` (made by older code, or by anything else) and
 * those of a live owner are never touched, nor is a symbolic link, a directory or owner.json of
 * another user, or a claim made in another pid namespace (its pid means another process here: a
 * run in a container sharing /tmp).
 * Plain JavaScript, as private-dockerd.mjs; the types are in owned-dirs.d.mts.
 */
import { lstatSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const OWNER_FILE = 'owner.json';

/** The fields of /proc/PID/stat from the third (state) on, or undefined when the process is gone. */
function statFields(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** The start time of process `pid` in clock ticks since boot (/proc/PID/stat field 22), or undefined when it is gone. */
export function processStart(pid) {
  return statFields(pid)?.[19];
}

/** This process's pid namespace (`pid:[4026531836]`), or undefined when /proc does not say. */
function pidNamespace() {
  try {
    return readlinkSync('/proc/self/ns/pid');
  } catch {
    return undefined;
  }
}

/** Mark `dir` as made by this process (owner.json). */
export function claimDir(dir) {
  writeFileSync(join(dir, OWNER_FILE), `${JSON.stringify({ pid: process.pid, start: processStart(process.pid), pidns: pidNamespace() })}\n`);
}

/**
 * Give up the claim on `dir` (remove its owner.json): it is kept once this process is gone, as
 * an unclaimed directory is (a result the process was made to leave, such as a CPU profile).
 */
export function releaseDir(dir) {
  rmSync(join(dir, OWNER_FILE), { force: true });
}

/** Whether `path` is, not through a symbolic link, a directory (`directory`) or a file this user owns. */
function ownEntry(path, directory) {
  try {
    const s = lstatSync(path);
    return (directory ? s.isDirectory() : s.isFile()) && s.uid === process.getuid?.();
  } catch {
    return false;
  }
}

/**
 * Whether the process that claimed `dir` is gone: false when `dir` has no readable owner.json,
 * when `dir` or its owner.json is a symbolic link or another user's, and when the claim was
 * made in another pid namespace (its pid cannot be judged here).
 */
export function ownerGone(dir) {
  if (!ownEntry(dir, true) || !ownEntry(join(dir, OWNER_FILE), false)) return false;
  let owner;
  try {
    owner = JSON.parse(readFileSync(join(dir, OWNER_FILE), 'utf8'));
  } catch {
    return false;
  }
  if (!Number.isInteger(owner?.pid) || typeof owner.start !== 'string') return false;
  if (owner.pidns !== undefined && owner.pidns !== pidNamespace()) return false;
  return processStart(owner.pid) !== owner.start;
}

/**
 * The pids of the processes whose command line names `dir` or a path under it (their own
 * daemon's paths; the directory itself, as a gateway's `--cpu-prof-dir` does).
 */
export function processesUnder(dir) {
  const pids = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0').some((arg) => arg === dir || arg.endsWith(`=${dir}`) || arg.includes(`${dir}/`))) pids.push(Number(entry));
    } catch {
      // Gone meanwhile, or not ours to read.
    }
  }
  return pids;
}

/** Block this thread for `ms` (for an 'exit' handler, where nothing may be awaited). */
function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Whether `pid` runs: it exists and is not a zombie (an 'exit' handler cannot reap its children). */
function running(pid) {
  const state = statFields(pid)?.[0];
  return state !== undefined && state !== 'Z';
}

/** Send `signal` to `pid` unless it is gone; wait up to `ms` for it to go. Returns whether it went. */
export function signalAndWait(pid, signal, ms) {
  try {
    process.kill(pid, signal);
  } catch {
    return true;
  }
  const until = Date.now() + ms;
  while (running(pid) && Date.now() < until) sleepSync(100);
  return !running(pid);
}

/**
 * `roots` and every process descending from them (by parent pid, read once), this process
 * excepted. A container's processes do not name the daemon's directory: they are children of
 * its containerd shim, which does, and once the shim has gone they are init's, and nothing ties
 * them to the daemon any more (a reaped daemon that had died left its containers running).
 */
function withDescendants(roots) {
  const children = new Map();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const ppid = Number(statFields(entry)?.[1]);
    children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
  }
  const found = new Set(roots);
  // A Set's iteration visits what is added during it: the whole tree, breadth first.
  for (const pid of found) for (const child of children.get(pid) ?? []) if (child !== process.pid) found.add(child);
  return [...found];
}

/**
 * Send `signal` to each of `procs` (pid and start time) that is still that process, then wait up
 * to `ms` for all of them to go. Returns those still running.
 */
function signalAllAndWait(procs, signal, ms) {
  const ours = procs.filter((p) => processStart(p.pid) === p.start);
  for (const p of ours) {
    try {
      process.kill(p.pid, signal);
    } catch {
      // Gone meanwhile.
    }
  }
  const until = Date.now() + ms;
  let left = ours.filter((p) => running(p.pid));
  while (left.length > 0 && Date.now() < until) {
    sleepSync(100);
    left = left.filter((p) => running(p.pid));
  }
  return left;
}

/**
 * End every process whose command line names a path under `dir`, and their descendants (a
 * daemon's containers): SIGTERM to all at once, and SIGKILL to those left after 10 s. At once,
 * not one by one: a container's first process ignores SIGTERM (it is init in its pid namespace),
 * and each would hold the others up for the whole wait. Each process is signalled only while it
 * is the one found (same start time), never a later one that got its pid.
 */
export function endProcessesUnder(dir) {
  const procs = withDescendants(processesUnder(dir)).map((pid) => ({ pid, start: processStart(pid) })).filter((p) => p.start !== undefined);
  const left = signalAllAndWait(procs, 'SIGTERM', 10_000);
  signalAllAndWait(left, 'SIGKILL', 5_000);
}

/**
 * Each `/tmp/<prefix>*` directory whose owner is gone, for `remove(dir)` to stop what runs
 * there and delete it. Returns the directories removed; one that `remove` fails on (a mount
 * that stays busy) is reported on stderr and left, so that it does not fail the run reaping it.
 */
export function reapOrphanedDirs(prefix, remove) {
  const reaped = [];
  for (const name of readdirSync('/tmp')) {
    if (!name.startsWith(prefix)) continue;
    const dir = join('/tmp', name);
    if (!ownerGone(dir)) continue;
    try {
      remove(dir);
      reaped.push(dir);
    } catch (err) {
      process.stderr.write(`could not remove ${dir}, left by a run that is gone: ${err instanceof Error ? err.message : String(err)}\n`);
    }
  }
  return reaped;
}
