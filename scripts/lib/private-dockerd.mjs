/**
 * A private dockerd, shared by the end-to-end suites (test/e2e/support/global-setup.ts) and the
 * bench (bench/lib/environment.mjs): its own data root, exec root, pidfile and socket under a
 * fresh directory in /tmp (short paths: unix socket names are limited), no bridge networking
 * and no iptables, so it never touches the host's daemon or networking. With `tls`, dockerd
 * also listens on loopback with its own `--tlsverify` (the bench's `dockerd-tls` target).
 * Plain JavaScript so that the bench runs without a build; the types are in
 * private-dockerd.d.mts.
 *
 * The daemon is detached (its own process group: a Ctrl-C meant for the tests does not reach
 * it), so whoever starts it must stop it. Started with `claim`, its directory holds owner.json
 * (owned-dirs.mjs): `reapOrphanedDaemons` stops and removes the daemons of runs that ended
 * without doing so.
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { claimDir, endProcessesUnder, processesUnder, reapOrphanedDirs, signalAndWait } from './owned-dirs.mjs';

function ping(socket) {
  return new Promise((resolve) => {
    const req = request({ socketPath: socket, path: '/_ping', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}

/** Wait until the daemon at `socket` answers /_ping, or throw after `ms`. */
export async function waitForDaemon(socket, ms = 60_000) {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ping(socket)) return;
    await sleep(250);
  }
  throw new Error(`dockerd at ${socket} did not answer /_ping within ${ms} ms`);
}

function dockerdArgs({ root, socket, tls }) {
  const args = ['--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--pidfile', join(root, 'dockerd.pid'), '-H', `unix://${socket}`];
  if (tls) args.push('-H', `tcp://127.0.0.1:${tls.port}`, '--tlsverify', '--tlscacert', tls.ca, '--tlscert', tls.cert, '--tlskey', tls.key);
  return [...args, '--bridge=none', '--iptables=false', '--ip6tables=false'];
}

/** Spawn dockerd for `d` (detached, output appended to its log) and wait for /_ping. */
async function boot(d) {
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
  if (!dockerd) throw new Error('dockerd not found: install Debian docker.io (bash scripts/install-deps.sh does)');
  const child = spawn(dockerd, dockerdArgs(d), { stdio: ['ignore', openSync(d.log, 'a'), openSync(d.log, 'a')], detached: true });
  child.unref();
  const until = Date.now() + 60_000;
  while (Date.now() < until && child.exitCode === null) {
    if (await ping(d.socket)) return { ...d, pid: child.pid };
    await sleep(250);
  }
  throw new Error(`dockerd did not start${child.exitCode === null ? ' within 60 s' : ` (exit ${child.exitCode})`}:\n${daemonLog(d)}`);
}

/**
 * Start a private dockerd under a fresh `/tmp/<prefix>XXXXXX`; resolves once /_ping answers.
 * With `claim`, its directory names this process as its owner (owned-dirs.mjs): a later
 * `reapOrphanedDaemons` stops and removes it once this process is gone. Unclaimed (the default),
 * it is never reaped: a script may start a daemon, exit and leave it for others to use.
 */
export async function startDaemon({ prefix = 'dgt-', tls, claim = false } = {}) {
  const root = mkdtempSync(join('/tmp', prefix));
  if (claim) claimDir(root);
  return boot({ root, socket: join(root, 'd.sock'), log: join(root, 'dockerd.log'), pid: 0, tls });
}

/** Start the daemon again on the same directories and listeners (after `stopDaemon`). */
export function restartDaemon(d) {
  return boot(d);
}

