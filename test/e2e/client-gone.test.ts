/**
 * Clients that leave before their exchange completed, over real mutual TLS to the real daemon:
 * a pipelined request still gets its audit record (Node gives a response queued behind an
 * earlier one no `close` when the client leaves), and an `/events` stream whose client left
 * before the daemon's answer came is not left running (the open-streams gauge returns to 0).
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, RawConnection } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-client-gone-test';
let pki: TestPki;
let gw: TestGateway;
let auditFile: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Poll `check` every 100 ms until it returns a value or `ms` pass. */
async function eventually<T>(check: () => Promise<T | undefined> | T | undefined, ms = 10_000): Promise<T | undefined> {
  const until = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined || Date.now() > until) return v;
    await sleep(100);
  }
}

function auditRecords(): Array<Record<string, unknown>> {
  if (!existsSync(auditFile)) return [];
  return readFileSync(auditFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

async function openStreams(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  const m = /^dockgate_open_streams (\d+)$/m.exec(text);
  if (!m) throw new Error('no dockgate_open_streams in /metrics');
  return Number(m[1]);
}

beforeAll(async () => {
  pki = await makePki({ admin: ['ops'], bob: ['dev'] });
  auditFile = join(scratchDir('client-gone-'), 'audit.log');
  gw = await startGateway(pki.dir, configYaml(pki, socket, `audit: { file: ${auditFile} }\nlimits: { headersTimeoutMs: 1500, bodyTimeoutMs: 1500 }\n`));
});

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  await gw?.stop();
});

describe('a client that leaves', () => {
  it('still leaves an audit record for a request pipelined behind a stream', async () => {
    const name = 'dgt-client-gone-pipelined';
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'], Labels: { [LABEL]: '1' } });
    const conn = await RawConnection.tls(pki.bundle('admin'), gw.port);
    conn.write(Buffer.concat([
      httpRequest({ method: 'GET', target: '/v1.41/events' }),
      httpRequest({ method: 'POST', target: `/v1.41/containers/create?name=${name}`, headers: [['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))]], body }),
    ]));
    // The daemon runs the create while its answer waits behind the endless /events answer.
    const created = await eventually(async () => ((await dockerDirect(socket, ['inspect', '--format', '{{.Id}}', name])).code === 0 ? true : undefined));
    expect(created).toBe(true);
    conn.close();
    const record = await eventually(() => auditRecords().find((r) => r.operation === 'ContainerCreate' && (r.fields as { name?: string } | undefined)?.name === name));
    expect(record).toMatchObject({ method: 'POST', decision: 'allow', identity: { cn: 'admin' } });
    expect(auditRecords().filter((r) => r.operation === 'SystemEvents').length).toBeGreaterThanOrEqual(1);
  });

  it('a stream queued behind another stream is counted as closed when the client leaves', async () => {
    await eventually(async () => ((await openStreams()) === 0 ? 0 : undefined), 10_000);
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write(Buffer.concat([httpRequest({ method: 'GET', target: '/v1.41/events' }), httpRequest({ method: 'GET', target: '/v1.41/events' })]));
    // Both daemon answers arrived: two streams open, the second one's answer queued.
    expect(await eventually(async () => ((await openStreams()) === 2 ? 2 : undefined), 10_000)).toBe(2);
    conn.close();
    expect(await eventually(async () => ((await openStreams()) === 0 ? 0 : undefined), 10_000)).toBe(0);
  });

  it('does not leave /events streams running when it leaves at once', async () => {
    for (let i = 0; i < 5; i++) {
      const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
      conn.write(httpRequest({ method: 'GET', target: '/v1.41/events' }));
      conn.close();
    }
    await sleep(500);
    expect(await eventually(async () => ((await openStreams()) === 0 ? 0 : undefined), 5_000)).toBe(0);
  });
});

/** The records written since `before` records, once `first` of them arrived and half a second passed (for a second one that should not come). */
async function newRecords(before: number, first: (r: Record<string, unknown>) => boolean): Promise<Array<Record<string, unknown>>> {
  await eventually(() => auditRecords().slice(before).find(first));
  await sleep(500);
  return auditRecords().slice(before);
}

describe('exactly one record per request when the HTTP parser fails or the gateway cuts the client', () => {
  it('an upload broken off by a bad chunk: one record (the request\'s own), no second "malformed" one', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('admin'), gw.port);
    conn.write('PUT /v1.41/containers/dgt-no-such-container/archive?path=/ HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nZZZ\r\n');
    await conn.closed;
    const records = await newRecords(before, (r) => r.method === 'PUT');
    expect(records).toHaveLength(1);
    expect(records[0]).toMatchObject({ method: 'PUT', operation: 'PutContainerArchive', identity: { cn: 'admin' } });
  });

  it('headers that never finish: one record for the timeout, none for the close that follows', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write('GET /v1.41/info HTTP/1.1\r\nHost: docker\r\n');
    expect((await conn.response()).status).toBe(400);
    conn.close();
    const records = await newRecords(before, (r) => r.decision === 'malformed');
    expect(records).toEqual([expect.objectContaining({ decision: 'malformed', status: 400, reason: 'http-parser: ERR_HTTP_REQUEST_TIMEOUT', identity: expect.objectContaining({ cn: 'bob' }) })]);
  });

  it('a partial request pipelined behind /events: the stream is cut, no 400 is written into it, one record each', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write('GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\nGET /v1.41/info HTTP/1.1\r\nHost: docker\r\nX-Partial: ');
    const events = await conn.response({ head: true });
    expect(events.status).toBe(200);
    await conn.closed;
    expect(conn.takeBuffered().toString('latin1')).not.toContain('HTTP/1.1 400');
    const records = await newRecords(before, (r) => r.decision === 'malformed');
    expect(records.map((r) => `${String(r.operation)} ${String(r.decision)}`).sort()).toEqual(['SystemEvents allow', 'unknown malformed']);
    // Nothing could be written for it: the record says so.
    expect(records.find((r) => r.decision === 'malformed')).toMatchObject({ status: 0, bytesOut: 0 });
  });

  it('CONNECT is answered 400 and recorded', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write('CONNECT docker.example.com:443 HTTP/1.1\r\nHost: docker.example.com:443\r\n\r\n');
    const res = await conn.response();
    expect(res.status).toBe(400);
    expect(res.text).toContain('dockgate');
    const records = await newRecords(before, (r) => r.method === 'CONNECT');
    expect(records).toEqual([expect.objectContaining({ method: 'CONNECT', decision: 'malformed', status: 400 })]);
  });

  it('an upgrade whose body is still arriving at shutdown gets its record, and the gateway exits 0', async () => {
    const file = join(scratchDir('client-gone-upgrade-'), 'audit.log');
    const own = await startGateway(pki.dir, configYaml(pki, socket, `audit: { file: ${file} }\n`));
    const conn = await RawConnection.tls(pki.bundle('admin'), own.port);
    conn.write('POST /v1.41/exec/dgt-no-such-exec/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Detach":');
    await sleep(300);
    expect(await own.stop()).toBe(0);
    conn.close();
    const records = readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual([expect.objectContaining({ method: 'POST', path: '/exec/dgt-no-such-exec/start', operation: 'ExecStart', status: 0 })]);
    expect(own.stderr()).not.toContain('audit records were lost');
  });
});

