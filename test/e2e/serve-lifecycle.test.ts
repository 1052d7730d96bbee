/**
 * `dockgate serve` from process start to exit: signals that arrive while it starts (USR1 must
 * never open Node's inspector, HUP must not kill it, TERM ends the start-up cleanly), the exit
 * code of unusable TLS material or policy, audit records of streams and hijacked sessions cut
 * off by a shutdown, and requests Node's HTTP parser refuses (audited and counted).
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { get } from 'node:http';
import { connect as connectTcp, createServer as createTcpServer, type AddressInfo } from 'node:net';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { CLI, configYaml, dockerDirect, dockgate, makePki, run, startGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { freePort } from './support/free-port.js';

const daemonSocket = inject('dockerSocket');
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
let pki: TestPki;
let admin: string;

/** The node flags of the CLI's shebang: the installed `dockgate` command runs with them. */
function shebangFlags(): string[] {
  const first = readFileSync(CLI, 'utf8').split('\n')[0] ?? '';
  const words = first.replace(/^#!\S+\s+-S\s+/, '').split(/\s+/);
  return words.slice(words.indexOf('node') + 1).filter((w) => w !== '');
}

/** Whether process `pid` has a handler for signal number `signo` (bit signo-1 of SigCgt). */
function catches(pid: number, signo: number): boolean {
  try {
    const m = /^SigCgt:\s*([0-9a-f]+)$/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m !== null && ((BigInt(`0x${m[1]}`) >> BigInt(signo - 1)) & 1n) === 1n;
  } catch {
    return false;
  }
}

/** Whether process `pid` has a handler for SIGHUP: `serve` took the signals over. */
function catchesHup(pid: number): boolean {
  return catches(pid, 1);
}

/** Poll until `pid` catches SIGHUP (Node's own boot does not); resolves with whether it did. */
async function takenOver(pid: number, ms = 10_000): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (catchesHup(pid)) return true;
    await new Promise((r) => setTimeout(r, 1));
  }
  return false;
}

/** Whether anything listens on TCP port `port` (any address), per /proc/net/tcp{,6}. */
function listening(port: number): boolean {
  const hex = `:${port.toString(16).toUpperCase().padStart(4, '0')}`;
  return ['/proc/net/tcp', '/proc/net/tcp6'].some((f) =>
    existsSync(f) && readFileSync(f, 'utf8').split('\n').slice(1).some((l) => {
      const cols = l.trim().split(/\s+/);
      return cols[1]?.endsWith(hex) === true && cols[3] === '0A';
    }),
  );
}

/** Whether 127.0.0.1:`port` accepts a connection. */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connectTcp({ host: '127.0.0.1', port }, () => {
      s.destroy();
      resolve(true);
    });
    s.on('error', () => resolve(false));
  });
}

function tlsConnect(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca: readFileSync(join(admin, 'ca.pem')), cert: readFileSync(join(admin, 'cert.pem')), key: readFileSync(join(admin, 'key.pem')), servername: 'localhost' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Write `request` and resolve with everything received once `done(text)` holds (or after `ms`). */
function exchange(s: TLSSocket, request: string, done: (text: string) => boolean, ms = 10_000): Promise<string> {
  let data = '';
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(data), ms);
    const check = (): void => {
      if (!done(data)) return;
      clearTimeout(timer);
      resolve(data);
    };
    s.on('data', (d: Buffer) => {
      data += d.toString('latin1');
      check();
    });
    s.on('close', () => {
      clearTimeout(timer);
      resolve(data);
    });
    s.on('error', () => {});
    s.write(request);
  });
}

interface Rec {
  requestId: string;
  method: string;
  path: string;
  operation: string;
  decision: string;
  reason?: string;
  status: number;
  stream: boolean;
  identity?: { cn: string };
  endedBy?: string;
}

