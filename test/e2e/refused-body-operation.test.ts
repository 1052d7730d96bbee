/**
 * A request refused while its body is read (over the inspection cap, a body too slow, framing
 * broken mid-body, JSON the gateway will not decide on) names its operation in its audit record
 * and in `dockgate_requests_total`: the method and path named it before the first body byte. It
 * was recorded as `unknown` (carried finding of sessions 36-37, seen on a real gateway in front
 * of a private dockerd: `curl` of a 70 kB create body against a 64 KiB cap gave
 * `"operation":"unknown"` and `dockgate_requests_total{operation="unknown",...}`).
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { writeFileSync } from 'node:fs';
import { clientRecords } from './support/audit-records.js';
import { configYaml, makePki, startGateway, type TestGateway } from './support/gateway.js';
import { chunked, closedByServer, httpRequest, jsonRequest, RawConnection } from './support/raw-tls.js';

const socket = inject('dockerSocket');
/** The inspection cap of this suite's gateway: small, so that an over-cap body is cheap to send. */
const CAP = 1024;
let gw: TestGateway;
let admin: string;

beforeAll(async () => {
  const pki = await makePki({ admin: [] });
  const policy = `${pki.dir}/policy.yaml`;
  writeFileSync(policy, 'version: 1\nrules:\n  - name: admins-anything\n    who: { users: [admin] }\n    allow: all\n');
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policy}\nlimits: { bodyBytes: ${CAP}, bodyTimeoutMs: 1000 }\n`));
  admin = pki.bundle('admin');
});

afterAll(async () => {
  await gw?.stop();
});

const JSON_HEAD: [string, string][] = [['Content-Type', 'application/json']];
const UPGRADE_HEAD: [string, string][] = [['Connection', 'Upgrade'], ['Upgrade', 'tcp'], ...JSON_HEAD];
const over = '{"Image":"busybox","Cmd":["' + 'a'.repeat(CAP) + '"]}';

/** Send `bytes` on a connection of its own; the one audit record it leaves once the gateway has closed it or answered. */
async function recordOf(bytes: Buffer, wait: 'answer' | 'close'): Promise<Record<string, unknown>> {
  const conn = await RawConnection.tls(admin, gw.port);
  try {
    conn.write(bytes);
    if (wait === 'answer') await conn.response();
    else await closedByServer(conn);
    const [record] = await clientRecords(gw, conn.localPort, 1);
    return record ?? {};
  } finally {
    conn.close();
  }
}

describe('a request refused while its body is read names its operation', () => {
  it.each<[string, Buffer, 'answer' | 'close', Record<string, unknown>]>([
    ['a declared body over the cap (413)', httpRequest({ method: 'POST', target: '/v1.41/containers/create', headers: [...JSON_HEAD, ['Content-Length', String(CAP + 1)]] }), 'answer', { operation: 'ContainerCreate', status: 413 }],
    ['a chunked body growing over the cap (413)', httpRequest({ method: 'POST', target: '/v1.41/containers/create', headers: [...JSON_HEAD, ['Transfer-Encoding', 'chunked']], body: chunked(over, 512) }), 'answer', { operation: 'ContainerCreate', status: 413 }],
    ['a body that does not arrive (408)', httpRequest({ method: 'POST', target: '/v1.41/containers/create', headers: [...JSON_HEAD, ['Content-Length', '100']], body: '{"Image":' }), 'answer', { operation: 'ContainerCreate', status: 408 }],
    ['chunked framing broken mid-body (the connection closes)', httpRequest({ method: 'POST', target: '/v1.41/containers/create', headers: [...JSON_HEAD, ['Transfer-Encoding', 'chunked']], body: '9\r\n{"Image":\r\nzz\r\n' }), 'close', { operation: 'ContainerCreate', status: 0 }],
    ['JSON that does not parse (400)', jsonRequest('POST', '/v1.41/containers/create', '{"Image":'), 'answer', { operation: 'ContainerCreate', status: 400 }],
    ['an upgrade whose body is over the cap (413)', httpRequest({ method: 'POST', target: '/v1.41/exec/0123456789ab/start', headers: [...UPGRADE_HEAD, ['Content-Length', String(CAP + 1)]] }), 'answer', { operation: 'ExecStart', status: 413 }],
    ['an upgrade whose JSON does not parse (400)', httpRequest({ method: 'POST', target: '/v1.41/exec/0123456789ab/start', headers: [...UPGRADE_HEAD, ['Content-Length', '9']], body: '{"Detach"' }), 'answer', { operation: 'ExecStart', status: 400 }],
  ])('%s', async (_label, bytes, wait, want) => {
    const record = await recordOf(bytes, wait);
    expect(record).toMatchObject({ ...want, decision: 'malformed', apiVersion: '1.41' });
  });

  it('dockgate_requests_total counts them under their operation, none under "unknown"', async () => {
    await recordOf(httpRequest({ method: 'POST', target: '/v1.41/volumes/create', headers: [...JSON_HEAD, ['Content-Length', String(CAP + 1)]] }), 'answer');
    const metrics = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
    expect(metrics).toMatch(/^dockgate_requests_total\{operation="VolumeCreate",method="POST",decision="malformed",status_class="4xx"(,identity="admin")?\} 1$/m);
    expect(metrics).not.toMatch(/^dockgate_requests_total\{operation="unknown"/m);
  });
});
