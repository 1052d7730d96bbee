/**
 * The gateway under failure and at the edges of time: upstream down, refused upgrades,
 * idle streams versus reaped idle connections, slow header senders, graceful shutdown.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { request } from 'node:http';
import { join } from 'node:path';
import { connect, type TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { startHoldingRelay } from './support/holding-relay.js';
import { httpRequest, RawConnection, writeAllThenRead } from './support/raw-tls.js';
import { tlsRequest } from './support/tls-request.js';
import { until } from './support/until.js';

const daemonSocket = inject('dockerSocket');
let pki: TestPki;
let admin: string;

/** Open a TLS connection to the gateway with the admin bundle. */
function tlsConnect(port: number): Promise<TLSSocket> {
  return new Promise((resolve, reject) => {
    const s = connect({ host: '127.0.0.1', port, ca: readFileSync(join(admin, 'ca.pem')), cert: readFileSync(join(admin, 'cert.pem')), key: readFileSync(join(admin, 'key.pem')), servername: 'localhost' }, () => resolve(s));
    s.once('error', reject);
  });
}

/** Resolve with everything received and the ms until the server closed the connection. */
function untilClosed(s: TLSSocket, maxMs: number): Promise<{ data: string; ms: number; closed: boolean }> {
  const t0 = Date.now();
  let data = '';
  s.on('data', (d: Buffer) => (data += d.toString('latin1')));
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve({ data, ms: Date.now() - t0, closed: false }), maxMs);
    s.on('close', () => {
      clearTimeout(timer);
      resolve({ data, ms: Date.now() - t0, closed: true });
    });
    s.on('error', () => {});
  });
}

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  admin = pki.bundle('admin');
});

