/**
 * A private dockerd for the end-to-end suites: its own data root, exec root, pidfile and
 * socket, no bridge networking and no iptables, so it never touches a system daemon.
 * The busybox test image is built locally (`docker import` of Debian's busybox-static).
 */
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';

/** A started private daemon. */
export interface TestDaemon {
  root: string;
  socket: string;
  pid: number;
  log: string;
}

function ping(socket: string): Promise<boolean> {
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
export async function waitForDaemon(socket: string, ms = 60_000): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (await ping(socket)) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`dockerd at ${socket} did not answer /_ping within ${ms} ms`);
}

/** Start a private dockerd under a fresh directory in /tmp (short paths: socket limits). */
export async function startDaemon(): Promise<TestDaemon> {
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
  if (!dockerd) throw new Error('dockerd not found: install Debian docker.io (bash .ci/run does)');
  const root = mkdtempSync('/tmp/dgt-');
  const socket = join(root, 'd.sock');
  const log = join(root, 'dockerd.log');
  const child = spawn(
    dockerd,
    ['--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--pidfile', join(root, 'dockerd.pid'), '-H', `unix://${socket}`, '--bridge=none', '--iptables=false', '--ip6tables=false'],
    { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')], detached: true },
  );
  child.unref();
  await waitForDaemon(socket);
  return { root, socket, pid: child.pid as number, log };
}

/** Start the daemon again on the same directories (after `stopDaemon`). */
export async function restartDaemon(d: TestDaemon): Promise<TestDaemon> {
  const child = spawn(
    '/usr/sbin/dockerd',
    ['--data-root', join(d.root, 'data'), '--exec-root', join(d.root, 'exec'), '--pidfile', join(d.root, 'dockerd.pid'), '-H', `unix://${d.socket}`, '--bridge=none', '--iptables=false', '--ip6tables=false'],
    { stdio: ['ignore', openSync(d.log, 'a'), openSync(d.log, 'a')], detached: true },
  );
  child.unref();
  await waitForDaemon(d.socket);
  return { ...d, pid: child.pid as number };
}

/** Stop the daemon we started (by the pid in its pidfile, which survives restarts) and wait for it to exit. */
export async function stopDaemon(d: TestDaemon): Promise<void> {
  try {
    d.pid = Number(readFileSync(join(d.root, 'dockerd.pid'), 'utf8').trim()) || d.pid;
  } catch {
    // No pidfile: the daemon already stopped; fall back to the pid we spawned.
  }
  try {
    process.kill(d.pid, 'SIGTERM');
  } catch {
    return;
  }
  const until = Date.now() + 30_000;
  while (Date.now() < until) {
    try {
      process.kill(d.pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  process.kill(d.pid, 'SIGKILL');
}

/** Build and import the `busybox:latest` test image from the machine's busybox-static. */
export function importBusybox(socket: string): void {
  const busybox = ['/bin/busybox', '/usr/bin/busybox'].find((p) => existsSync(p));
  if (!busybox) throw new Error('busybox not found: install Debian busybox-static (bash .ci/run does)');
  const dir = mkdtempSync('/tmp/dgt-rootfs-');
  const rootfs = join(dir, 'rootfs');
  for (const sub of ['bin', 'tmp', 'etc', 'root']) mkdirSync(join(rootfs, sub), { recursive: true });
  copyFileSync(busybox, join(rootfs, 'bin', 'busybox'));
  const list = spawnSync(join(rootfs, 'bin', 'busybox'), ['--list'], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean);
  for (const applet of list) if (applet !== 'busybox') symlinkSync('busybox', join(rootfs, 'bin', applet));
  writeFileSync(join(rootfs, 'etc', 'passwd'), 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/sh\n');
  writeFileSync(join(rootfs, 'etc', 'group'), 'root:x:0:\nnogroup:x:65534:\n');
  const tar = join(dir, 'busybox.tar');
  const t = spawnSync('tar', ['-C', rootfs, '-cf', tar, '.']);
  if (t.status !== 0) throw new Error(`tar failed: ${t.stderr}`);
  const imp = spawnSync('docker', ['-H', `unix://${socket}`, 'import', '--change', 'CMD ["/bin/sh"]', tar, 'busybox:latest'], { encoding: 'utf8' });
  if (imp.status !== 0) throw new Error(`docker import failed: ${imp.stderr}`);
  rmSync(dir, { recursive: true, force: true });
}

/** The daemon's log, for failure messages. */
export function daemonLog(d: TestDaemon): string {
  try {
    return readFileSync(d.log, 'utf8').slice(-4000);
  } catch {
    return '';
  }
}
