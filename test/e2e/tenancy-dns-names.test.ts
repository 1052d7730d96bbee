/**
 * A tenant's container's DNS names on a network others use (rev-names F1-F5), against a real
 * dockerd 20.10 with the docker CLIs 28 and 20.10 and docker-compose v1 over mutual TLS. On the
 * shared network `dn-shared`, where alice's `dnweb1` and an admin's container with the alias
 * `dndb` live, carol may not:
 * 1. set a hostname (dockerd makes it an alias there, and keeps it when the container is
 *    renamed), at create (`--hostname`, compose `hostname:` with `network_mode:`) or by
 *    `network connect` of a container whose hostname is not its short ID;
 * 2. use a name with a dot (`dnweb1.dn-shared`, answered before any container's name), at
 *    create, rename or connect;
 * 3. use a name differing only in case from another container's (`DNWEB1`), or an upper-case
 *    short ID, at create, rename or connect.
 * All of these stay allowed on her own network. 4. Endpoint links to a container that does not exist yet are allowed on her own
 * network (an endpoint's `Links`, `network connect --link`), as dockerd allows them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, tlsArgs } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { expectLastRecord, recordsOf } from './support/audit-records.js';
import { CLI20, CLIS, env, refused, sharedNetworkPolicy, sharedNetworkSuite } from './support/shared-network-names.js';
import { tlsRequest } from './support/tls-request.js';

const suite = sharedNetworkSuite();
const { as, direct, carolRuns, network, aliases, absent } = suite;
/** alice's dnweb1's short ID. */
let aliceShort: string;

/** The audit records of `op`, oldest first. */
const records = (op: string): Record<string, unknown>[] => recordsOf(suite.gw, op);
/** Wait for the newest audit record of `op` to carry `want`, then check it. */
const expectRecord = (op: string, want: Record<string, unknown>): Promise<void> => expectLastRecord(suite.gw, op, want);

beforeAll(async () => {
  // docs/sharing.md's example policy, its shared network named dn-shared, with room for the containers here.
  await suite.start({ alice: ['web'], carol: ['data'], ops: ['ops'] }, sharedNetworkPolicy('dn-shared', 60));
  await network('dn-shared', '10.244.41.0/24', []);
  await network('dn-carol', '10.244.42.0/24', ['dockgate.owner=carol', 'dockgate.team=data']);
  await network('dn-carol2', '10.244.43.0/24', ['dockgate.owner=carol', 'dockgate.team=data']);
  const db = await direct(['run', '-d', '--name', 'dn-admin-db', '--network', 'dn-shared', '--network-alias', 'dndb', 'busybox', 'sleep', '600']);
  expect(db.code, db.stderr).toBe(0);
  const web = await as('alice', ['run', '-d', '--name', 'dnweb1', '--network', 'dn-shared', 'busybox', 'sleep', '600']);
  expect(web.code, web.stderr).toBe(0);
  aliceShort = web.stdout.trim().slice(0, 12);
  const etl = await carolRuns('dnetl1', ['--network', 'dn-shared']);
  expect(etl.code, etl.stderr).toBe(0);
}, 120_000);

afterAll(async () => {
  const ids = await direct(['ps', '-aq', '--filter', 'network=dn-shared']);
  const more = await direct(['ps', '-aq', '--filter', 'network=dn-carol']);
  const other = await direct(['ps', '-aq', '--filter', 'network=dn-carol2']);
  const list = [ids, more, other].flatMap((r) => r.stdout.split('\n')).filter(Boolean);
  if (list.length) await direct(['rm', '-f', ...new Set(list)]);
  await direct(['network', 'rm', 'dn-shared', 'dn-carol', 'dn-carol2']);
  await suite.stop();
}, 120_000);