describe('records say what the client got when it left early or waited in a pipeline', () => {
  /** The records a client leaves that sends `raw` (a request it does not finish) as `who` and goes. */
  async function recordsOfAbandoned(who: string, raw: string, first: (r: Record<string, unknown>) => boolean) {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle(who), gw.port);
    conn.write(raw);
    await sleep(300);
    conn.close();
    return newRecords(before, first);
  }

  it('an inspected body broken off by the client: malformed truncated-body, status 0 (not a gateway error)', async () => {
    const records = await recordsOfAbandoned('bob', 'POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Image":', (r) => r.method === 'POST');
    expect(records).toEqual([expect.objectContaining({ method: 'POST', decision: 'malformed', status: 0, bytesOut: 0, reason: expect.stringMatching(/^truncated-body: /) })]);
  });

  it('an upgrade body broken off by the client: status 0 and no bytes out (nothing could be sent)', async () => {
    const raw = 'POST /v1.41/exec/dgt-no-such-exec/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Detach":';
    const records = await recordsOfAbandoned('admin', raw, (r) => r.method === 'POST');
    expect(records).toEqual([expect.objectContaining({ method: 'POST', decision: 'malformed', status: 0, bytesOut: 0, reason: expect.stringMatching(/^truncated-body: /) })]);
  });

  it('headers broken off by the client: the parser refusal names the client\'s address, though it has gone', async () => {
    const records = await recordsOfAbandoned('bob', 'GET /v1.41/info HTTP/1.1\r\nHost: docker\r\nX-Partial: ', (r) => r.decision === 'malformed');
    expect(records).toEqual([expect.objectContaining({ decision: 'malformed', reason: expect.stringMatching(/^http-parser: /), client: expect.stringMatching(/^127\.0\.0\.1:\d+$/) })]);
  });

  it('an answer queued behind /events when the client leaves: status 0, no bytes (it never went out)', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write(Buffer.concat([httpRequest({ method: 'GET', target: '/v1.41/events' }), httpRequest({ method: 'GET', target: '/_ping' })]));
    expect((await conn.response({ head: true })).status).toBe(200);
    await sleep(300);
    conn.close();
    const records = await newRecords(before, (r) => r.operation === 'SystemPing');
    const ping = records.find((r) => r.operation === 'SystemPing');
    expect(ping).toMatchObject({ decision: 'allow', status: 0, bytesOut: 0 });
    const events = records.find((r) => r.operation === 'SystemEvents');
    expect(events).toMatchObject({ status: 200 });
    expect(events?.bytesOut).toBeGreaterThan(0);
  });

  it('pipelined answers: each record counts its own bytes, together what the client received', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write(Buffer.concat([httpRequest({ method: 'GET', target: '/_ping' }), httpRequest({ method: 'GET', target: '/v1.41/version' }), httpRequest({ method: 'GET', target: '/_ping' })]));
    for (let i = 0; i < 3; i++) expect((await conn.response()).status).toBe(200);
    await sleep(200);
    const received = (conn.socket as TLSSocket).bytesRead;
    conn.close();
    const records = await newRecords(before, (r) => r.operation === 'SystemVersion');
    expect(records).toHaveLength(3);
    const out = records.map((r) => r.bytesOut as number);
    expect(out.reduce((a, b) => a + b, 0)).toBe(received);
    const version = records.find((r) => r.operation === 'SystemVersion');
    for (const r of records) if (r !== version) expect(r.bytesOut).toBeLessThan(version?.bytesOut as number);
  });

  it('a refused upgrade carries the X-Dockgate-Request-Id its record has', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write('POST /v1.41/containers/json HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n');
    const res = await conn.response();
    expect(res.status).toBeGreaterThanOrEqual(400);
    const records = await newRecords(before, (r) => r.method === 'POST');
    expect(records).toHaveLength(1);
    expect(res.headers['x-dockgate-request-id']).toBe(records[0]?.requestId);
  });
});

