/**
 * A body the gateway rewrites is held to limits.bodyBytes like the body the client sent: the
 * size checks, and tenancy admission of creates whose rewrite grows past a lowered limit (a
 * legacy body's host fields are copied into HostConfig, anonymous volume mounts labelled).
 */
import { describe, expect, it } from 'vitest';
import type { Identity, JsonValue } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import { GatewayError } from '../../../src/http/gateway-error.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import { heldToLimit, labelEntriesBytes, refuseAdding, serialiseWithin } from '../../../src/tenancy/rewritten-body.js';
import { madeByGateway } from './made-by-gateway.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

/** The reason code a call refused with, or 'ok'. */
function outcome(f: () => unknown): string {
  try {
    f();
    return 'ok';
  } catch (err) {
    return err instanceof GatewayError ? `${err.status} ${err.reasonCode}` : `other: ${(err as Error).message}`;
  }
}

describe('rewritten body size checks', () => {
  const TOO_LARGE = '413 rewritten-body-too-large';
  it.each<[string, () => unknown, string]>([
    ['a body under the limit', () => serialiseWithin({ a: 'x' }, 'POST', 100), 'ok'],
    ['a body of exactly the limit ({"a":"x"} is 9 bytes)', () => serialiseWithin({ a: 'x' }, 'POST', 9), 'ok'],
    ['one byte over', () => serialiseWithin({ a: 'x' }, 'POST', 8), TOO_LARGE],
    ['no limit', () => serialiseWithin({ a: 'x'.repeat(1000) }, 'POST', undefined), 'ok'],
    ['10 UTF-16 units but 12 bytes (é is 2 bytes): over 11', () => serialiseWithin({ a: 'éé' }, 'POST', 11), TOO_LARGE],
    ['the same at 12', () => serialiseWithin({ a: 'éé' }, 'POST', 12), 'ok'],
    ['a Buffer at the limit', () => heldToLimit(Buffer.alloc(10), 'POST', 10), 'ok'],
    ['a Buffer over the limit', () => heldToLimit(Buffer.alloc(11), 'POST', 10), TOO_LARGE],
    ['adding more than the limit', () => refuseAdding(11, 'POST', 10), TOO_LARGE],
    ['adding the limit', () => refuseAdding(10, 'POST', 10), 'ok'],
    ['adding without a limit', () => refuseAdding(1e9, 'POST', undefined), 'ok'],
  ])('%s', (_name, f, want) => {
    expect(outcome(f)).toBe(want);
  });

  it('serialiseWithin gives the JSON text; the refusal names the limit and the rewrite', () => {
    expect(serialiseWithin({ a: [1, 'é'] }, 'POST', 100).toString('utf8')).toBe('{"a":[1,"é"]}');
    expect(() => serialiseWithin({ a: 'x' }, 'POST', 8)).toThrow('dockgate: refused POST request: the body as the gateway rewrote it (owner labels, pinned references, limits, policy amendments) would exceed the 8-byte inspection limit (limits.bodyBytes)');
  });

  it.each<[Record<string, string>]>([[{}], [{ 'dockgate.owner': 'alice', 'dockgate.team': '' }], [{ k: 'é"\\' }]])('labelEntriesBytes(%j) is what the entries add to a map', (labels) => {
    expect(labelEntriesBytes(labels)).toBe(JSON.stringify(labels).length - 2);
  });
});

const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web'],
  unowned: ['images'],
  shared: { networks: [], volumes: [] },
  quotas: { default: { containers: 10 }, groups: {}, users: {} },
};

/** A daemon with the busybox image and no containers. */
const daemon: DaemonClient = {
  get(path: string): Promise<DaemonAnswer> {
    const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });
    if (path.startsWith('/images/busybox')) return Promise.resolve(answer(200, { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: {} } }));
    if (path.startsWith('/containers/json')) return Promise.resolve(answer(200, []));
    return Promise.resolve(answer(404, { message: 'no such object' }));
  },
};

const alice: Identity = { name: 'alice', groups: ['web'], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };

/** Admit alice's create of `body` under `bodyLimit`: the forwarded body, or the refusal. */
async function createUnder(body: JsonValue, bodyLimit: number): Promise<{ sent: Buffer } | { refused: string }> {
  const tenancy = createTenancy({ daemon, spec: () => spec, groups: (id) => id.groups });
  const raw = Buffer.from(JSON.stringify(body));
  const target = '/v1.39/containers/create';
  const facts = buildFacts({ method: 'POST', rawTarget: target, headers: { 'content-type': 'application/json' }, body: raw });
  try {
    const v = await tenancy.admit({ identity: alice, facts, body: raw, method: 'POST', target, bodyLimit });
    if (v.kind !== 'forward') return { refused: `${v.kind} ${v.status}` };
    v.release?.();
    return { sent: v.body ?? raw };
  } catch (err) {
    return { refused: err instanceof GatewayError ? `${err.status} ${err.reasonCode}` : `other: ${(err as Error).message}` };
  }
}

const mounts = (n: number): JsonValue[] => Array.from({ length: n }, (_, i) => ({ Type: 'volume', Target: `/m${i}` }));

