/**
 * The bench's private dockerd: its own data and exec roots, a unix socket (the "direct"
 * target) and dockerd's own `--tlsverify` TCP listener on loopback using the bench CA and
 * server certificate. No bridge and no iptables, so it never touches the host's networking.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, readFileSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';

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

/** Start dockerd; `tls` = { port, ca, cert, key }. Resolves once /_ping answers. */
export async function startDaemon(tls) {
  const dockerd = ['/usr/sbin/dockerd', '/usr/bin/dockerd'].find((p) => existsSync(p));
  if (!dockerd) throw new Error('dockerd not found: install Debian docker.io');
  const root = mkdtempSync('/tmp/dgb-');
  const socket = join(root, 'd.sock');
  const log = join(root, 'dockerd.log');
  const args = [
    '--data-root', join(root, 'data'), '--exec-root', join(root, 'exec'), '--pidfile', join(root, 'dockerd.pid'),
    '-H', `unix://${socket}`, '-H', `tcp://127.0.0.1:${tls.port}`,
    '--tlsverify', '--tlscacert', tls.ca, '--tlscert', tls.cert, '--tlskey', tls.key,
    '--bridge=none', '--iptables=false', '--ip6tables=false',
  ];
  const child = spawn(dockerd, args, { stdio: ['ignore', openSync(log, 'a'), openSync(log, 'a')], detached: true });
  child.unref();
  const until = Date.now() + 60_000;
  while (Date.now() < until) {
    if (await ping(socket)) return { root, socket, log, pid: child.pid, tlsPort: tls.port };
    if (child.exitCode !== null) break;
    await sleep(250);
  }
  throw new Error(`dockerd did not start:\n${readFileSync(log, 'utf8').slice(-3000)}`);
}

/** Unmount everything dockerd left mounted under `root` (overlays, netns), deepest first. */
function unmountUnder(root) {
  const mounts = readFileSync('/proc/self/mounts', 'utf8').split('\n').map((l) => l.split(' ')[1] ?? '');
  for (const m of mounts.filter((m) => m === root || m.startsWith(`${root}/`)).sort().reverse()) {
    if (spawnSync('umount', [m]).status !== 0) spawnSync('umount', ['-l', m]);
  }
}

/** Stop the daemon by its pid, wait for it, unmount and remove its directories. */
export async function stopDaemon(d) {
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
      unmountUnder(d.root);
      rmSync(d.root, { recursive: true, force: true, maxRetries: 3 });
      return;
    }
    await sleep(200);
  }
  process.kill(d.pid, 'SIGKILL');
}
