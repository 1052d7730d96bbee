/**
 * Upgrades (exec start, attach) from raw TLS clients against a real dockerd, in the cases the
 * docker CLIs never produce (rev-hijack findings 2 to 4):
 * - a client that sends the request, its stdin and its end (TLS close_notify and FIN) at once,
 *   before the 101: the gateway ended the session and the exec never ran (dockerd directly runs
 *   it); now its stdin reaches the exec, and it gets the output and the end;
 * - a client that really leaves (a reset) before the 101: the daemon request is dropped, and the
 *   record says so (it was a plain allow with status 0; with a reset, a 502 "unreachable");
 * - an HTTP/1.0 upgrade without Host: forwarded without one, dockerd answered 400 (directly: 101).
 * A relay in front of the daemon can hold the exec start, so that the client's end or reset
 * surely comes before the 101.
 */
import { connect as tcpConnect, type Socket } from 'node:net';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type ConnectionOptions, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { startHoldingRelay, type HoldingRelay } from './support/holding-relay.js';
import { jsonRequest, RawConnection, rawExchangeUnix } from './support/raw-tls.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const NAME = 'dgt-hijack-half-close';
let pki: TestPki;
let gw: TestGateway;
let relay: HoldingRelay;

beforeAll(async () => {
  pki = await makePki({ alice: [] });
  const policy = join(pki.dir, 'policy.yaml');
  writeFileSync(policy, 'version: 1\nrules:\n  - name: everyone\n    who: { anyone: true }\n    allow: all\n');
  relay = await startHoldingRelay(socket, 1500);
  gw = await startGateway(pki.dir, configYaml(pki, relay.path, `policy: ${policy}\n`));
  const r = await dockerDirect(socket, ['run', '-d', '--name', NAME, 'busybox', 'sleep', '600']);
  expect(r.code, r.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', NAME]);
  await gw?.stop();
  relay?.close();
});

/** A TLS connection to the gateway as alice, with the TCP socket under it (to reset it). */
async function tlsToGateway(): Promise<{ tls: TLSSocket; tcp: Socket }> {
  const bundle = pki.bundle('alice');
  const tcp = tcpConnect(gw.port, '127.0.0.1');
  // Half-open, so that the client's end (close_notify and FIN) still lets it read the answer.
  const options = { socket: tcp, host: '127.0.0.1', ca: readFileSync(join(bundle, 'ca.pem')), cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')), ALPNProtocols: ['http/1.1'], allowHalfOpen: true };
  const tls = connect(options as ConnectionOptions);
  tls.on('error', () => undefined);
  tcp.on('error', () => undefined);
  await new Promise<void>((resolve, reject) => {
    tls.once('secureConnect', resolve);
    tls.once('error', reject);
  });
  return { tls, tcp };
}

/** Create an exec on the container directly on the daemon; its ID. */
async function createExec(cmd: string[]): Promise<string> {
  const res = await rawExchangeUnix(socket, jsonRequest('POST', `/containers/${NAME}/exec`, JSON.stringify({ Cmd: cmd, AttachStdin: true, AttachStdout: true, AttachStderr: true })));
  expect(res.status, res.text).toBe(201);
  return (JSON.parse(res.text) as { Id: string }).Id;
}

/** What the daemon says of an exec: running, and its exit code. */
async function execState(id: string): Promise<{ Running: boolean; ExitCode: number | null }> {
  const res = await rawExchangeUnix(socket, Buffer.from(`GET /exec/${id}/json HTTP/1.1\r\nHost: d\r\n\r\n`));
  return JSON.parse(res.text) as { Running: boolean; ExitCode: number | null };
}

/** The exec start upgrade request (non-tty, attached) with its JSON body. */
function execStart(id: string): string {
  const body = '{"Detach":false,"Tty":false}';
  return `POST /v1.41/exec/${id}/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
}

/** Everything the client receives until the gateway ends the connection (at most `ms`). */
function receiveAll(tls: TLSSocket, ms = 20_000): Promise<string> {
  return new Promise((resolve) => {
    let got = '';
    const timer = setTimeout(() => resolve(got), ms);
    tls.on('data', (d: Buffer) => (got += d.toString('latin1')));
    const done = (): void => {
      clearTimeout(timer);
      resolve(got);
    };
    tls.once('end', done);
    tls.once('close', done);
  });
}

/** The audit record of the exec start of `id`. */
function recordOf(id: string): Promise<Record<string, unknown>> {
  return until(
    () => gw.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.operation === 'ExecStart' && String(r.path).includes(id)),
    15_000,
    `the ExecStart record of ${id}`,
  );
}

const SCRIPT = ['sh', '-c', 'cat; echo; echo after-eof; sleep 1; echo late; exit 3'];

describe('a client that half-closes before the 101', () => {
  it.each([
    ['at once (the daemon answers at its own pace)', false],
    ['while the daemon holds the exec start (its end surely before the 101)', true],
  ])('stdin and its end sent with the request, %s: the exec reads the stdin, and the client gets the output and the end', async (_name, held) => {
    const id = await createExec(SCRIPT);
    relay.hold = held ? (line) => line.startsWith(`POST /v1.41/exec/${id}/start `) : () => false;
    try {
      const { tls } = await tlsToGateway();
      const received = receiveAll(tls);
      tls.write(execStart(id) + 'stdin-data');
      tls.end();
      const got = await received;
      expect(got).toMatch(/^HTTP\/1\.1 101 /);
      // Non-tty: the output comes in stdout frames; the text is in order within them.
      const text = Array.from(got.split('\r\n\r\n').slice(1).join('\r\n\r\n')).filter((c) => c >= ' ' || c === '\n').join('');
      expect(text).toMatch(/stdin-data[^]*after-eof[^]*late/);
      expect(await until(async () => ((s) => (s.Running ? undefined : s))(await execState(id)), 10_000, 'the exec to end')).toMatchObject({ Running: false, ExitCode: 3 });
      expect(await recordOf(id)).toMatchObject({ decision: 'allow', status: 101 });
    } finally {
      relay.hold = () => false;
    }
  });
});

describe('a client that leaves before the 101', () => {
  it('a reset while the daemon holds the exec start: the record says the client left (it said a plain allow, status 0)', async () => {
    const id = await createExec(SCRIPT);
    relay.hold = (line) => line.startsWith(`POST /v1.41/exec/${id}/start `);
    try {
      const { tls, tcp } = await tlsToGateway();
      tls.write(execStart(id));
      await new Promise((resolve) => setTimeout(resolve, 300));
      tcp.resetAndDestroy();
      const record = await recordOf(id);
      expect(record).toMatchObject({ decision: 'allow', rule: 'everyone', status: 0 });
      expect(String(record.reason)).toMatch(/^allowed by rule "everyone"; the client left before the daemon answered the upgrade; the daemon request was dropped$/);
      expect(record.endedBy).toBeUndefined();
    } finally {
      relay.hold = () => false;
    }
  });
});

describe('a client that half-closes after a whole request, refused after a failed look-up (rev-fix-exec F2)', () => {
  it('gets the 502 (it got nothing: its end was taken for leaving)', async () => {
    // The exec guards on the rule: an exec start looks its exec up on the daemon first.
    const guarded = join(pki.dir, 'policy-exec-guards.yaml');
    writeFileSync(guarded, 'version: 1\nrules:\n  - name: everyone\n    who: { anyone: true }\n    allow: all\n    guards: { execRoot: false, privileged: false }\n');
    const lookups = await startHoldingRelay(socket, 60_000);
    const gw2 = await startGateway(pki.dir, configYaml(pki, lookups.path, `policy: ${guarded}\n`));
    try {
      const id = await createExec(['true']);
      lookups.hold = (line) => line.startsWith('GET ') && line.includes(`/exec/${id}/json`);
      const bundle = pki.bundle('alice');
      const tcp = tcpConnect(gw2.port, '127.0.0.1');
      const tls = connect({ socket: tcp, host: '127.0.0.1', ca: readFileSync(join(bundle, 'ca.pem')), cert: readFileSync(join(bundle, 'cert.pem')), key: readFileSync(join(bundle, 'key.pem')), ALPNProtocols: ['http/1.1'], allowHalfOpen: true } as ConnectionOptions);
      tls.on('error', () => undefined);
      await new Promise<void>((resolve, reject) => {
        tls.once('secureConnect', resolve);
        tls.once('error', reject);
      });
      const received = receiveAll(tls);
      tls.write(execStart(id));
      tls.end();
      // The look-up is held; then the daemon goes away under it: the look-up fails.
      // Time for the gateway to read the client's end before the look-up fails.
      await new Promise((resolve) => setTimeout(resolve, 500));
      lookups.close();
      const got = await received;
      expect(got).toMatch(/^HTTP\/1\.1 502 /);
      expect(await execState(id)).toMatchObject({ Running: false, ExitCode: null });
    } finally {
      lookups.close();
      await gw2.stop();
    }
  });
});

describe('an HTTP/1.0 upgrade without Host', () => {
  const request = `POST /v1.41/containers/${NAME}/attach?stream=1&stdout=1 HTTP/1.0\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n`;

  it('is answered 101, as dockerd answers it directly', async () => {
    const direct = await RawConnection.unix(socket);
    try {
      direct.write(request);
      expect((await direct.response()).status).toBe(101);
    } finally {
      direct.close();
    }
    const conn = await RawConnection.tls(pki.bundle('alice'), gw.port);
    try {
      conn.write(request);
      const res = await conn.response();
      expect([res.status, res.text]).toEqual([101, '']);
    } finally {
      conn.close();
    }
  });
});