describe('upstream failures', () => {
  let gw: TestGateway;
  afterAll(async () => {
    await gw?.stop();
  });

  it('answers 502 naming the upstream when the daemon socket is missing, and keeps running', async () => {
    gw = await startGateway(pki.dir, configYaml(pki, '/tmp/dgt-no-such-daemon.sock'));
    // An upgrade first (the log samples 10 lines a minute per error): logged with the OS error
    // code, as the plain requests below are.
    const upstreamErrors = (): string[] => gw.stderr().split('\n').filter((l) => l.includes('"upstream-error"')).map((l) => (JSON.parse(l) as { error: string }).error);
    const up = await RawConnection.tls(admin, gw.port);
    up.write(httpRequest({ method: 'POST', target: '/v1.41/containers/x/attach?stream=1&stdout=1', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }));
    expect((await up.response()).status).toBe(502);
    up.close();
    expect(await until(() => upstreamErrors()[0], 10_000, "the upgrade's upstream-error line")).toBe('ENOENT');
    const r = await docker(admin, gw.port, ['ps']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('dockgate: upstream unix:///tmp/dgt-no-such-daemon.sock unreachable: ENOENT');
    const again = await docker(admin, gw.port, ['ps']);
    expect(again.stderr).toContain('unreachable');
    expect(gw.process.exitCode).toBeNull();
    // The gateway's own 502 is an answer like any other: its record has the time to the
    // headers, and it is a sample of dockgate_request_duration_seconds.
    const pings = await until(() => {
      const recs = gw.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.status === 502);
      return recs.length >= 2 ? recs : undefined;
    }, 10_000, 'two 502 records');
    for (const rec of pings) {
      expect(rec.decision).toBe('allow');
      expect(typeof rec.headersMs).toBe('number');
      // Each error counted in dockgate_upstream_errors_total is in its exchange's record.
      expect(rec.upstreamError).toBe('unreachable: ENOENT');
    }
    const metrics = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
    // The operational log says so too: at start (the monitor's first ping) and per failed
    // request (sampled), with the OS error, the same on both paths.
    const lines = gw.stderr().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(new Set(upstreamErrors())).toEqual(new Set(['ENOENT']));
    expect(lines).toEqual(expect.arrayContaining([
      expect.objectContaining({ event: 'upstream-down', upstream: 'unix:///tmp/dgt-no-such-daemon.sock', error: 'ENOENT', advice: expect.stringContaining('no socket at /tmp/dgt-no-such-daemon.sock: start dockerd') }),
      expect.objectContaining({ event: 'upstream-error', kind: 'unreachable', error: 'ENOENT' }),
    ]));
    const samples = [...metrics.matchAll(/^dockgate_request_duration_seconds_count\{operation="[^"]+"\} (\d+)$/gm)].reduce((n, m) => n + Number(m[1]), 0);
    expect(samples).toBeGreaterThanOrEqual(pings.length);
  });

  it('a stream whose daemon connection breaks mid-answer says so in its record (rev-live F2)', async () => {
    // The record of an events stream the daemon's going away ended looked like one its client
    // ended, while dockgate_upstream_errors_total{kind="failed"} counted an error no record showed.
    const relay = await startHoldingRelay(daemonSocket, 0);
    const own = await startGateway(pki.dir, configYaml(pki, relay.path));
    try {
      const conn = await RawConnection.tls(admin, own.port);
      conn.write(httpRequest({ method: 'GET', target: '/v1.41/events' }));
      expect((await conn.response({ head: true })).status).toBe(200);
      relay.close();
      const records = (): Array<Record<string, unknown>> => own.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      const rec = await until(() => records().find((r) => r.operation === 'SystemEvents'), 10_000, 'the events record');
      expect(rec).toMatchObject({ decision: 'allow', status: 200, stream: true });
      expect(String(rec.upstreamError)).toMatch(/^failed: /);
      expect(rec).not.toHaveProperty('endedBy');
      conn.close();
    } finally {
      await own.stop();
      relay.close();
    }
  });

  it('an upgrade whose daemon connection breaks before the answer is `failed`, as on the request path (rev-fix-ver V3)', async () => {
    // The relay (standing in for the daemon's socket, in front of the real one) accepts the
    // gateway's connection and takes the attach request, holds it, and is then closed: the
    // connection was made and broke before any answer. It was counted `unreachable`.
    const relay = await startHoldingRelay(daemonSocket, 20_000);
    let taken = false;
    relay.hold = (line) => (line.includes('/attach') ? (taken = true) : false);
    const own = await startGateway(pki.dir, configYaml(pki, relay.path));
    try {
      const conn = await RawConnection.tls(admin, own.port);
      conn.write(httpRequest({ method: 'POST', target: '/v1.41/containers/dgt-no-such-container/attach?stream=1&stdout=1', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }));
      await until(() => taken, 10_000, 'the attach at the relay');
      relay.close();
      const r = await conn.response();
      conn.close();
      expect(r.status).toBe(502);
      expect(r.text).toMatch(/dockgate: upstream unix:\/\/\S+ failed: ECONNRESET/);
      const records = (): Array<Record<string, unknown>> => own.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
      const rec = await until(() => records().find((x) => x.operation === 'ContainerAttach'), 10_000, 'the attach record');
      expect(rec).toMatchObject({ decision: 'allow', status: 502, upstreamError: 'failed: ECONNRESET' });
      const lines = own.stderr().split('\n').filter((l) => l.includes('"upstream-error"')).map((l) => JSON.parse(l) as Record<string, unknown>);
      expect(lines).toEqual([expect.objectContaining({ kind: 'failed', error: 'ECONNRESET' })]);
      const metrics = await (await fetch(`http://127.0.0.1:${own.adminPort}/metrics`)).text();
      expect(metrics).toMatch(/^dockgate_upstream_errors_total\{kind="failed"\} 1$/m);
      expect(metrics).not.toMatch(/^dockgate_upstream_errors_total\{kind="unreachable"\} [1-9]/m);
    } finally {
      await own.stop();
      relay.close();
    }
  });

  it('the 502 for an upload reaches a client that reads only after sending its 16 MiB body', async () => {
    const conn = await RawConnection.tls(admin, gw.port);
    try {
      const r = await writeAllThenRead(conn, 'POST', '/v1.41/images/load?quiet=1', 'application/x-tar', 16 * 1024 * 1024);
      expect(r.status).toBe(502);
      expect(r.text).toContain('dockgate: upstream unix:///tmp/dgt-no-such-daemon.sock unreachable: ENOENT');
    } finally {
      conn.close();
    }
  });
});

describe('bodies held for inspection are bounded, per identity and in all', () => {
  // 64 KiB per body, two bodies announced per identity, three bodies' bytes in all; bodies
  // that do not arrive within 2 s are refused.
  const BODY = 64 * 1024;
  let g: TestGateway;
  let bundles: TestPki;
  beforeAll(async () => {
    bundles = await makePki({ admin: [], bob: [], carol: [], dave: [] });
    // bob and carol may read and create (their creates reach the daemon), dave nothing.
    const policy = join(bundles.dir, 'budget-policy.yaml');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: admins\n    who: { users: [admin] }\n    allow: all\n  - name: creators\n    who: { users: [bob, carol] }\n    allow: [power:read, ContainerCreate]\n    guards: { privileged: false }\n');
    const limits = `limits: { bodyBytes: ${BODY}, bufferedBodyBytesPerIdentity: ${2 * BODY}, bufferedBodyBytes: ${3 * BODY}, bodyTimeoutMs: 2000 }`;
    g = await startGateway(bundles.dir, configYaml(bundles, daemonSocket, `policy: ${policy}\n${limits}\n`));
  });
  afterAll(async () => {
    await g?.stop();
  });

  /** A create of an image that does not exist, padded to exactly `size` bytes. */
  const createBody = (size = BODY): Buffer => {
    const head = '{"Image":"dgt-no-such-image-budget","Labels":{"pad":"';
    const tail = '"}}';
    return Buffer.from(head + 'x'.repeat(size - head.length - tail.length) + tail);
  };
  const createHead = (length: number): Buffer => httpRequest({ method: 'POST', target: '/v1.41/containers/create', headers: [['Content-Type', 'application/json'], ['Content-Length', String(length)]] });
  /** Send the head and the first `sent` bytes of a create, holding the rest back. */
  const startCreate = async (who: string, sent = 10): Promise<{ conn: RawConnection; rest: Buffer }> => {
    const conn = await RawConnection.tls(bundles.bundle(who), g.port);
    const body = createBody();
    conn.write(Buffer.concat([createHead(body.length), body.subarray(0, sent)]));
    return { conn, rest: body.subarray(sent) };
  };
  /** The gateway has taken a held body in: nothing answered, connection open. */
  const held = async (c: { conn: RawConnection }): Promise<void> => {
    await new Promise((r) => setTimeout(r, 300));
    expect(c.conn.isClosed).toBe(false);
    expect(c.conn.takeBuffered().length).toBe(0);
  };
  const refusedAndClosed = async (conn: RawConnection, status: number, text: string): Promise<void> => {
    const r = await conn.response();
    expect(r.status).toBe(status);
    expect(r.text).toContain(text);
    await Promise.race([conn.closed, new Promise((_, rej) => setTimeout(() => rej(new Error('connection left open')), 5000))]);
  };
  /** A whole create by `who` on a new connection: its status (404: forwarded, the daemon has no such image). */
  const wholeCreate = async (who: string): Promise<number> => {
    const conn = await RawConnection.tls(bundles.bundle(who), g.port);
    try {
      const body = createBody();
      conn.write(Buffer.concat([createHead(body.length), body]));
      return (await conn.response()).status;
    } finally {
      conn.close();
    }
  };

  it('an identity may announce bodies up to its share: one more is refused (429) and its connection closed', async () => {
    const a = await startCreate('bob');
    const b = await startCreate('bob');
    await held(a);
    await held(b);
    const c = await startCreate('bob');
    await refusedAndClosed(c.conn, 429, 'limits.bufferedBodyBytesPerIdentity');
    // The upgrade path takes a declared body from the same share.
    const up = await RawConnection.tls(bundles.bundle('bob'), g.port);
    up.write(httpRequest({ method: 'POST', target: '/v1.41/exec/0123456789ab/start', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Type', 'application/json'], ['Content-Length', String(BODY)]], body: '{' }));
    await refusedAndClosed(up, 429, 'limits.bufferedBodyBytesPerIdentity');
    // Announcing costs the gateway no memory: bob's and carol's announced bodies (four of
    // them, more than the three the gateway holds) do not keep admin's create out.
    const d = await startCreate('carol');
    const e = await startCreate('carol');
    await held(d);
    await held(e);
    expect(await wholeCreate('admin')).toBe(404);
    // bob's first body completes (the daemon has no such image), its share freed.
    a.conn.write(a.rest);
    expect((await a.conn.response()).status).toBe(404);
    const f = await startCreate('bob');
    await held(f);
    for (const x of [a, b, d, e, f]) x.conn.close();
  });

  it('the bytes that have arrived are bounded in all (503)', async () => {
    // Three bodies all but complete: the gateway holds three bodies' bytes.
    const full = [await startCreate('bob', BODY - 1), await startCreate('bob', BODY - 1), await startCreate('carol', BODY - 1)];
    for (const x of full) await held(x);
    const over = await startCreate('admin', 4096);
    await refusedAndClosed(over.conn, 503, 'limits.bufferedBodyBytes');
    full[0]?.conn.write(full[0].rest);
    expect((await full[0]!.conn.response()).status).toBe(404);
    expect(await wholeCreate('admin')).toBe(404);
    for (const x of full) x.conn.close();
    // Every budget refusal so far is recorded with its reason code.
    const records = g.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.status === 429).map((r) => String(r.reason).split(':')[0])).toEqual(['identity-body-budget', 'identity-body-budget']);
    expect(records.filter((r) => r.status === 503).map((r) => [r.decision, String(r.reason).split(':')[0]])).toEqual([['error', 'body-budget']]);
  });

  it('under pressure (half the bound held), a body no rule could allow is refused before it is read', async () => {
    // admin's two all-but-complete bodies: two thirds of the bound in all.
    const full = [await startCreate('admin', BODY - 1), await startCreate('admin', BODY - 1)];
    for (const x of full) await held(x);
    // No rule lets dave create: his create is denied at once, though not a byte of its body came.
    const early = await startCreate('dave', 0);
    const r = await early.conn.response();
    expect(r.status).toBe(403);
    expect(r.text).toContain('no rule allows it');
    for (const x of full) {
      x.conn.write(x.rest);
      expect((await x.conn.response()).status).toBe(404);
      x.conn.close();
    }
    // No pressure: dave's body is read before the decision again (held while it does not come).
    const later = await startCreate('dave', 0);
    await held(later);
    later.conn.close();
    early.conn.close();
    const denied = g.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.status === 403 && x.bytesIn === 0 && (x.identity as { cn: string }).cn === 'dave');
    expect(denied.map((x) => [x.operation, x.decision, x.rule, x.code])).toContainEqual(['ContainerCreate', 'deny', 'default', 'no-rule']);
  });

  it('a body queued behind a stream that does not arrive in time gives its share back; the stream runs on', async () => {
    const queued = [];
    for (let i = 0; i < 2; i++) {
      const conn = await RawConnection.tls(bundles.bundle('bob'), g.port);
      conn.write(Buffer.concat([httpRequest({ method: 'GET', target: '/v1.41/events' }), createHead(BODY)]));
      queued.push(conn);
    }
    await new Promise((r) => setTimeout(r, 300));
    const c = await startCreate('bob');
    await refusedAndClosed(c.conn, 429, 'limits.bufferedBodyBytesPerIdentity');
    // After the 2 s body timeout: bob's share is free, and both connections are still open (the
    // 408s wait behind their /events, as dockerd answers in order; they used to be cut).
    await new Promise((r) => setTimeout(r, 2500));
    const a = await startCreate('bob');
    const b = await startCreate('bob');
    await held(a);
    await held(b);
    for (const conn of queued) {
      expect(conn.isClosed).toBe(false);
      expect(conn.takeBuffered().toString('latin1')).not.toMatch(/HTTP\/1\.1 408/);
    }
    for (const x of [a, b]) x.conn.close();
    for (const conn of queued) conn.close();
  });

  it('a streamed answer (exec start without an upgrade) gives the body\'s share back once it begins', async () => {
    expect((await dockerDirect(daemonSocket, ['run', '-d', '--name', 'res-budget-exec', 'busybox', 'sleep', '120'])).code).toBe(0);
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    try {
      const execId = await new Promise<string>((resolve, reject) => {
        const req = request({ socketPath: daemonSocket, method: 'POST', path: '/v1.41/containers/res-budget-exec/exec', headers: { 'Content-Type': 'application/json' } }, (res) => {
          let text = '';
          res.on('data', (d: Buffer) => (text += d.toString()));
          res.on('end', () => resolve((JSON.parse(text) as { Id: string }).Id));
        });
        req.on('error', reject);
        req.end(JSON.stringify({ Cmd: ['sleep', '30'], AttachStdout: true }));
      });
      const head = '{"Detach":false,"Tty":false,"X":"';
      const body = head + 'a'.repeat(BODY - head.length - 2) + '"}';
      conn.write(httpRequest({ method: 'POST', target: `/v1.41/exec/${execId}/start`, headers: [['Content-Type', 'application/json'], ['Content-Length', String(body.length)]], body }));
      // The daemon's answer begins (a raw stream that lasts 30 s).
      await until(() => (conn.takeBuffered().toString('latin1').includes('200 OK') ? true : undefined), 10_000, 'the exec stream');
      // admin's share holds two bodies again.
      const a = await startCreate('admin');
      const b = await startCreate('admin');
      await held(a);
      await held(b);
      for (const x of [a, b]) x.conn.close();
    } finally {
      conn.close();
      await dockerDirect(daemonSocket, ['rm', '-f', 'res-budget-exec']);
    }
  });
});

describe('large bodies no rule could allow are not decoded (rev-dos F3)', () => {
  let g: TestGateway;
  let bundles: TestPki;
  beforeAll(async () => {
    bundles = await makePki({ reader: [] });
    const policy = join(bundles.dir, 'reader-policy.yaml');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: readers\n    who: { users: [reader] }\n    allow: [power:read]\n');
    g = await startGateway(bundles.dir, configYaml(bundles, daemonSocket, `policy: ${policy}\n`));
  });
  afterAll(async () => {
    await g?.stop();
  });

  it.each([
    ['2 KiB: read and decoded, its fields recorded', 2 * 1024, true],
    ['64 KiB: still read', 64 * 1024, true],
    ['200 KiB: refused from the headers, not read', 200 * 1024, false],
  ])('a create from an identity no rule allows to create, %s', async (_name, size, read) => {
    const head = '{"Image":"dgt-big-denied","Privileged":true,"Labels":{"pad":"';
    const tail = '"}}';
    const body = head + 'x'.repeat(size - head.length - tail.length) + tail;
    const conn = await RawConnection.tls(bundles.bundle('reader'), g.port);
    try {
      conn.write(httpRequest({ method: 'POST', target: `/v1.41/containers/create?name=dgt-big-${size}`, headers: [['Content-Type', 'application/json'], ['Content-Length', String(body.length)]], body }));
      expect((await conn.response()).status).toBe(403);
    } finally {
      conn.close();
    }
    const rec = await until(() => g.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => String(r.path).length > 0 && r.operation === 'ContainerCreate' && JSON.stringify(r).includes(`dgt-big-${size}`)), 10_000, 'the create record');
    expect(rec).toMatchObject({ decision: 'deny', code: 'no-rule' });
    // The body's fields are in the record only when it was read.
    expect((rec.fields as Record<string, unknown> | undefined)?.image === 'dgt-big-denied').toBe(read);
  });
});

describe('streams are capped per identity', () => {
  let g: TestGateway;
  let bundles: TestPki;
  beforeAll(async () => {
    bundles = await makePki({ admin: [], viewer: [] });
    g = await startGateway(bundles.dir, configYaml(bundles, daemonSocket, 'limits: { streamsPerIdentity: 2 }\n'));
  });
  afterAll(async () => {
    await g?.stop();
  });

  /** An events stream by `who`: the connection, once the daemon's answer has begun. */
  const events = async (who: string): Promise<RawConnection> => {
    const conn = await RawConnection.tls(bundles.bundle(who), g.port);
    conn.write(httpRequest({ method: 'GET', target: '/v1.41/events' }));
    await until(() => (conn.takeBuffered().toString('latin1').startsWith('HTTP/1.1 200') ? true : undefined), 10_000, 'the events stream');
    return conn;
  };

  it('the identity\'s next stream or session gets 429 while its max are open; others and plain requests go on; a closed stream frees its slot', async () => {
    const open = [await events('viewer'), await events('viewer')];
    const third = await RawConnection.tls(bundles.bundle('viewer'), g.port);
    third.write(httpRequest({ method: 'GET', target: '/v1.41/events' }));
    const refused = await third.response();
    expect(refused.status).toBe(429);
    expect(refused.text).toContain('limits.streamsPerIdentity');
    // A plain request on the same connection is no stream.
    third.write(httpRequest({ method: 'GET', target: '/v1.41/_ping' }));
    expect((await third.response()).status).toBe(200);
    third.close();
    // The cap is per identity: admin may stream, and at admin's max the upgrade path refuses too.
    const other = [await events('admin'), await events('admin')];
    const attach = await RawConnection.tls(bundles.bundle('admin'), g.port);
    attach.write(httpRequest({ method: 'POST', target: '/v1.41/containers/dgt-no-such/attach?stream=1&stdout=1', headers: [['Upgrade', 'tcp'], ['Connection', 'Upgrade'], ['Content-Length', '0']] }));
    const refusedUpgrade = await attach.response();
    expect(refusedUpgrade.status).toBe(429);
    expect(refusedUpgrade.text).toContain('limits.streamsPerIdentity');
    attach.close();
    // One of viewer's streams ends: its slot is free again.
    open[0]?.close();
    await until(async () => {
      const c = await RawConnection.tls(bundles.bundle('viewer'), g.port);
      c.write(httpRequest({ method: 'GET', target: '/v1.41/events' }));
      await new Promise((r) => setTimeout(r, 300));
      const ok = c.takeBuffered().toString('latin1').startsWith('HTTP/1.1 200');
      c.close();
      return ok ? true : undefined;
    }, 10_000, 'a freed slot');
    for (const c of [...open, ...other]) c.close();
    const records = g.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.status === 429).map((r) => [r.operation, r.decision, String(r.reason).split(':')[0]])).toContainEqual(['SystemEvents', 'malformed', 'identity-stream-limit']);
  });
});

