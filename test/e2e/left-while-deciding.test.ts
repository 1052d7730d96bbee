/**
 * A client that leaves while tenancy looks something up on the daemon (a refusal after the
 * policy allowed the request): its one record is written when the look-up ends, with what
 * tenancy decided, and nothing is forwarded, on the request path and on the upgrade path
 * (attach). Found by the revsvc review: such a record said `allow` with the policy's reason,
 * and a tenancy refusal reached after the client left was never recorded. A relay in front of
 * the daemon holds tenancy's container look-ups so that the client can leave meanwhile.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { startHoldingRelay, type HoldingRelay } from './support/holding-relay.js';
import { RawConnection } from './support/raw-tls.js';
import { until } from './support/until.js';
import { everyoneTenancyPolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
const NAME = 'dgt-left-deciding';
let pki: TestPki;
let gw: TestGateway;
let relay: HoldingRelay;

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], carol: ['data'] });
  const policy = join(pki.dir, 'policy.yaml');
  writeFileSync(policy, everyoneTenancyPolicy());
  relay = await startHoldingRelay(socket, 2500);
  gw = await startGateway(pki.dir, configYaml(pki, relay.path, `policy: ${policy}\n`));
  const created = await docker(pki.bundle('alice'), gw.port, ['create', '--name', NAME, 'busybox', 'sleep', '600']);
  expect(created.stderr).toBe('');
}, 120_000);

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', NAME]);
  await gw?.stop();
  relay?.close();
});

/**
 * Send `request` as `user`, leave after 0.5 s while the container look-up is held; the record of
 * `operation`. An upgrade's client leaves with a reset: from its turn on, a FIN only ends its
 * sending (stdin), and its request goes on (hijack-half-close.test.ts).
 */
async function leaveDuringLookup(user: string, request: string, operation: string, how: 'close' | 'reset' = 'close'): Promise<Record<string, unknown>> {
  // Tenancy looks the container up by the name the request gives, unversioned.
  relay.hold = (line) => line.startsWith(`GET /containers/${NAME}/json `);
  const before = relay.passed.length;
  const conn = await RawConnection.tls(pki.bundle(user), gw.port);
  conn.write(request);
  await new Promise((resolve) => setTimeout(resolve, 500));
  if (how === 'reset') conn.reset();
  else conn.close();
  const record = await until(() => gw.stdout().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => r.operation === operation && (r.identity as { cn?: string } | undefined)?.cn === user), 15_000, `the ${operation} record`);
  relay.hold = () => false;
  // Let the held look-up through, then check what reached the daemon: tenancy's look-ups only
  // (the container, and the labels of its image, to prove its owner: container-seal.ts).
  await new Promise((resolve) => setTimeout(resolve, 500));
  expect(relay.passed.slice(before).filter((l) => !l.startsWith(`GET /containers/${NAME}/json `) && !/^GET \/images\/sha256:[0-9a-f]{64}\/json /.test(l))).toEqual([]);
  return record;
}

const LEFT = /; the client left before the gateway had decided \(it was looking something up on the daemon\); nothing was forwarded$/;

describe('a client that leaves during a tenancy look-up', () => {
  it('request path: another team\'s inspect is recorded with tenancy\'s refusal', async () => {
    const record = await leaveDuringLookup('carol', `GET /v1.41/containers/${NAME}/json HTTP/1.1\r\nHost: docker\r\n\r\n`, 'ContainerInspect');
    expect(record).toMatchObject({ decision: 'deny', rule: 'tenancy', code: 'not-owner', status: 0 });
    expect(String(record.reason)).toMatch(LEFT);
  });

  it('upgrade path: another team\'s attach is recorded with tenancy\'s refusal, and never reaches the daemon', async () => {
    const record = await leaveDuringLookup('carol', `POST /v1.41/containers/${NAME}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`, 'ContainerAttach', 'reset');
    expect(record).toMatchObject({ decision: 'deny', rule: 'tenancy', code: 'not-owner', status: 0 });
    expect(String(record.reason)).toMatch(LEFT);
  });

  it('upgrade path: the owner\'s own attach is recorded allowed, and never reaches the daemon', async () => {
    const record = await leaveDuringLookup('alice', `POST /v1.41/containers/${NAME}/attach?stream=1&stdout=1 HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`, 'ContainerAttach', 'reset');
    expect(record).toMatchObject({ decision: 'allow', rule: 'everyone', status: 0 });
    expect(String(record.reason)).toMatch(LEFT);
  });
});