describe('clients that hold resources are cut off', () => {
  it('an inspected body that does not arrive in time: 408, the connection closed, one record', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write('POST /v1.41/containers/create HTTP/1.1\r\nHost: docker\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Image":');
    const res = await conn.response();
    expect(res.status).toBe(408);
    expect(res.text).toContain('did not arrive within 1500 ms');
    await conn.closed;
    const records = await newRecords(before, (r) => r.status === 408);
    expect(records).toEqual([expect.objectContaining({ decision: 'malformed', status: 408, reason: expect.stringMatching(/^body-timeout: /) })]);
  });

  it('an upgrade request body that does not arrive in time: 408 and one record', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('admin'), gw.port);
    conn.write('POST /v1.41/exec/dgt-no-such-exec/start HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{"Detach":');
    expect((await conn.response()).status).toBe(408);
    const records = await newRecords(before, (r) => r.status === 408);
    expect(records).toEqual([expect.objectContaining({ method: 'POST', status: 408, reason: expect.stringMatching(/^body-timeout: /) })]);
  });

  it('a TCP peer that never starts its TLS handshake is closed after headersTimeoutMs, not Node\'s 120 s', async () => {
    const peer = connect(gw.port, '127.0.0.1');
    peer.on('error', () => undefined);
    const closed = new Promise<boolean>((resolve) => {
      peer.once('close', () => resolve(true));
      setTimeout(() => resolve(false), 20_000).unref();
    });
    expect(await closed).toBe(true);
  });

  it('more than 16 requests pipelined on one connection: the connection is closed, every request recorded, no stream left open', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    conn.write(Buffer.concat(Array.from({ length: 20 }, () => httpRequest({ method: 'GET', target: '/v1.41/events' }))));
    await conn.closed;
    const records = await newRecords(before, (r) => typeof r.reason === 'string' && r.reason.startsWith('pipeline-limit: '));
    // 16 streams; from the 17th on, each request the parser hands over before the connection
    // is gone is refused (requests in the same TCP read arrive together).
    expect(records.filter((r) => r.operation === 'SystemEvents')).toHaveLength(16);
    const refused = records.filter((r) => String(r.reason).startsWith('pipeline-limit: '));
    expect(refused.length).toBeGreaterThanOrEqual(1);
    for (const r of refused) expect(r).toMatchObject({ decision: 'malformed', status: 0, method: 'GET' });
    expect(records).toHaveLength(16 + refused.length);
    expect(await eventually(async () => ((await openStreams()) === 0 ? 0 : undefined), 10_000)).toBe(0);
  });

  it('more than 16 requests one after another on one keep-alive connection: each answered and recorded once (a request that ended is no longer open)', async () => {
    const before = auditRecords().length;
    const conn = await RawConnection.tls(pki.bundle('bob'), gw.port);
    const ids: string[] = [];
    for (let i = 0; i < 20; i++) {
      conn.write(httpRequest({ method: 'GET', target: i % 2 ? '/_ping' : '/v1.41/version' }));
      const res = await conn.response();
      expect(res.status, `request ${i + 1}`).toBe(200);
      ids.push(String(res.headers['x-dockgate-request-id']));
    }
    conn.close();
    const records = await newRecords(before, (r) => r.requestId === ids[19]);
    expect(records.map((r) => r.requestId)).toEqual(ids);
    for (const r of records) expect(r).toMatchObject({ decision: 'allow', status: 200 });
  });
});