function readAudit(file: string): Rec[] {
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '';
  if (text === '') return [];
  expect(text.endsWith('\n'), 'the audit file ends with a newline').toBe(true);
  return text.slice(0, -1).split('\n').map((l) => JSON.parse(l) as Rec);
}

function metrics(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    get({ host: '127.0.0.1', port, path: '/metrics' }, (res) => {
      let body = '';
      res.on('data', (d: Buffer) => (body += d.toString()));
      res.on('end', () => resolve(body));
    }).on('error', reject);
  });
}

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  admin = pki.bundle('admin');
});

describe('signals while the gateway starts', () => {
  it('a burst of SIGUSR1 and SIGHUP while it starts opens no inspector and kills nothing; both are acted on once ready', async () => {
    expect(listening(9229), 'nothing else listens on 9229 before the test').toBe(false);
    const dir = scratchDir('sig-');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket, `audit: { file: ${join(dir, 'audit.log')} }\n`));
    const child = spawn(process.execPath, [...shebangFlags(), CLI, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
    // SIGUSR1 from just after exec, for the first second (in the first ~2 ms Node has
    // installed no handler at all and the kernel's default action would end the process: no
    // program can handle a signal before it runs). SIGHUP once the CLI's first line took the
    // signals over: before that only Node boots (~40 ms), and Node 20 lets SIGHUP end it.
    await new Promise((r) => child.once('spawn', r));
    // From the moment Node has a SIGUSR1 handler (its inspector's, installed while it boots);
    // a fixed 10 ms after spawn was before that on a loaded machine, and the kernel's default
    // action ended the process (a CI run beside other work).
    for (let i = 0; i < 10_000 && !catches(child.pid as number, 10); i++) await sleep(1);
    expect(catches(child.pid as number, 10), 'Node installed its SIGUSR1 handler').toBe(true);
    const t0 = Date.now();
    let sent = 0;
    let hup = false;
    const takeover = takenOver(child.pid as number).then((ok) => {
      hup = ok;
      return !/dockgate listening/.test(err);
    });
    while (Date.now() - t0 < 1000 && child.exitCode === null && child.signalCode === null) {
      child.kill('SIGUSR1');
      if (hup) child.kill('SIGHUP');
      sent += 1;
      await sleep(5);
    }
    const until = Date.now() + 15_000;
    while (!/dockgate listening/.test(err) && child.exitCode === null && child.signalCode === null && Date.now() < until) await sleep(50);
    try {
      expect(child.signalCode, `killed by a signal:\n${err}`).toBeNull();
      expect(child.exitCode, `exited:\n${err}`).toBeNull();
      expect(err).toMatch(/dockgate listening/);
      expect(sent).toBeGreaterThan(50);
      expect(await takeover, 'signals taken over before the gateway listens').toBe(true);
      expect(err).not.toMatch(/Debugger listening/);
      expect(listening(9229)).toBe(false);
      expect(await accepts(9229)).toBe(false);
      // The HUP that came while starting ran once the gateway was ready (only a reload logs this).
      await sleep(500);
      expect(err.slice(err.indexOf('dockgate listening'))).toMatch(/TLS material loaded/);
    } finally {
      child.kill('SIGTERM');
    }
    expect(await exited).toEqual({ code: 0, signal: null });
  });

  it('SIGTERM while starting ends the start-up with exit 0, not a death by signal', async () => {
    const dir = scratchDir('sigterm-');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket));
    const child = spawn(process.execPath, [...shebangFlags(), CLI, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('close', (code, signal) => r({ code, signal })));
    // As soon as the CLI took the signals over, long before the gateway listens.
    expect(await takenOver(child.pid as number)).toBe(true);
    child.kill('SIGTERM');
    const got = await exited;
    expect(got, err).toEqual({ code: 0, signal: null });
    expect(err).toContain('SIGTERM during start-up; not starting');
    expect(err).not.toMatch(/dockgate listening/);
  });
});