describe('requests in progress are capped per identity', () => {
  let g: TestGateway;
  let bundles: TestPki;
  beforeAll(async () => {
    bundles = await makePki({ reader: [], other: [] });
    const started = await dockerDirect(daemonSocket, ['run', '-d', '--name', 'res-req-stats', 'busybox', 'sleep', '300']);
    expect(started.code, started.stderr).toBe(0);
    g = await startGateway(bundles.dir, configYaml(bundles, daemonSocket, 'limits: { requestsPerIdentity: 3 }\n'));
  });
  afterAll(async () => {
    await g?.stop();
    await dockerDirect(daemonSocket, ['rm', '-f', 'res-req-stats']);
  });

  // stats?stream=0 takes dockerd about a second (two samples): a slow request that is no stream.
  const STATS = '/v1.41/containers/res-req-stats/stats?stream=0';

  it('pipelined past the cap: the identity\'s next requests get 429 while its max are in progress; another identity is not held up; the slots come back', async () => {
    const conn = await RawConnection.tls(bundles.bundle('reader'), g.port);
    conn.write(Buffer.concat(Array.from({ length: 5 }, () => httpRequest({ method: 'GET', target: STATS }))));
    // While reader's three are with the daemon, other's request goes through.
    const other = await tlsRequest(bundles.bundle('other'), g.port, { path: '/v1.41/_ping' });
    expect(other.status).toBe(200);
    const statuses: number[] = [];
    const texts: string[] = [];
    for (let i = 0; i < 5; i++) {
      const r = await conn.response({ timeoutMs: 20_000 });
      statuses.push(r.status);
      texts.push(r.text);
    }
    conn.close();
    expect(statuses).toEqual([200, 200, 200, 429, 429]);
    expect(texts[3]).toContain('dockgate: 3 requests of yours are already in progress (limits.requestsPerIdentity)');
    // Every slot was given back: three at once pass again.
    const again = await Promise.all([0, 1, 2].map(() => tlsRequest(bundles.bundle('reader'), g.port, { path: STATS })));
    expect(again.map((r) => r.status)).toEqual([200, 200, 200]);
    const records = g.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.filter((r) => r.status === 429).map((r) => [r.operation, r.decision, String(r.reason).split(':')[0]])).toContainEqual(['ContainerStats', 'malformed', 'identity-request-limit']);
  });

  it('a client that leaves while its requests wait for the daemon gives their slots back', async () => {
    for (let i = 0; i < 3; i++) {
      const c = await RawConnection.tls(bundles.bundle('reader'), g.port);
      c.write(httpRequest({ method: 'GET', target: STATS }));
      await new Promise((r) => setTimeout(r, 50));
      c.close();
    }
    await until(async () => {
      const r = await Promise.all([0, 1, 2].map(() => tlsRequest(bundles.bundle('reader'), g.port, { path: STATS })));
      return r.every((x) => x.status === 200) ? true : undefined;
    }, 15_000, 'three slots free again');
  });
});