describe('F1: a hostname is an alias on every user network the container joins', () => {
  it.each(CLIS)('%s: --hostname of alice\'s name, a dotted name, her short ID, the admin\'s alias on dn-shared: refused', async (cli) => {
    const tag = cli === CLI20 ? '20' : '28';
    for (const hostname of ['dnweb1', 'dnweb1.dn-shared', aliceShort, 'dndb']) {
      const r = await carolRuns(`dnh${tag}-${hostname.length}`, ['--network', 'dn-shared', '--hostname', hostname], cli);
      refused(r, `hostname "${hostname}" on network "dn-shared" is not allowed`);
      await absent(`dnh${tag}-${hostname.length}`);
    }
    await expectRecord('ContainerCreate', { decision: 'deny', status: 403, code: 'network-alias' });
    // The record shows the hostname asked for.
    expect((records('ContainerCreate').at(-1)?.fields as Record<string, unknown>).hostname).toBe('dndb');
  });

  it('its own name as hostname: refused, as a rename would keep the alias and free the name (rev-fix-dns N1); none: allowed', async () => {
    const r = await carolRuns('dnown1', ['--network', 'dn-shared', '--hostname', 'dnown1']);
    refused(r, 'hostname "dnown1" on network "dn-shared" is not allowed');
    await absent('dnown1');
    expect((await carolRuns('dnplain', ['--network', 'dn-shared'])).code).toBe(0);
    expect(await aliases('dnplain', 'dn-shared')).toHaveLength(1);
  });

  it('any hostname on carol\'s own network: allowed (dockerd gives her container the alias there)', async () => {
    expect((await carolRuns('dnh-own', ['--network', 'dn-carol', '--hostname', 'dnweb1'])).code).toBe(0);
    expect(await aliases('dnh-own', 'dn-carol')).toContain('dnweb1');
  });

  it.each(CLIS)('%s: network connect dn-shared of a container whose hostname is alice\'s name: refused', async (cli) => {
    const r = await as('carol', ['network', 'connect', 'dn-shared', 'dnh-own'], cli);
    refused(r, 'hostname "dnweb1" on network "dn-shared" is not allowed');
    expect(await direct(['inspect', '-f', '{{json .NetworkSettings.Networks}}', 'dnh-own'])).toMatchObject({ stdout: expect.not.stringContaining('dn-shared') as unknown });
    await expectRecord('NetworkConnect', { decision: 'deny', status: 403, code: 'network-alias' });
  });

  it('network connect dn-shared of one whose hostname is its short ID: allowed; its own name: refused (rev-fix-dns N1)', async () => {
    expect((await carolRuns('dnc-id', ['--network', 'dn-carol'])).code).toBe(0);
    const r = await as('carol', ['network', 'connect', 'dn-shared', 'dnc-id']);
    expect(r.code, r.stderr).toBe(0);
    expect((await aliases('dnc-id', 'dn-shared')).length).toBeGreaterThan(0);
    expect((await carolRuns('dnc-name', ['--network', 'dn-carol', '--hostname', 'dnc-name'])).code).toBe(0);
    refused(await as('carol', ['network', 'connect', 'dn-shared', 'dnc-name']), 'hostname "dnc-name" on network "dn-shared" is not allowed');
  });

  it('docker-compose v1: a service with network_mode dn-shared and a hostname of the admin\'s alias: refused; with no hostname: up', async () => {
    const dir = scratchDir('dn-compose-');
    const file = (hostname: string) => `version: "2.4"\nservices:\n  db:\n    image: busybox\n    network_mode: dn-shared\n${hostname}    command: ["sleep", "600"]\n`;
    const compose = (args: string[]) => run('docker-compose', [...tlsArgs(suite.pki.bundle('carol'), suite.gw.port), '-p', 'dnproj', '-f', join(dir, 'docker-compose.yml'), ...args], { env: env(), timeoutMs: 90_000 });
    writeFileSync(join(dir, 'docker-compose.yml'), file('    hostname: dndb\n'));
    const bad = await compose(['up', '-d']);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain('hostname "dndb" on network "dn-shared" is not allowed');
    writeFileSync(join(dir, 'docker-compose.yml'), file(''));
    const good = await compose(['up', '-d']);
    expect(good.code, good.stderr).toBe(0);
    // network_mode gives no alias: the service has only its short ID there (docs: compose).
    expect(await aliases('dnproj_db_1', 'dn-shared')).toHaveLength(1);
    expect((await compose(['down', '-t', '0'])).code).toBe(0);
  });
});

describe('F2: a dotted name takes every answer for that whole name', () => {
  it.each(CLIS)('%s: run --name dnweb1.dn-shared (and the admin\'s dndb.dn-shared) on dn-shared: refused', async (cli) => {
    for (const name of ['dnweb1.dn-shared', 'dndb.dn-shared']) {
      refused(await carolRuns(name, ['--network', 'dn-shared'], cli), `container name "${name}" on network "dn-shared" is not allowed: it holds a dot`);
      await absent(name);
    }
    await expectRecord('ContainerCreate', { decision: 'deny', status: 403, code: 'network-name' });
  });

  it.each(CLIS)('%s: rename of a container on dn-shared to a dotted name: refused', async (cli) => {
    refused(await as('carol', ['rename', 'dnetl1', 'dnweb1.dn-shared'], cli), 'it holds a dot');
    await absent('dnweb1.dn-shared');
    await expectRecord('ContainerRename', { decision: 'deny', status: 403, code: 'network-name' });
  });

  it('a dotted name on carol\'s own network: allowed; network connect of it to dn-shared: refused (both CLIs)', async () => {
    expect((await carolRuns('dn.dotted', ['--network', 'dn-carol'])).code).toBe(0);
    for (const cli of CLIS) refused(await as('carol', ['network', 'connect', 'dn-shared', 'dn.dotted'], cli), 'container name "dn.dotted" on network "dn-shared" is not allowed: it holds a dot');
    await expectRecord('NetworkConnect', { decision: 'deny', status: 403, code: 'network-name' });
    // And renaming a container on her own network only to a dotted name: allowed.
    expect((await as('carol', ['rename', 'dn.dotted', 'dn.dotted2'])).code).toBe(0);
  });
});