describe('exit codes at start', () => {
  it('a repeated --config is a usage error (exit 2), as in the other commands; neither file is used', async () => {
    const dir = scratchDir('exit-');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket));
    for (const args of [
      ['--config', config, '--config', join(dir, 'other.yaml')],
      [`--config=${config}`, '--config', join(dir, 'other.yaml')],
    ]) {
      const r = await dockgate(['serve', ...args]);
      expect(r.code, r.stderr).toBe(2);
      expect(r.stderr.split('\n')[0]).toBe('dockgate: --config given twice (give one)');
      expect(r.stderr).not.toContain('other.yaml');
    }
  });

  it('an invalid policy exits 2 (configuration error), not 1', async () => {
    const dir = scratchDir('exit-');
    writeFileSync(join(dir, 'policy.yaml'), 'version: 1\nrules: [ {name: x, allow: [\n');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket, `policy: ${join(dir, 'policy.yaml')}\n`));
    const r = await dockgate(['serve', '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/cannot start: invalid configuration:\n {2}invalid policy/);
  });

  it('tls.ca holding the server certificate (not a CA) exits 2 and names the file', async () => {
    const dir = scratchDir('exit-');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket).replace(`ca: ${pki.dir}/ca.pem`, `ca: ${pki.dir}/server-cert.pem`));
    const r = await dockgate(['serve', '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`TLS material: ${pki.dir}/server-cert\\.pem: certificate 1 of 1 \\("[^"]*"\\) is not a CA certificate`));
  });

  it('a corrupt server certificate body exits 2 and names the file', async () => {
    const dir = scratchDir('exit-');
    const cert = join(dir, 'server-cert.pem');
    writeFileSync(cert, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket).replace(`${pki.dir}/server-cert.pem`, cert));
    const r = await dockgate(['serve', '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`TLS material: ${cert}: the server certificate is not a valid certificate (`);
  });

  it('an audit.file that is a directory exits 2 and names it', async () => {
    const dir = scratchDir('exit-');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket, `audit: { file: ${dir} }\n`));
    const r = await dockgate(['serve', '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`cannot start: invalid configuration:\n  audit.file: cannot open the audit log ${dir}: EISDIR`);
    // Said once, in the list: no "audit log write failed" line before it (nothing was written).
    expect(r.stdout + r.stderr).not.toContain('audit log write failed');
  });

  it('an audit.file under /proc exits 2 at once (Node 20’s recursive mkdir would spin for ever there)', async () => {
    const dir = scratchDir('exit-');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket, 'audit: { file: /proc/dockgate-nope/audit.log }\n'));
    // run() kills the command with SIGKILL after the timeout: a spinning start-up ends with code null.
    const r = await run(process.execPath, [CLI, 'serve', '--config', config], { timeoutMs: 15_000 });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain("audit.file: cannot open the audit log /proc/dockgate-nope/audit.log: ENOENT: no such file or directory, mkdir '/proc/dockgate-nope'");
  });

  it('a garbage TLS key exits 2 and names the file', async () => {
    const dir = scratchDir('exit-');
    const key = join(dir, 'server-key.pem');
    writeFileSync(key, '-----BEGIN PRIVATE KEY-----\nbm90IGEga2V5\n-----END PRIVATE KEY-----\n');
    const config = join(dir, 'gw.yaml');
    writeFileSync(config, configYaml(pki, daemonSocket).replace(`${pki.dir}/server-key.pem`, key));
    const r = await dockgate(['serve', '--config', config]);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`TLS material: ${key}: not a usable private key`);
  });
});

/**
 * Run `dockgate serve --config CONFIG`, which is expected to fail, while trying to connect to
 * the Docker API port every few milliseconds until it exits.
 */