describe('Expect: 100-continue', () => {
  let g: TestGateway;
  let bundles: TestPki;
  beforeAll(async () => {
    bundles = await makePki({ admin: [], reader: [] });
    g = await startGateway(bundles.dir, configYaml(bundles, daemonSocket));
  });
  afterAll(async () => {
    await g?.stop();
    await dockerDirect(daemonSocket, ['rm', '-f', 'res-continue']);
  });

  const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'] });
  const head = (target: string) => `POST ${target} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\nExpect: 100-continue\r\n\r\n`;

  it('a request no rule allows is refused from its headers: no 100 Continue, the 403 at once, the connection closed (the body never came)', async () => {
    const conn = await RawConnection.tls(bundles.bundle('reader'), g.port);
    conn.write(head('/v1.41/containers/create?name=res-continue'));
    const r = await conn.response({ timeoutMs: 5000 });
    expect(r.status).toBe(403);
    expect(r.text).toContain('dockgate: denied ContainerCreate for reader');
    await until(() => (conn.isClosed ? true : undefined), 5000, 'the connection closed');
  });

  it('an allowed request gets its 100 Continue, then sends its body, which is inspected and forwarded', async () => {
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    conn.write(head('/v1.41/containers/create?name=res-continue'));
    const interim = await conn.response({ timeoutMs: 5000 });
    expect(interim.status).toBe(100);
    conn.write(body);
    const r = await conn.response({ timeoutMs: 10_000 });
    expect(r.status, r.text).toBe(201);
    conn.close();
    expect((await dockerDirect(daemonSocket, ['inspect', '-f', '{{.Name}}', 'res-continue'])).stdout.trim()).toBe('/res-continue');
  });

  it('a streamed body (an archive upload) gets its 100 Continue when it is about to go to the daemon', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'dgt-continue-'));
    writeFileSync(join(dir, 'hello.txt'), 'through the gateway\n');
    const tar = execFileSync('tar', ['-C', dir, '-cf', '-', 'hello.txt']);
    rmSync(dir, { recursive: true, force: true });
    const conn = await RawConnection.tls(bundles.bundle('admin'), g.port);
    conn.write(`PUT /v1.41/containers/res-continue/archive?path=/tmp HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-tar\r\nContent-Length: ${tar.length}\r\nExpect: 100-continue\r\n\r\n`);
    expect((await conn.response({ timeoutMs: 5000 })).status).toBe(100);
    conn.write(tar);
    const r = await conn.response({ timeoutMs: 10_000 });
    expect(r.status, r.text).toBe(200);
    conn.close();
    const copied = await dockerDirect(daemonSocket, ['cp', 'res-continue:/tmp/hello.txt', '-']);
    expect(copied.stdout).toContain('through the gateway');
  });
});

