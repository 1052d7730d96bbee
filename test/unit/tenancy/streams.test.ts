/**
 * The `streams` quota counts every streamed answer and hijacked session (review3 F6), except
 * the two answered with one small object at once: `stats --no-stream` and a detached exec.
 */
import { describe, expect, it } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import { holdsStream } from '../../../src/tenancy/stream-requests.js';
import { madeByGateway } from './made-by-gateway.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

const facts = (method: string, target: string, body?: unknown, upgrade?: string) => {
  const raw = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  const headers: Record<string, string> = raw === undefined ? {} : { 'content-type': 'application/json' };
  if (upgrade) Object.assign(headers, { connection: 'Upgrade', upgrade });
  return buildFacts({ method, rawTarget: target, headers, body: raw });
};

/** [name, method, target, body, counted]. */
const CASES: [string, string, string, unknown, boolean][] = [
  // logs, followed or not: a log of any size, held open by a slow reader.
  ['logs', 'GET', '/v1.41/containers/c1/logs?stdout=1', undefined, true],
  ['logs -f', 'GET', '/v1.41/containers/c1/logs?stdout=1&follow=1', undefined, true],
  ['logs follow=0', 'GET', '/v1.41/containers/c1/logs?follow=0', undefined, true],
  // stats: `stream` is BoolValueOrDefault(true): absent streams, present is BoolValue.
  ['stats', 'GET', '/v1.41/containers/c1/stats', undefined, true],
  ['stats stream=1', 'GET', '/v1.41/containers/c1/stats?stream=1', undefined, true],
  ['stats --no-stream (stream=0)', 'GET', '/v1.41/containers/c1/stats?stream=0', undefined, false],
  ['stats stream=false', 'GET', '/v1.41/containers/c1/stats?stream=false', undefined, false],
  ['stats stream (no value: present and empty)', 'GET', '/v1.41/containers/c1/stats?stream', undefined, false],
  ['stats stream=0 one-shot=1', 'GET', '/v1.41/containers/c1/stats?stream=0&one-shot=1', undefined, false],
  ['stats stream that Go may read otherwise counts', 'GET', '/v1.41/containers/c1/stats?stream=%C2%A0false', undefined, true],
  // Open until something happens on the daemon.
  ['events', 'GET', '/v1.41/events', undefined, true],
  ['events with until', 'GET', '/v1.41/events?since=0&until=1', undefined, true],
  ['wait', 'POST', '/v1.41/containers/c1/wait?condition=next-exit', undefined, true],
  ['build', 'POST', '/v1.41/build?t=x', undefined, true],
  // Hijacks.
  ['attach', 'POST', '/v1.41/containers/c1/attach?stream=1&stdout=1', undefined, true],
  ['attach websocket', 'GET', '/v1.41/containers/c1/attach/ws?stream=1', undefined, true],
  ['exec start', 'POST', '/v1.41/exec/e1/start', { Detach: false, Tty: true }, true],
  ['exec start without Detach', 'POST', '/v1.41/exec/e1/start', {}, true],
  ['exec start -d', 'POST', '/v1.41/exec/e1/start', { Detach: true }, false],
  ['exec start -d, key in another case (Go folds it)', 'POST', '/v1.41/exec/e1/start', { detach: true }, false],
  ['BuildKit session', 'POST', '/v1.41/session', undefined, true],
  // Transfers of any size: held open as long as the client reads.
  ['cp out', 'GET', '/v1.41/containers/c1/archive?path=/etc', undefined, true],
  ['export', 'GET', '/v1.41/containers/c1/export', undefined, true],
  ['save', 'GET', '/v1.41/images/busybox/get', undefined, true],
  ['save several', 'GET', '/v1.41/images/get?names=a&names=b', undefined, true],
  // Over bob's own busybox tag: a pull may join the caller's repository (f6b439b refused it).
  ['pull', 'POST', '/v1.41/images/create?fromImage=busybox&tag=latest', undefined, true],
  ['push', 'POST', '/v1.41/images/mine/push?tag=1', undefined, true],
  // Answered with one small object.
  ['inspect', 'GET', '/v1.41/containers/c1/json', undefined, false],
  ['unknown route', 'GET', '/v1.41/nope', undefined, false],
];

describe('holdsStream', () => {
  it.each(CASES)('%s', (_name, method, target, body, counted) => {
    expect(holdsStream(facts(method, target, body))).toBe(counted);
  });
});

describe('the streams quota admits what holds no stream while the quota is full', () => {
  const spec: TenancySpec = {
    admins: { users: [], groups: ['ops'] },
    teams: [],
    unowned: [],
    shared: { networks: [], volumes: [] },
    quotas: { default: { streams: 1 }, groups: {}, users: {} },
  };
  const bob = { 'dockgate.owner': 'bob', 'dockgate.team': '' };
  const container = { Id: 'c1'.padEnd(64, '0'), Name: '/c1', Config: { Labels: bob }, HostConfig: {}, State: { Running: true, Paused: false } };
  const exec = { ID: 'e1', ContainerID: container.Id };
  const docs: Record<string, unknown> = {
    '/containers/c1/json': container,
    [`/containers/${container.Id}/json`]: container,
    '/exec/e1/json': exec,
    '/images/busybox/json': { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: bob } },
    '/images/busybox:latest/json': { Id: 'sha256:b', RepoTags: ['busybox:latest'], Config: { Labels: bob } },
    '/images/json': [{ Id: 'sha256:b', RepoTags: ['busybox:latest'], Labels: bob }],
  };
  const daemon: DaemonClient = madeByGateway({
    get(path: string): Promise<DaemonAnswer> {
      const doc = docs[decodeURIComponent(path)];
      const json = doc ?? { message: 'No such object' };
      return Promise.resolve({ status: doc === undefined ? 404 : 200, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' });
    },
  });
  const identity: Identity = { name: 'bob', groups: [], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };

  it.each(CASES.filter(([name]) => name !== 'unknown route'))('%s', async (_name, method, target, body, counted) => {
    const tenancy = createTenancy({ daemon, spec: () => spec, groups: () => [] });
    const admit = (m: string, t: string, b?: unknown) => {
      const f = facts(m, t, b);
      const raw = b === undefined ? undefined : Buffer.from(JSON.stringify(b));
      return tenancy.admit({ identity, facts: f, body: raw, method: m, target: t });
    };
    // `docker stats` and `docker events` hold one open: the one slot is taken.
    const events = await admit('GET', '/v1.41/events');
    expect(events.kind).toBe('forward');
    const v = await admit(method, target, body);
    if (counted) expect(v).toMatchObject({ kind: 'deny', status: 429, code: 'stream-limit' });
    else expect(v.kind, JSON.stringify(v)).not.toBe('deny');
    // Once the first stream closes, a counted request gets the slot.
    if (events.kind === 'forward') events.release?.();
    if (v.kind === 'forward') v.release?.();
    expect((await admit(method, target, body)).kind).not.toBe('deny');
  });
});