async function failingStart(config: string, dockerPort: number): Promise<{ code: number | null; stderr: string; accepted: number; exitAfterMs: number }> {
  const child = spawn(process.execPath, [CLI, 'serve', '--config', config], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  let failedAt = 0;
  child.stderr.on('data', (d: Buffer) => {
    stderr += d.toString();
    if (failedAt === 0 && stderr.includes('cannot start')) failedAt = Date.now();
  });
  const killer = setTimeout(() => child.kill('SIGKILL'), 20_000);
  const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
  let done = false;
  void exited.then(() => (done = true));
  let accepted = 0;
  while (!done) {
    if (await accepts(dockerPort)) accepted += 1;
    await sleep(5);
  }
  clearTimeout(killer);
  return { code: await exited, stderr, accepted, exitAfterMs: failedAt === 0 ? -1 : Date.now() - failedAt };
}

/** Config YAML with the Docker API listener on `port` and the given `admin:` value. */
function listenerConfig(dir: string, port: number, admin: string, extra = ''): string {
  const config = join(dir, 'gw.yaml');
  writeFileSync(config, configYaml(pki, daemonSocket, extra).replace('listen: 127.0.0.1:0', `listen: 127.0.0.1:${port}`).replace('admin: 127.0.0.1:0', `admin: ${admin}`));
  return config;
}

describe('a start-up that fails serves nothing', () => {
  it('the admin port in use: exit 1 at once, and the Docker API port never accepted a connection', async () => {
    const busy = createTcpServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const adminPort = (busy.address() as AddressInfo).port;
    try {
      const dir = scratchDir('busy-admin-');
      const port = await freePort();
      const r = await failingStart(listenerConfig(dir, port, `127.0.0.1:${adminPort}`), port);
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`dockgate: cannot start: admin listener (admin): listen EADDRINUSE: address already in use 127.0.0.1:${adminPort}`);
      expect(r.stderr).not.toMatch(/dockgate listening/);
      expect(r.accepted, 'connections the Docker API port accepted').toBe(0);
      // Nothing is left open to keep the process alive until main's 3 s backstop.
      expect(r.exitAfterMs).toBeGreaterThanOrEqual(0);
      expect(r.exitAfterMs).toBeLessThan(1500);
    } finally {
      busy.close();
    }
  });

  it('the Docker API port in use: exit 1 naming that listener, and the admin listener is closed again', async () => {
    const busy = createTcpServer();
    await new Promise<void>((r) => busy.listen(0, '127.0.0.1', r));
    const port = (busy.address() as AddressInfo).port;
    try {
      const dir = scratchDir('busy-docker-');
      const adminPort = await freePort();
      const child = spawn(process.execPath, [CLI, 'serve', '--config', listenerConfig(dir, port, `127.0.0.1:${adminPort}`)], { stdio: ['ignore', 'pipe', 'pipe'] });
      let stderr = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      const code = await new Promise<number | null>((r) => child.on('close', (c) => r(c)));
      expect(code, stderr).toBe(1);
      expect(stderr).toContain(`dockgate: cannot start: Docker API listener (listen): listen EADDRINUSE: address already in use 127.0.0.1:${port}`);
      expect(await accepts(adminPort)).toBe(false);
    } finally {
      busy.close();
    }
  });

  it('an unusable admin.tls is a configuration error: exit 2 naming the file, before anything listens', async () => {
    const dir = scratchDir('bad-admin-tls-');
    const bad = join(dir, 'admin-cert.pem');
    writeFileSync(bad, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n');
    const port = await freePort();
    const adminPort = await freePort();
    const r = await failingStart(listenerConfig(dir, port, `{ listen: 127.0.0.1:${adminPort}, tls: { cert: ${bad}, key: ${pki.dir}/server-key.pem } }`), port);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`cannot start: invalid configuration:\n  admin TLS material: ${bad}: the server certificate is not a valid certificate (`);
    expect(r.accepted).toBe(0);
    expect(await accepts(adminPort)).toBe(false);
  });

  it('a client certificate as admin.tls.cert is refused the same way (exit 2)', async () => {
    const dir = scratchDir('client-admin-tls-');
    const port = await freePort();
    const r = await failingStart(listenerConfig(dir, port, `{ listen: 127.0.0.1:0, tls: { cert: ${admin}/cert.pem, key: ${admin}/key.pem } }`), port);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toContain(`admin TLS material: ${admin}/cert.pem: the certificate of "CN=admin" is not for TLS servers`);
    expect(r.accepted).toBe(0);
  });
});