describe('tenancy without a daemon', () => {
  it('a tenancy look-up that fails answers 502 and is recorded as error (nothing was forwarded), keeping the allow rule', async () => {
    const policy = join(pki.dir, 'tenancy-no-daemon.yaml');
    writeFileSync(policy, 'version: 1\nrules:\n  - name: everyone\n    who: { anyone: true }\n    allow: all\ntenancy:\n  teams: [dev]\n');
    const g = await startGateway(pki.dir, configYaml(pki, '/tmp/dgt-no-such-daemon.sock', `policy: ${policy}\n`));
    try {
      // A raw request (the docker CLI would stop at its /_ping, which is forwarded and fails) on an
      // operation tenancy looks up first.
      const r = await tlsRequest(admin, g.port, { path: '/v1.41/containers/web/json' });
      expect(r.status).toBe(502);
      expect(r.body).toContain('dockgate: tenancy lookup on the daemon failed');
      const record = await until(() => g.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((x) => x.operation === 'ContainerInspect'), 10_000, 'the ContainerInspect record');
      expect(record).toMatchObject({ decision: 'error', status: 502, rule: 'everyone', code: 'allowed' });
      expect(String(record.reason)).toMatch(/^upstream-failed: dockgate: tenancy lookup on the daemon failed/);
    } finally {
      await g.stop();
    }
  });
});