/** Unmount everything dockerd left mounted under `root` (overlays, netns), deepest first. */
function unmountUnder(root) {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
  for (const m of mounts.filter((m) => m.startsWith(`${root}/`)).sort((a, b) => b.length - a.length)) {
    if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['-l', m]);
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/**
 * Remove the daemon's containers and user-defined networks. A bridge network is a `br-*`
 * interface in the host's network namespace that outlives dockerd: left behind, they use up
 * the default address pools (31 networks) and later daemons on the machine cannot create one.
 * Best effort: a daemon that does not answer is stopped all the same.
 */
function removeNetworks(socket) {
  const docker = (...args) => spawnSync('docker', ['-H', `unix://${socket}`, ...args], { encoding: 'utf8', timeout: 60_000 });
  const ids = (docker('ps', '-aq').stdout ?? '').split('\n').filter(Boolean);
  if (ids.length > 0) docker('rm', '-f', ...ids);
  docker('network', 'prune', '-f');
}

/** The daemon's pid: from its pidfile (which survives restarts), else the pid we spawned. */
function daemonPid(d) {
  try {
    return Number(readFileSync(join(d.root, 'dockerd.pid'), 'utf8').trim()) || d.pid;
  } catch {
    // No pidfile: the daemon already stopped (or never wrote it); use the pid we spawned.
    return d.pid;
  }
}

/**
 * Stop the daemon by the pid in its pidfile (which survives restarts; else the pid we spawned)
 * and wait for it to exit, killing it after 30 s. With `remove`, also unmount what it left
 * under its root and delete the directory.
 */
export async function stopDaemon(d, { remove = false } = {}) {
  const pid = daemonPid(d);
  if (remove && pid > 0 && alive(pid)) removeNetworks(d.socket);
  if (pid > 0 && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const until = Date.now() + 30_000;
    while (alive(pid) && Date.now() < until) await sleep(200);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (!remove) return;
  unmountUnder(d.root);
  rmSync(d.root, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * stopDaemon without awaiting: for a process 'exit' handler (an interrupted run) and for
 * reaping. Only processes whose command line names a path under the daemon's root are
 * signalled, by pid: its dockerd first (SIGTERM: it stops its containers and its containerd),
 * then whatever of its own is left (containerd and shims of a dockerd that was killed).
 */
export function stopDaemonSync(d, { remove = false } = {}) {
  const pid = daemonPid(d);
  const ours = processesUnder(d.root);
  if (pid > 0 && ours.includes(pid)) {
    if (remove) removeNetworks(d.socket);
    if (!signalAndWait(pid, 'SIGTERM', 30_000)) signalAndWait(pid, 'SIGKILL', 5_000);
  }
  endProcessesUnder(d.root);
  if (!remove) return;
  unmountUnder(d.root);
  rmSync(d.root, { recursive: true, force: true, maxRetries: 3 });
}

/**
 * Stop and remove the daemons under `/tmp/<prefix>*` whose starting process is gone (a run
 * killed before its teardown), and any other directory there it claimed. Returns their roots.
 */
export function reapOrphanedDaemons(prefix) {
  return reapOrphanedDirs(prefix, (root) => stopDaemonSync({ root, socket: join(root, 'd.sock'), pid: 0, log: join(root, 'dockerd.log') }, { remove: true }));
}

/** Build and import `busybox:latest` (there is no registry) from the machine's busybox-static. */
export function importBusybox(socket) {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox not found: install Debian busybox-static (bash scripts/install-deps.sh does)');
  const dir = mkdtempSync('/tmp/dgt-rootfs-');
  try {
    const rootfs = join(dir, 'rootfs');
    for (const sub of ['bin', 'tmp', 'etc', 'root']) mkdirSync(join(rootfs, sub), { recursive: true });
    copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
    const list = spawnSync(join(rootfs, 'bin', 'busybox'), ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
    for (const applet of list) if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
    writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
    writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
    const tar = join(dir, 'busybox.tar');
    const t = spawnSync('tar', ['-C', rootfs, '-cf', tar, '.'], { encoding: 'utf8' });
    if (t.status !== 0) throw new Error(`tar of the busybox rootfs failed: ${t.stderr}`);
    const imp = spawnSync('docker', ['-H', `unix://${socket}`, 'import', '--change', 'CMD ["/bin/sh"]', tar, 'busybox:latest'], { encoding: 'utf8' });
    if (imp.status !== 0) throw new Error(`docker import failed: ${imp.stderr}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The end of the daemon's log, for failure messages. */
export function daemonLog(d) {
  try {
    return readFileSync(d.log, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}
