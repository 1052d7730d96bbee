/**
 * Keys a client chooses that are also names of Object.prototype's members (`__proto__`,
 * `constructor`, ...) stay the client's keys through tenancy's rewrites. Real dockerd, docker
 * CLI 28 and raw HTTPS (for what the CLI does not send):
 * - `filters` (rev-version F5): tenancy re-serialises the client's filters with its own label
 *   added, and it built them in plain objects, where a name or value `__proto__` set the
 *   prototype instead of a key. The filter vanished, so alice's `volume prune` with
 *   `label=__proto__` removed all her unused volumes, and a filter named `__proto__` (which
 *   dockerd refuses) was answered 200;
 * - a network named `__proto__` or `constructor` in `HostConfig.NetworkMode` without
 *   `NetworkingConfig` (raw API clients send that): pinning it to its ID read Object.prototype
 *   as its endpoint. `__proto__` set `NetworkID` on Object.prototype for the whole gateway
 *   process and the body went out unpinned; `constructor` was refused (400) as "not an object".
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, startGateway, type RunResult, type TestGateway, type TestPki } from './support/gateway.js';
import { guidePolicy } from './support/sharing-guide.js';
import { tlsRequest } from './support/tls-request.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;

const as = (who: string, args: string[]): Promise<RunResult> => docker(pki.bundle(who), gw.port, args, { timeoutMs: 60_000 });
const direct = (args: string[]): Promise<RunResult> => dockerDirect(socket, args);
const exists = async (volume: string): Promise<boolean> => (await direct(['volume', 'inspect', volume])).code === 0;
const VOLUMES = ['fk-plain', 'fk-proto', 'fk-carol'];
const NETWORKS = ['__proto__', 'constructor'];
const removeVolumes = async (): Promise<void> => void (await direct(['volume', 'rm', '-f', ...VOLUMES]));

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], carol: ['data'] });
  const file = join(pki.dir, 'filter-keys-policy.yaml');
  writeFileSync(file, guidePolicy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${file}\n`));
}, 180_000);

afterAll(async () => {
  await removeVolumes();
  await removeContainers(socket, 'label=dockgate.owner=alice');
  await direct(['network', 'rm', ...NETWORKS]);
  await gw?.stop();
});

describe('filter names and values `__proto__` (rev-version F5)', () => {
  it.each([
    ['the list form', '{"label":["__proto__"]}'],
    ['the map form', '{"label":{"__proto__":true}}'],
    // A name given twice, or first null: dockerd keeps the last (it prunes fk-proto without the
    // gateway too); tenancy used to refuse both (400 bad-filters).
    ['a name given twice', '{"label":["fk-none"],"label":["__proto__"]}'],
    ['a null, then the map form', '{"label":null,"label":{"__proto__":true}}'],
  ])('volume prune with %s removes only the volume labelled __proto__', async (_form, filters) => {
    await removeVolumes();
    expect((await as('alice', ['volume', 'create', 'fk-plain'])).code).toBe(0);
    expect((await as('alice', ['volume', 'create', '--label', '__proto__', 'fk-proto'])).code).toBe(0);
    expect((await as('carol', ['volume', 'create', '--label', '__proto__', 'fk-carol'])).code).toBe(0);
    const r = await tlsRequest(pki.bundle('alice'), gw.port, { method: 'POST', path: `/v1.41/volumes/prune?filters=${encodeURIComponent(filters)}` });
    expect(r.status, r.body).toBe(200);
    expect((JSON.parse(r.body) as { VolumesDeleted: string[] }).VolumesDeleted).toEqual(['fk-proto']);
    expect(await exists('fk-proto')).toBe(false);
    expect(await exists('fk-plain')).toBe(true);
    expect(await exists('fk-carol')).toBe(true);
  });

  it('docker volume prune --filter label=__proto__ (CLI 28) removes only that volume', async () => {
    await removeVolumes();
    expect((await as('alice', ['volume', 'create', 'fk-plain'])).code).toBe(0);
    expect((await as('alice', ['volume', 'create', '--label', '__proto__', 'fk-proto'])).code).toBe(0);
    const r = await as('alice', ['volume', 'prune', '-f', '--filter', 'label=__proto__']);
    expect(r.code, r.stderr).toBe(0);
    expect(await exists('fk-proto')).toBe(false);
    expect(await exists('fk-plain')).toBe(true);
  });

  it('a filter named __proto__ reaches the daemon, which refuses it as it does without the gateway', async () => {
    const filters = encodeURIComponent('{"__proto__":{"x":true}}');
    const r = await tlsRequest(pki.bundle('alice'), gw.port, { path: `/v1.41/volumes?filters=${filters}` });
    expect(r.status).toBe(400);
    expect(r.body).toContain("Invalid filter '__proto__'");
  });
});

describe('networks named `__proto__` and `constructor` in NetworkMode (no NetworkingConfig)', () => {
  it.each(NETWORKS)('%s: the container is created on it, pinned to the network\'s ID', async (name) => {
    const made = await as('alice', ['network', 'create', '--internal', name]);
    expect(made.code, made.stderr).toBe(0);
    const id = (await direct(['network', 'inspect', '-f', '{{.Id}}', name])).stdout.trim();
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { NetworkMode: name } });
    const r = await tlsRequest(pki.bundle('alice'), gw.port, { method: 'POST', path: `/v1.41/containers/create?name=ck-${name.replace(/_/g, 'u')}`, headers: { 'Content-Type': 'application/json' }, body });
    expect(r.status, r.body).toBe(201);
    const container = (JSON.parse(r.body) as { Id: string }).Id;
    const networks = JSON.parse((await direct(['inspect', '-f', '{{json .NetworkSettings.Networks}}', container])).stdout) as Record<string, { NetworkID: string }>;
    expect(Object.keys(networks)).toEqual([name]);
    expect(Object.getOwnPropertyDescriptor(networks, name)?.value.NetworkID).toBe(id);
  });
});