describe('with a live daemon', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startGateway(pki.dir, configYaml(pki, daemonSocket, 'limits: { keepAliveTimeoutMs: 1000, headersTimeoutMs: 2000, shutdownGraceMs: 8000 }\n'));
  });
  afterAll(async () => {
    await dockerDirect(daemonSocket, ['rm', '-f', 'res-idle', 'res-stop']);
    await gw?.stop();
  });

  it('relays a non-101 answer to an upgrade request and closes the connection (no tunnel)', async () => {
    const s = await tlsConnect(gw.port);
    const body = '{"Detach":false,"Tty":false}';
    s.write(`POST /v1.41/exec/0123456789abcdef/start HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`);
    const got = await untilClosed(s, 5000);
    expect(got.closed).toBe(true);
    expect(got.data).toMatch(/^HTTP\/1\.1 404 /);
    expect(got.data).toContain('Content-Type: application/json');
    expect(got.data).toContain('No such exec instance');
    expect(got.data).toMatch(/\r\nX-Dockgate-Request-Id: [0-9a-f]{8}-[0-9a-z]+\r\n/);
    expect(got.data).not.toContain('101');
  });

  it('cuts a client that never finishes its headers', async () => {
    const s = await tlsConnect(gw.port);
    s.write('GET /_ping HTTP/1.1\r\nHost: x\r\n');
    const got = await untilClosed(s, 10_000);
    expect(got.closed).toBe(true);
    expect(got.data).not.toContain('OK');
  });

  it('reaps an idle keep-alive connection after keepAliveTimeoutMs', async () => {
    const s = await tlsConnect(gw.port);
    s.write('GET /_ping HTTP/1.1\r\nHost: x\r\n\r\n');
    const got = await untilClosed(s, 10_000);
    expect(got.data).toMatch(/^HTTP\/1\.1 200 /);
    expect(got.data).toContain('OK');
    expect(got.closed).toBe(true);
  });

  it('keeps an idle event stream open far longer than both timeouts', async () => {
    const since = Math.floor(Date.now() / 1000);
    const events = docker(admin, gw.port, ['events', '--since', String(since), '--filter', 'event=start', '--format', '{{.Actor.Attributes.name}}'], { timeoutMs: 15_000 });
    await new Promise((r) => setTimeout(r, 8000));
    expect((await dockerDirect(daemonSocket, ['run', '-d', '--name', 'res-idle', 'busybox', 'true'])).code).toBe(0);
    const r = await events;
    expect(r.stdout.split('\n')).toContain('res-idle');
  });

  it('survives garbage instead of HTTP', async () => {
    const s = await tlsConnect(gw.port);
    s.write('\x00\x01NOT HTTP AT ALL\r\n\r\n');
    const got = await untilClosed(s, 5000);
    expect(got.data).toMatch(/^HTTP\/1\.1 400 /);
    const v = await docker(admin, gw.port, ['version', '--format', '{{.Server.APIVersion}}']);
    expect(v.stdout.trim()).toBe('1.41');
  });

  it('on SIGTERM lets an in-flight request finish, then exits 0', async () => {
    expect((await docker(admin, gw.port, ['run', '-d', '--name', 'res-stop', 'busybox', 'sh', '-c', 'trap "" TERM; sleep 60'])).code).toBe(0);
    const stopping = docker(admin, gw.port, ['stop', '-t', '3', 'res-stop'], { timeoutMs: 20_000 });
    await new Promise((r) => setTimeout(r, 1000));
    const exited = gw.stop();
    const r = await stopping;
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toBe('res-stop');
    expect(await exited).toBe(0);
    const state = await dockerDirect(daemonSocket, ['inspect', '--format', '{{.State.Running}}', 'res-stop']);
    expect(state.stdout.trim()).toBe('false');
  });
});