describe('F3: DNS names ignore case, dockerd\'s container names do not', () => {
  it.each(CLIS)('%s: run --name DNWEB1, and alice\'s upper-case short ID on dn-shared: refused', async (cli) => {
    refused(await carolRuns('DNWEB1', ['--network', 'dn-shared'], cli), 'it differs only in case from container "dnweb1"');
    await absent('DNWEB1');
    refused(await carolRuns(aliceShort.toUpperCase(), ['--network', 'dn-shared'], cli), 'could be read as the ID of another container (the DNS of a network others use ignores case)');
    await absent(aliceShort.toUpperCase());
  });

  it.each(CLIS)('%s: rename dnetl1 to DNWEB1: refused', async (cli) => {
    refused(await as('carol', ['rename', 'dnetl1', 'DNWEB1'], cli), 'it differs only in case from container "dnweb1"');
    await absent('DNWEB1');
  });

  it('a case twin on carol\'s own network: allowed; network connect of it to dn-shared: refused', async () => {
    expect((await carolRuns('DnWeb1', ['--network', 'dn-carol'])).code).toBe(0);
    refused(await as('carol', ['network', 'connect', 'dn-shared', 'DnWeb1']), 'it differs only in case from container "dnweb1"');
    await expectRecord('NetworkConnect', { decision: 'deny', status: 403, code: 'network-name' });
  });

  it('renaming one\'s own container to another case of its own name: allowed', async () => {
    expect((await as('carol', ['rename', 'dnetl1', 'DNETL1'])).code).toBe(0);
    expect((await as('carol', ['rename', 'DNETL1', 'dnetl1'])).code).toBe(0);
  });
});

describe('F4: endpoint links to a container that does not exist yet', () => {
  it('a create with EndpointsConfig.dn-carol.Links future:fdb (carol\'s own network): allowed, kept on the endpoint', async () => {
    const body = { Image: 'busybox', Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'dn-carol' }, NetworkingConfig: { EndpointsConfig: { 'dn-carol': { Links: ['dnfuture:fdb'] } } } };
    const r = await tlsRequest(suite.pki.bundle('carol'), suite.gw.port, { method: 'POST', path: '/v1.41/containers/create?name=dnlk-raw', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
    expect(r.status, r.body).toBe(201);
    expect((await as('carol', ['start', 'dnlk-raw'])).code).toBe(0);
    const links = await direct(['inspect', '-f', '{{json (index .NetworkSettings.Networks "dn-carol").Links}}', 'dnlk-raw']);
    expect(links.stdout).toContain('dnfuture:fdb');
  });

  it.each(CLIS)('%s: network connect --link future:fdb to carol\'s own network: allowed', async (cli) => {
    const name = cli === CLI20 ? 'dnlc20' : 'dnlc28';
    expect((await carolRuns(name, ['--network', 'dn-carol2'])).code).toBe(0);
    const r = await as('carol', ['network', 'connect', '--link', 'dnfuture:fdb', 'dn-carol', name], cli);
    expect(r.code, r.stderr).toBe(0);
    const links = await direct(['inspect', '-f', '{{json (index .NetworkSettings.Networks "dn-carol").Links}}', name]);
    expect(links.stdout).toContain('dnfuture:fdb');
  });

  it.each(CLIS)('%s: run --network dn-carol --link future:fdb stays 404: the CLI sends the link in HostConfig.Links too, checked as before', async (cli) => {
    const name = cli === CLI20 ? 'dnlk20' : 'dnlk28';
    const r = await carolRuns(name, ['--network', 'dn-carol', '--link', 'dnfuture:fdb'], cli);
    expect(r.code).not.toBe(0);
    await absent(name);
  });

  it('on dn-shared a link (to carol\'s own container) stays refused', async () => {
    refused(await carolRuns('dnlk-sh', ['--network', 'dn-shared', '--link', 'dnetl1:foo']), 'aliases and links on network "dn-shared" are not allowed');
    await absent('dnlk-sh');
  });
});