describe('audit completeness', () => {
  const NAME = 'lifecycle-attach';
  afterAll(async () => {
    await dockerDirect(daemonSocket, ['rm', '-f', NAME]);
  });

  it('an event stream and a hijacked attach open at SIGTERM each get their record before exit', async () => {
    expect((await dockerDirect(daemonSocket, ['run', '-d', '--name', NAME, 'busybox', 'sleep', '600'])).code).toBe(0);
    const dir = scratchDir('shutdown-audit-');
    const auditFile = join(dir, 'audit.log');
    const gw = await startGateway(dir, configYaml(pki, daemonSocket, `audit: { file: ${auditFile} }\nlimits: { shutdownGraceMs: 1000 }\n`));
    const events = await tlsConnect(gw.port);
    const eventsHead = await exchange(events, 'GET /v1.41/events HTTP/1.1\r\nHost: x\r\n\r\n', (t) => t.includes('\r\n\r\n'));
    expect(eventsHead).toMatch(/^HTTP\/1\.1 200 /);
    const attach = await tlsConnect(gw.port);
    const attachHead = await exchange(attach, `POST /v1.41/containers/${NAME}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: x\r\nUpgrade: tcp\r\nConnection: Upgrade\r\n\r\n`, (t) => t.includes('\r\n\r\n'));
    expect(attachHead).toMatch(/^HTTP\/1\.1 101 /);
    await sleep(300);
    const before = readAudit(auditFile).map((r) => r.operation);
    expect(before).not.toContain('SystemEvents');
    expect(before).not.toContain('ContainerAttach');

    expect(await gw.stop()).toBe(0);
    const records = readAudit(auditFile);
    const ev = records.filter((r) => r.operation === 'SystemEvents');
    const at = records.filter((r) => r.operation === 'ContainerAttach');
    expect(ev).toHaveLength(1);
    expect(ev[0]).toMatchObject({ decision: 'allow', status: 200, stream: true, identity: { cn: 'admin' } });
    expect(at).toHaveLength(1);
    expect(at[0]).toMatchObject({ decision: 'allow', status: 101, stream: true, identity: { cn: 'admin' } });
    // The gateway cut them, not the daemon: no "lost the connection to the daemon", which is
    // logged and counted in dockgate_upstream_errors_total{kind="failed"} by the same call (rev-front F8).
    expect(ev[0]?.endedBy).toBe('shutdown');
    expect(gw.stderr()).not.toContain('"event":"upstream-error"');
  });
});

describe('requests Node’s parser refuses', () => {
  it('Content-Length with chunked from a verified client: 400, a malformed audit record and the metric', async () => {
    const dir = scratchDir('parser-');
    const auditFile = join(dir, 'audit.log');
    const gw = await startGateway(dir, configYaml(pki, daemonSocket, `audit: { file: ${auditFile} }\n`));
    try {
      const s = await tlsConnect(gw.port);
      const answer = await exchange(s, 'POST /v1.41/containers/create HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n', () => false, 5000);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      await sleep(300);
      const records = readAudit(auditFile);
      expect(records).toHaveLength(1);
      expect(records[0]).toMatchObject({ decision: 'malformed', status: 400, identity: { cn: 'admin' }, operation: 'unknown' });
      expect(records[0]?.reason).toMatch(/^http-parser: HPE_/);
      const m = await metrics(gw.adminPort as number);
      expect(m).toMatch(/dockgate_requests_total\{[^}]*decision="malformed"[^}]*status_class="4xx"[^}]*\} 1\n/);
    } finally {
      await gw.stop();
    }
  });
});
