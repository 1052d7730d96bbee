/**
 * The proxies under test, each started as a child process we stop by pid: the gateway
 * (`dockgate serve` from dist/), the naive Node proxy (naive-proxy.mjs), nginx as a generic
 * mTLS reverse proxy to the same socket, and the reference servers of bench/layers.mjs.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { processTree } from './proc.mjs';

/**
 * The loopback ports the bench's listeners may use, from `BENCH_PORTS` (`LOW-HIGH`, e.g.
 * `48300-48399`, for a machine shared by several benches), or undefined: any free port.
 */
function portRange() {
  const spec = process.env.BENCH_PORTS;
  if (!spec) return undefined;
  const m = /^(\d+)-(\d+)$/.exec(spec);
  const [low, high] = m ? [Number(m[1]), Number(m[2])] : [];
  if (!m || low < 1 || high > 65535 || low > high) throw new Error(`BENCH_PORTS: expected LOW-HIGH, got ${spec}`);
  return { low, high };
}

/** The next port of BENCH_PORTS to try: handed out in turn, so a port just released is not tried again at once. */
let nextInRange = 0;

function bindAndRelease(port) {
  return new Promise((res, rej) => {
    const s = createServer();
    s.on('error', rej);
    s.listen(port, '127.0.0.1', () => {
      const bound = s.address().port;
      s.close(() => res(bound));
    });
  });
}

/** A free loopback TCP port (bound, then released), within BENCH_PORTS when that is set. */
export async function freePort() {
  const range = portRange();
  if (!range) return bindAndRelease(0);
  const size = range.high - range.low + 1;
  for (let i = 0; i < size; i += 1) {
    const port = range.low + ((nextInRange + i) % size);
    try {
      await bindAndRelease(port);
      nextInRange = (nextInRange + i + 1) % size;
      return port;
    } catch {
      // In use: try the next one.
    }
  }
  throw new Error(`BENCH_PORTS ${process.env.BENCH_PORTS}: no free port`);
}

/** The port a listener asks for: one of BENCH_PORTS when that is set, else 0 (the system picks). */
async function listenPort() {
  return portRange() ? freePort() : 0;
}

function waitExit(child, ms) {
  return new Promise((res) => {
    if (child.exitCode !== null || child.signalCode !== null) return res();
    const t = setTimeout(() => {
      child.kill('SIGKILL');
      res();
    }, ms);
    child.once('exit', () => {
      clearTimeout(t);
      res();
    });
  });
}

/**
 * `limits` as YAML flow-map entries, keeping only the keys that the gateway built in
 * `checkout` names somewhere in its dist/config/ (an older build refuses keys it does not know).
 */
function knownLimits(checkout, limits) {
  const dir = resolve(checkout, 'dist/config');
  const code = readdirSync(dir).filter((f) => f.endsWith('.js')).map((f) => readFileSync(join(dir, f), 'utf8')).join('\n');
  return Object.entries(limits).filter(([key]) => code.includes(key)).map(([key, value]) => `${key}: ${value}`).join(', ');
}

/**
 * Start `dockgate serve` in `dir` with the bench policy. `nodeArgs` go to node (e.g.
 * `--cpu-prof`); `checkout` is the built checkout whose dist/ runs (this one by default, another
 * one to compare two commits). Resolves { pid, port, stop } once it logs its listen address.
 */
export async function startGateway({ dir, pki, socket, policyYaml, nodeArgs = [], checkout = '.' }) {
  writeFileSync(join(dir, 'policy.yaml'), policyYaml);
  const config = join(dir, 'dockgate.yaml');
  const listen = await listenPort();
  const admin = await listenPort();
  writeFileSync(config, [
    `listen: 127.0.0.1:${listen}`,
    `tls: { ca: ${pki}/ca.pem, cert: ${pki}/server-cert.pem, key: ${pki}/server-key.pem }`,
    `upstream: unix://${socket}`,
    'policy: policy.yaml',
    `admin: 127.0.0.1:${admin}`,
    'audit: { file: audit.log }',
    // The idle-stream scenario holds BENCH_IDLE_STREAMS (1000 by default, more on request) from
    // one client certificate: past the default per-identity cap. It opens them at once from one
    // address: on a busy machine more than the default 128 handshakes of one source were in
    // progress, and the surplus was closed on arrival (source-limit; 4 of 1000 in one run).
    // An older checkout (NAME@DIR in ab.mjs) may predate these keys and refuse them: it gets
    // those it knows (it has no such limit to lift otherwise).
    `limits: { ${knownLimits(checkout, { streamsPerIdentity: 1000000, handshakesPerSource: 1000000 })} }`,
    '',
  ].join('\n'));
  const cli = resolve(checkout, 'dist/cli/main.js');
  return spawnNodeServer('gateway', [...nodeArgs, cli, 'serve', '--config', config], { cwd: dir, stream: 'stderr' }, /"listen":"[^"]*:(\d+)"/);
}

/**
 * Start the naive Node proxy (bench/lib/naive-proxy.mjs) with the same flags as the gateway.
 * Resolves { pid, port, pids, stop } once it prints its port.
 */