describe('tenancy holds the body it rewrites to the limit', () => {
  // 100 legacy mounts: about 3.2 KB sent. The legacy fields are copied into a new HostConfig
  // (twice their size) and each anonymous mount there gets the two owner labels.
  const legacy = { Image: 'busybox', Cmd: ['true'], Mounts: mounts(100) };
  const current = { Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: mounts(100) } };
  it.each<[string, JsonValue, number, string]>([
    ['a legacy body under a limit it fits in after the rewrite', legacy, 64 * 1024, 'forwarded'],
    ['a legacy body its rewrite takes over the limit (copied into HostConfig)', legacy, 12_000, '413 rewritten-body-too-large'],
    ['the same body, HostConfig already present, fits', current, 12_000, 'forwarded'],
    ['the labels alone over the limit: refused before anything is copied', current, 4_000, '413 rewritten-body-too-large'],
  ])('%s', async (_name, body, limit, want) => {
    expect(JSON.stringify(body).length).toBeLessThan(limit);
    const r = await createUnder(body, limit);
    if ('sent' in r) expect(r.sent.length).toBeLessThanOrEqual(limit);
    expect('sent' in r ? 'forwarded' : r.refused).toBe(want);
  });

  it('only the HostConfig dockerd reads gets the labels: the legacy copy it ignores stays as sent', async () => {
    const r = await createUnder(legacy, 64 * 1024);
    if (!('sent' in r)) throw new Error(r.refused);
    const out = JSON.parse(r.sent.toString('utf8')) as { Mounts: unknown; HostConfig: { Mounts: Array<{ VolumeOptions?: unknown }> } };
    expect(out.Mounts).toEqual(legacy.Mounts);
    expect(out.HostConfig.Mounts.every((m) => JSON.stringify(m.VolumeOptions) === '{"Labels":{"dockgate.owner":"alice","dockgate.team":"web"}}')).toBe(true);
  });
});

describe('every body tenancy rewrites is held to the limit (found by a mutation review)', () => {
  const ALICE = { 'dockgate.owner': 'alice', 'dockgate.team': 'web' };
  const NET = 'a11ce0'.padEnd(64, '2');
  const C1 = 'c1'.padEnd(64, '0');
  /** The daemon of `daemon` plus alice's network anet and container c1; every path asked is kept. */
  function asking(): DaemonClient & { paths: string[] } {
    const paths: string[] = [];
    const answer = (status: number, json: unknown): DaemonAnswer => ({ status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });
    return madeByGateway({
      paths,
      get(path: string): Promise<DaemonAnswer> {
        paths.push(path);
        if (path === '/networks/anet' || path === `/networks/${NET}`) return Promise.resolve(answer(200, { Name: 'anet', Id: NET, Labels: ALICE }));
        if (path === '/containers/c1/json' || path === `/containers/${C1}/json`) return Promise.resolve(answer(200, { Id: C1, Name: '/c1', Config: { Labels: ALICE }, State: { Running: true } }));
        if (path.startsWith('/networks?')) return Promise.resolve(answer(200, []));
        return daemon.get(path);
      },
    });
  }
  async function admitUnder(d: DaemonClient, target: string, body: JsonValue, bodyLimit: number): Promise<string> {
    const tenancy = createTenancy({ daemon: d, spec: () => spec, groups: (id) => id.groups });
    const raw = Buffer.from(JSON.stringify(body));
    const facts = buildFacts({ method: 'POST', rawTarget: target, headers: { 'content-type': 'application/json' }, body: raw });
    expect(raw.length).toBeLessThanOrEqual(bodyLimit);
    try {
      const v = await tenancy.admit({ identity: alice, facts, body: raw, method: 'POST', target, bodyLimit });
      if (v.kind !== 'forward') return `${v.kind} ${v.status}`;
      v.release?.();
      return (v.body ?? raw).length <= bodyLimit ? 'forwarded' : `forwarded over the limit (${(v.body ?? raw).length} bytes)`;
    } catch (err) {
      return err instanceof GatewayError ? `${err.status} ${err.reasonCode}` : `other: ${(err as Error).message}`;
    }
  }
  const TOO_LARGE = '413 rewritten-body-too-large';
  // {"Name":"n"} is 12 bytes; the owner labels add 63 ({"Labels":{...}} and a comma).
  // {"Container":"c1"} is 18 bytes; pinned to the full ID, 80.
  it.each<[string, string, JsonValue, number, string]>([
    ['a network create its owner labels fit', '/v1.41/networks/create', { Name: 'n' }, 100, 'forwarded'],
    ['a network create its owner labels take over the limit', '/v1.41/networks/create', { Name: 'n' }, 60, TOO_LARGE],
    ['a volume create its owner labels take over the limit', '/v1.41/volumes/create', { Name: 'v' }, 60, TOO_LARGE],
    ['a network connect its pinned container ID fits', '/v1.41/networks/anet/connect', { Container: 'c1' }, 80, 'forwarded'],
    ['a network connect its pinned container ID takes over the limit', '/v1.41/networks/anet/connect', { Container: 'c1' }, 79, TOO_LARGE],
  ])('%s', async (_name, target, body, limit, want) => {
    expect(await admitUnder(asking(), target, body, limit)).toBe(want);
  });

  it('a create whose anonymous volumes\' labels alone exceed the limit is refused before the daemon is asked anything', async () => {
    const d = asking();
    expect(await admitUnder(d, '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Mounts: mounts(100) } }, 4_000)).toBe(TOO_LARGE);
    expect(d.paths).toEqual([]);
  });
});
