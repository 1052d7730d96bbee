/**
 * Version prefixes outside the daemon's range (rev-version F1): dockerd's version middleware
 * answers 400 to `/v1.99/...` (above its newest, 1.41) and `/v1.11/...` (below its oldest,
 * 1.12) before any handler runs, and acts on nothing. The gateway used to decide such a
 * request like any other, and tenancy acted on it: a `--rm` container's start over the
 * running quota was refused and the container removed. Now the gateway answers it as dockerd
 * does (same status, Content-Type and body, compared with the socket's answer) and neither
 * the policy nor tenancy sees it.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { expectLastRecord } from './support/audit-records.js';
import { configYaml, docker, dockerDirect, DOCKER_CLIS, makePki, removeContainers, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, jsonRequest, rawExchange, rawExchangeUnix, type RawResponse } from './support/raw-tls.js';
import { guidePolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

const TOO_NEW = 'client version 1.99 is too new. Maximum supported API version is 1.41';
const TOO_OLD = 'client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version';

/** Send `request` to the gateway as erin and to the daemon's socket; both answers. */
async function both(request: Buffer): Promise<[RawResponse, RawResponse]> {
  return [await rawExchange(pki.bundle('erin'), gw.port, request), await rawExchangeUnix(socket, request)];
}

/**
 * The gateway answered as dockerd did: status, body byte for byte, the middleware's headers but
 * `Ostype` and `Server`, which the gateway leaves out (the answer comes before the policy: a
 * client denied everything would read the daemon's version from it; rev-fix-ver V2).
 */
function sameAnswer(got: RawResponse, daemon: RawResponse): void {
  const seen = (r: RawResponse) => ({ status: r.status, body: r.body.toString('latin1'), ...Object.fromEntries(['content-type', 'x-content-type-options', 'api-version'].map((h) => [h, r.headers[h]])) });
  expect(seen(got)).toEqual(seen(daemon));
  expect([got.headers.ostype, got.headers.server]).toEqual([undefined, undefined]);
  expect(daemon.headers.server).toMatch(/^Docker\//);
}

async function exists(name: string): Promise<boolean> {
  return (await dockerDirect(socket, ['inspect', name])).code === 0;
}

beforeAll(async () => {
  pki = await makePki({ erin: ['web'] });
  const policyFile = join(pki.dir, 'sharing-policy.yaml');
  // docs/sharing.md's example policy, with a `running` quota of 1 for erin.
  writeFileSync(policyFile, guidePolicy(['    users:\n', '    users:\n      erin: { running: 1 }\n']));
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  const live = await docker(pki.bundle('erin'), gw.port, ['run', '-d', '--name', 'av-live', '--network', 'none', 'busybox', 'sleep', '1d']);
  expect(live.code, live.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, 'label=dockgate.owner=erin', { volumes: true });
  await gw?.stop();
});

describe('version prefixes outside the daemon range (rev-version F1)', () => {
  it.each([
    ['/v1.99', TOO_NEW, 'application/json'],
    ['/v1.11', TOO_OLD, 'text/plain; charset=utf-8'],
  ])('%s: a --rm container start over the running quota is answered as dockerd answers it, and the container stays', async (prefix, message, type) => {
    const name = `av-rm${prefix.replace(/[^0-9]/g, '')}`;
    const created = await rawExchange(pki.bundle('erin'), gw.port, jsonRequest('POST', `/containers/create?name=${name}`, JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { AutoRemove: true, NetworkMode: 'none' } })));
    expect(created.status, created.text).toBe(201);
    const start = httpRequest({ method: 'POST', target: `${prefix}/containers/${name}/start`, headers: [['Content-Length', '0']] });
    const [got, daemon] = await both(start);
    expect(daemon.text.trimEnd().replace(/^\{"message":"(.*)"\}$/, '$1')).toBe(message);
    sameAnswer(got, daemon);
    expect(got.headers['content-type']).toBe(type);
    expect(await exists(name)).toBe(true);
    await expectLastRecord(gw, 'ContainerStart', { decision: 'malformed', status: 400, apiVersion: prefix.slice(2), path: `/containers/${name}/start`, reason: `api-version: ${message}` });
    expect(await exists(name)).toBe(true);
  });

  it('the version is answered before the body is read: a bad JSON body at /v1.99 gets the version error, as from dockerd', async () => {
    const [got, daemon] = await both(jsonRequest('POST', '/v1.99/containers/create?name=av-bad', '{'));
    expect(daemon.status).toBe(400);
    sameAnswer(got, daemon);
    expect(await exists('av-bad')).toBe(false);
  });

  it('an upgrade (attach) at /v1.99 gets the version error, not a 101', async () => {
    const attach = httpRequest({ method: 'POST', target: '/v1.99/containers/av-live/attach?stream=1&stdout=1', headers: [['Connection', 'Upgrade'], ['Upgrade', 'tcp'], ['Content-Length', '0']] });
    const [got, daemon] = await both(attach);
    expect(daemon.status).toBe(400);
    sameAnswer(got, daemon);
  });

  it.each(['/v1.12', '/v1.41', ''])('%s (in range, or no prefix) is decided and forwarded as before', async (prefix) => {
    const r = await rawExchange(pki.bundle('erin'), gw.port, httpRequest({ method: 'GET', target: `${prefix}/containers/json` }));
    expect(r.status, r.text).toBe(200);
    expect((JSON.parse(r.text) as { Names: string[] }[]).map((c) => c.Names[0])).toEqual(['/av-live']);
  });

  it.each(DOCKER_CLIS)('docker version (CLI %s, which negotiates) works through the gateway', async (_label, cli) => {
    const r = await docker(pki.bundle('erin'), gw.port, ['version', '--format', '{{.Server.APIVersion}} {{.Server.MinAPIVersion}}'], { cli });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('1.41 1.12\n');
  });

  it('at /v1.41 the same start is still refused by the quota, and the --rm container removed', async () => {
    const created = await rawExchange(pki.bundle('erin'), gw.port, jsonRequest('POST', '/containers/create?name=av-rm41', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { AutoRemove: true, NetworkMode: 'none' } })));
    expect(created.status, created.text).toBe(201);
    const r = await rawExchange(pki.bundle('erin'), gw.port, httpRequest({ method: 'POST', target: '/v1.41/containers/av-rm41/start', headers: [['Content-Length', '0']] }));
    expect(r.status).toBe(403);
    expect(r.text).toContain('running-container quota reached (1 of 1 running)');
    expect(await exists('av-rm41')).toBe(false);
  });
});
