/**
 * Process accounting from /proc: CPU time (user + system), resident memory and open file
 * descriptors of a process and, for nginx, of its worker children.
 */
import { readFileSync, readdirSync } from 'node:fs';

// USER_HZ is 100 on every Linux architecture the bench runs on (getconf CLK_TCK).
const TICKS_PER_SECOND = 100;

/** Parse /proc/PID/stat: returns { ppid, cpuSeconds } or undefined if the process is gone. */
function stat(pid) {
  let text;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name may contain spaces and parentheses: fields start after the last ')'.
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return { ppid: Number(fields[1]), cpuSeconds: (utime + stime) / TICKS_PER_SECOND };
}

/** The pid and its direct children (nginx master + workers). */
export function processTree(pid) {
  const pids = [pid];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const s = stat(Number(entry));
    if (s && s.ppid === pid) pids.push(Number(entry));
  }
  return pids;
}

function rssKiB(pid) {
  try {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

function fdCount(pid) {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/**
 * A snapshot of a process group: total CPU seconds, RSS in MiB and open fds, summed over
 * `pids()` (called each time so that respawned nginx workers are counted).
 */
export function sample(pids) {
  let cpu = 0;
  let rss = 0;
  let fds = 0;
  for (const pid of pids) {
    cpu += stat(pid)?.cpuSeconds ?? 0;
    rss += rssKiB(pid);
    fds += fdCount(pid);
  }
  return { cpuSeconds: cpu, rssMiB: rss / 1024, fds };
}
