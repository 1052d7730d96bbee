/**
 * Process accounting from /proc: CPU time (user + system), resident memory and open file
 * descriptors of a process and, for nginx, of its worker children; and the check that those
 * processes are the ones serving a target.
 */
import { readFileSync, readdirSync, readlinkSync, realpathSync } from 'node:fs';

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

/** Inode of the socket listening on 127.0.0.1:`port` (TCP) or on the unix socket `path`. */
function listeningInode({ port, unix }) {
  if (unix) {
    // /proc/net/unix: Num RefCount Protocol Flags(00010000 = listening) Type St Inode Path
    for (const line of readFileSync('/proc/net/unix', 'utf8').split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      if (f[7] === unix && f[3] === '00010000') return f[6];
    }
    return undefined;
  }
  const local = `0100007F:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  // /proc/net/tcp: sl local_address rem_address st(0A = LISTEN) ... uid timeout inode
  for (const line of readFileSync('/proc/net/tcp', 'utf8').split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[1] === local && f[3] === '0A') return f[9];
  }
  return undefined;
}

function holdsSocket(pid, inode) {
  try {
    return readdirSync(`/proc/${pid}/fd`).some((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`) === `socket:[${inode}]`;
      } catch {
        return false;
      }
    });
  } catch {
    return false;
  }
}

/**
 * Throw unless the processes whose CPU and memory are read for a target are the ones serving
 * it: the first of `pids()` runs `exe` (when given) and one of them holds the listening socket
 * (a wrapper shell, or a pid that is not the server's, would make every figure read from it
 * a stranger's).
 */
export function assertServes({ name, port, unix, pids }, exe) {
  const list = pids();
  const inode = listeningInode({ port, unix });
  if (!inode) throw new Error(`${name}: nothing listens on ${unix ?? `127.0.0.1:${port}`}`);
  if (exe) {
    let running;
    try {
      running = readlinkSync(`/proc/${list[0]}/exe`);
    } catch {
      running = 'no such process';
    }
    if (running !== realpathSync(exe)) throw new Error(`${name}: pid ${list[0]} runs ${running}, not ${exe}: its CPU and memory are not the server's`);
  }
  if (!list.some((pid) => holdsSocket(pid, inode))) {
    throw new Error(`${name}: none of pids ${list.join(', ')} holds the socket listening on ${unix ?? `127.0.0.1:${port}`}: their CPU and memory are not the server's`);
  }
}