export async function startNaiveProxy({ pki, socket }) {
  const args = [resolve('bench/lib/naive-proxy.mjs'), join(pki, 'ca.pem'), join(pki, 'server-cert.pem'), join(pki, 'server-key.pem'), socket];
  return spawnNodeServer('naive proxy', args, { stream: 'stdout' }, /listening (\d+)/);
}

/**
 * Start one of the reference servers of bench/layers.mjs (bench/lib/reference/NAME.mjs: `node-floor`,
 * `raw-upstream`, `undici-upstream`) with the same flags as the gateway.
 * Resolves { pid, port, pids, stop } once it prints its port.
 */
export async function startReferenceServer(name, { pki, socket }) {
  const args = [resolve(`bench/lib/reference/${name}.mjs`), join(pki, 'ca.pem'), join(pki, 'server-cert.pem'), join(pki, 'server-key.pem'), socket];
  return spawnNodeServer(name, args, { stream: 'stdout' }, /listening (\d+)/);
}

/**
 * The Node flags the shipped `dockgate` command runs with: those of its shebang (in dist/),
 * which scripts/start.sh and the Dockerfile repeat (test/unit/cli/launch-flags.test.ts).
 */
export function launcherNodeFlags() {
  const first = readFileSync(resolve('dist/cli/main.js'), 'utf8').split('\n', 1)[0];
  const words = first.replace(/^#!\S+\s+-S\s+/, '').split(/\s+/).filter(Boolean);
  if (words[0] !== 'node') throw new Error(`dist/cli/main.js: unexpected shebang ${first}`);
  return words.slice(1);
}

/**
 * Spawn a Node server as the shipped launchers start the gateway (launcherNodeFlags) and
 * resolve { pid, port, pids, stderr, stop } once `pattern` (capturing the port) matches what it
 * prints on `stream`.
 */
async function spawnNodeServer(label, args, { cwd, stream }, pattern) {
  // tls-listener.mjs listens on BENCH_LISTEN_PORT (the gateway's port is in its config).
  const env = { ...process.env, BENCH_LISTEN_PORT: String(await listenPort()) };
  const child = spawn(process.execPath, [...launcherNodeFlags(), ...args], { cwd, env, stdio: ['ignore', stream === 'stdout' ? 'pipe' : 'ignore', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr.on('data', (d) => {
    if (err.length < 1 << 20) err += d.toString();
  });
  return new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`${label} did not start:\n${err}`)), 30_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      rej(new Error(`${label} exited with ${code}:\n${err}`));
    });
    const watched = stream === 'stdout' ? child.stdout : child.stderr;
    const onData = (d) => {
      if (out.length < 1 << 20) out += d.toString();
      const m = pattern.exec(out);
      if (!m) return;
      watched.off('data', onData);
      clearTimeout(timer);
      child.removeAllListeners('exit');
      res({
        pid: child.pid,
        port: Number(m[1]),
        pids: () => [child.pid],
        stderr: () => err,
        stop: async () => {
          child.kill('SIGTERM');
          await waitExit(child, 10_000);
        },
      });
    };
    watched.on('data', onData);
  });
}

/** The nginx binary the bench runs. */
export const NGINX = '/usr/sbin/nginx';

/** nginx.conf for an mTLS reverse proxy in front of the daemon's unix socket. */
export function nginxConf({ dir, port, pki, socket, workers }) {
  // Workers run as root like the master: the daemon's socket is root-only (0660 root:docker).
  return `user root root;
worker_processes ${workers};
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 8192; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp;
  fastcgi_temp_path ${dir}/tmp;
  uwsgi_temp_path ${dir}/tmp;
  scgi_temp_path ${dir}/tmp;
  map $http_upgrade $connection_upgrade { default upgrade; '' ''; }
  upstream docker { server unix:${socket}; keepalive 64; }
  server {
    listen 127.0.0.1:${port} ssl;
    ssl_certificate ${pki}/server-cert.pem;
    ssl_certificate_key ${pki}/server-key.pem;
    ssl_client_certificate ${pki}/ca.pem;
    ssl_verify_client on;
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache off;
    ssl_session_tickets off;
    client_max_body_size 0;
    keepalive_requests 1000000;
    location / {
      proxy_pass http://docker;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header Upgrade $http_upgrade;
      proxy_set_header Connection $connection_upgrade;
      proxy_buffering off;
      proxy_request_buffering off;
      proxy_read_timeout 3600s;
      proxy_send_timeout 3600s;
    }
  }
}
`;
}

/** Start nginx in the foreground under `dir`; resolves once it accepts connections. */
export async function startNginx({ dir, pki, socket, workers = 1 }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const conf = join(dir, 'nginx.conf');
  writeFileSync(conf, nginxConf({ dir, port, pki, socket, workers }));
  const child = spawn(NGINX, ['-p', dir, '-c', conf, '-g', 'daemon off;'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d) => (err += d.toString()));
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null) throw new Error(`nginx exited: ${err}`);
    const ok = await new Promise((res) => {
      const s = connect(port, '127.0.0.1');
      s.on('connect', () => {
        s.destroy();
        res(true);
      });
      s.on('error', () => res(false));
    });
    if (ok) break;
    await sleep(100);
  }
  return {
    pid: child.pid,
    port,
    pids: () => processTree(child.pid),
    stderr: () => err,
    stop: async () => {
      child.kill('SIGQUIT');
      await waitExit(child, 10_000);
    },
  };
}
