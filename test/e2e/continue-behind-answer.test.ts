/**
 * A streamed upload waiting for its `100 Continue`, pipelined behind an answer still being
 * written (rev-fix-http F4): the gateway forwards it and queues the 100 behind that answer, and
 * the idle time of the streamed body (`limits.streamedBodyIdleMs`) counted from there, so after
 * the idle time the connection was cut, the 100 never having reached the client (which may
 * rightly wait for it), and the earlier exchange, a `wait`, was recorded `endedBy: body-idle`.
 * The idle time now counts from when the 100 was written (or the client began sending).
 * dockerd reads the second request only once the first answer is done, and cuts nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordsOf } from './support/audit-records.js';
import { configYaml, dockerDirect, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, RawConnection } from './support/raw-tls.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const IDLE_MS = 1000;
const NAME = `dgt-continue-behind-${process.pid}`;
let pki: TestPki;
let gw: TestGateway;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

beforeAll(async () => {
  pki = await makePki({ admin: [] });
  const policy = join(pki.dir, 'policy.yaml');
  writeFileSync(policy, 'version: 1\nrules:\n  - name: admins\n    who: { users: [admin] }\n    allow: all\n');
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policy}\nlimits: { streamedBodyIdleMs: ${IDLE_MS} }\n`));
  const created = await dockerDirect(socket, ['run', '-d', '--name', NAME, 'busybox', 'sleep', '600']);
  expect(created.code, created.stderr).toBe(0);
});

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', NAME]);
  await gw?.stop();
});

describe('the idle time of a streamed body counts from its 100 Continue', () => {
  it('an upload pipelined behind a wait, waiting for its 100, is not cut while the wait runs; after the 100 it is', async () => {
    const conn = await RawConnection.tls(pki.bundle('admin'), gw.port);
    let seen = '';
    conn.socket.on('data', (d: Buffer) => (seen += d.toString('latin1')));
    try {
      conn.write(Buffer.concat([
        httpRequest({ method: 'POST', target: `/v1.41/containers/${NAME}/wait` }),
        httpRequest({ method: 'POST', target: '/v1.41/images/load?quiet=1', headers: [['Content-Type', 'application/x-tar'], ['Expect', '100-continue'], ['Content-Length', '5000']] }),
      ]));
      // Three idle times: the wait's answer is not done, so no 100 may go out, and nothing is cut.
      await sleep(3 * IDLE_MS);
      expect(conn.isClosed).toBe(false);
      expect(seen).not.toContain('100 Continue');
      // The wait ends: its answer, then the 100; the client sends nothing, and is cut an idle time later.
      expect((await dockerDirect(socket, ['kill', NAME])).code).toBe(0);
      // The 100 reached the client before the cut (a cut first would leave it unseen here).
      await until(() => seen.includes('100 Continue'), 10_000);
      await Promise.race([conn.closed, sleep(10_000)]);
      expect(conn.isClosed).toBe(true);
    } finally {
      conn.close();
    }
    await until(() => recordsOf(gw, 'ImageLoad').length > 0 && recordsOf(gw, 'ContainerWait').length > 0, 10_000);
    const [wait] = recordsOf(gw, 'ContainerWait');
    const [load] = recordsOf(gw, 'ImageLoad');
    expect(wait).toMatchObject({ decision: 'allow', status: 200 });
    expect(wait?.endedBy).toBeUndefined();
    expect(load).toMatchObject({ decision: 'allow', endedBy: 'body-idle' });
  });
});
