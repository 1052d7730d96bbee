/**
 * An upgrade (attach, exec start) the daemon answers with anything but 101 was not hijacked:
 * its record says `stream: false`, and dockgate_stream_duration_seconds does not count it, so
 * the record and the metric agree (rev-observe F4: such a 404 was recorded `stream: true` and
 * never counted). A real hijack (the CLI's `run`) is both.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpGet } from './support/prometheus.js';
import { RawConnection, httpRequest } from './support/raw-tls.js';
import { recordsOf } from './support/audit-records.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  gw = await startGateway(pki.dir, configYaml(pki, socket));
});

afterAll(async () => {
  await gw?.stop();
});

/** The count of dockgate_stream_duration_seconds for `operation` (hijack="true"), 0 without a series. */
async function streamCount(operation: string): Promise<number> {
  const metrics = (await httpGet(`http://127.0.0.1:${gw.adminPort}/metrics`)).body;
  const m = new RegExp(`^dockgate_stream_duration_seconds_count\\{operation="${operation}",hijack="true"\\} (\\d+)$`, 'm').exec(metrics);
  return m ? Number(m[1]) : 0;
}

/** Send `request` over a fresh mTLS connection as admin; the answer's status. */
async function upgrade(method: string, target: string, body: string): Promise<number> {
  const conn = await RawConnection.tls(pki.bundle('admin'), gw.port);
  try {
    conn.write(httpRequest({ method, target, headers: [['Connection', 'Upgrade'], ['Upgrade', 'tcp'], ['Content-Type', 'application/json'], ['Content-Length', String(Buffer.byteLength(body))]], body }));
    return (await conn.response()).status;
  } finally {
    conn.close();
  }
}

describe('an upgrade answered without 101 is no stream, in the record and in the metrics', () => {
  it.each([
    ['ExecStart', 'POST', '/v1.41/exec/deadbeefdeadbeef/start', '{"Detach":false,"Tty":false}'],
    ['ContainerAttach', 'POST', '/v1.41/containers/dgt-no-such-container/attach?stream=1&stdout=1', ''],
  ])('%s of something that does not exist: 404, stream false, not counted', async (operation, method, target, body) => {
    const before = recordsOf(gw, operation).length;
    expect(await upgrade(method, target, body)).toBe(404);
    const record = await until(() => recordsOf(gw, operation)[before], 10_000, `the ${operation} record`);
    expect(record).toMatchObject({ operation, decision: 'allow', status: 404, stream: false });
    // The record is written after the metrics are counted: the count is final.
    expect(await streamCount(operation)).toBe(0);
  });

  it('a hijacked attach (docker run) is stream true and counted, once per record', async () => {
    const r = await docker(pki.bundle('admin'), gw.port, ['run', '--rm', 'busybox', 'true']);
    expect(r.code).toBe(0);
    const hijacked = await until(() => recordsOf(gw, 'ContainerAttach').find((x) => x.status === 101), 10_000, 'the 101 attach record');
    expect(hijacked).toMatchObject({ stream: true });
    const streamed = recordsOf(gw, 'ContainerAttach').filter((x) => x.stream === true).length;
    expect(await streamCount('ContainerAttach')).toBe(streamed);
    expect(streamed).toBe(1);
  });
});
