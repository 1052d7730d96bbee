/**
 * An admin's alias on a shared network taken as a tenant's container name (docs/sharing.md,
 * "Aliases and links"), against a real dockerd 20.10 with docker-compose v1 and the docker CLIs
 * 28 and 20.10 over mutual TLS. The admin (ops) runs a compose service `store` on the shared
 * network `na-shared` (compose gives its container the alias `store` there), creates a container
 * with the alias `nacdb` and the hostname `nahdb` that never ran, and stops the compose service;
 * dockerd's DNS answers a stopped container's alias again once it runs, and answers a name with
 * every container that has it, ignoring case. So carol may not name a container `store`, `STORE`,
 * `nacdb` or `nahdb` on na-shared: not at create, rename or `network connect`. Names that are
 * no one's alias still work there, the same names on her own network too, and the admin may
 * still use them.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run, tlsArgs, type RunResult } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { expectLastRecord } from './support/audit-records.js';
import { CLI20, CLIS, env, refused, sharedNetworkPolicy, sharedNetworkSuite } from './support/shared-network-names.js';

const suite = sharedNetworkSuite();
const { as, direct, carolRuns, network, aliases, absent } = suite;
let composeDir: string;
const ALIAS = 'an alias, hostname or short ID another container on that network answers to';

/** The admin's compose project: service `store` on the external network na-shared. */
const compose = (args: string[]) => run('docker-compose', [...tlsArgs(suite.pki.bundle('ops'), suite.gw.port), '-p', 'naadm', '-f', join(composeDir, 'docker-compose.yml'), ...args], { env: env(), timeoutMs: 90_000 });

/** The networks container `name` is attached to. */
async function networksOf(name: string): Promise<string> {
  return (await direct(['inspect', '-f', '{{json .NetworkSettings.Networks}}', name])).stdout;
}

/**
 * A refusal of container name `name` as an alias on na-shared. The names are not hex (`store`,
 * not `db`): a hex name is refused first as one that reads as an ID while some container's ID
 * starts with it.
 */
function refusedAsAlias(r: RunResult, name: string): void {
  refused(r, `container name "${name}" on network "na-shared" is not allowed: it equals`);
  expect(r.stderr).toContain(ALIAS);
}

beforeAll(async () => {
  // docs/sharing.md's example policy, its shared network named na-shared.
  await suite.start({ carol: ['data'], ops: ['ops'] }, sharedNetworkPolicy('na-shared', 40));
  await network('na-shared', '10.244.51.0/24', []);
  await network('na-carol', '10.244.52.0/24', ['dockgate.owner=carol', 'dockgate.team=data']);
  composeDir = scratchDir('na-compose-');
  writeFileSync(
    join(composeDir, 'docker-compose.yml'),
    'version: "2.4"\nservices:\n  store:\n    image: busybox\n    command: ["sleep", "600"]\n    networks: [na-shared]\nnetworks:\n  na-shared:\n    external: true\n',
  );
  const up = await compose(['up', '-d']);
  expect(up.code, up.stderr).toBe(0);
  expect(await aliases('naadm_store_1', 'na-shared')).toContain('store');
  // Created, never started: the alias is the create's; dockerd adds the hostname at its start.
  const created = await as('ops', ['create', '--name', 'na-admin-idle', '--network', 'na-shared', '--network-alias', 'nacdb', '--hostname', 'nahdb', 'busybox', 'sleep', '600']);
  expect(created.code, created.stderr).toBe(0);
  expect(await aliases('na-admin-idle', 'na-shared')).toEqual(['nacdb']);
  const etl = await carolRuns('naetl', ['--network', 'na-shared']);
  expect(etl.code, etl.stderr).toBe(0);
}, 180_000);

afterAll(async () => {
  if (composeDir) await compose(['down', '-t', '0']);
  const lists = await Promise.all(['na-shared', 'na-carol'].map((n) => direct(['ps', '-aq', '--filter', `network=${n}`])));
  const ids = lists.flatMap((r) => r.stdout.split('\n')).filter(Boolean);
  if (ids.length) await direct(['rm', '-f', ...new Set(ids)]);
  await direct(['network', 'rm', 'na-shared', 'na-carol']);
  await suite.stop();
}, 120_000);

describe('create on the shared network', () => {
  it.each(CLIS)('%s: run --name store, STORE (the compose service\'s alias, in any case): refused', async (cli) => {
    for (const name of ['store', 'STORE']) {
      refusedAsAlias(await carolRuns(name, ['--network', 'na-shared'], cli), name);
      await absent(name);
    }
    await expectLastRecord(suite.gw, 'ContainerCreate', { decision: 'deny', status: 403, code: 'network-name' });
  });

  it('the alias and the hostname of a container that never ran: refused; the service\'s alias while it is stopped: refused', async () => {
    for (const name of ['nacdb', 'NAHDB']) {
      refusedAsAlias(await carolRuns(name, ['--network', 'na-shared']), name);
      await absent(name);
    }
    const stop = await compose(['stop', '-t', '0']);
    expect(stop.code, stop.stderr).toBe(0);
    try {
      refusedAsAlias(await carolRuns('store', ['--network', 'na-shared']), 'store');
      await absent('store');
    } finally {
      expect((await compose(['start'])).code).toBe(0);
    }
  });

  it('an alias of a container created with --network <ID prefix>, never started: refused (rev-fix-ten F1)', async () => {
    // dockerd keeps the prefix as the endpoint's key, with no NetworkID, until the first start:
    // no `network` filter of a container list finds it.
    const id = (await direct(['network', 'inspect', '-f', '{{.Id}}', 'na-shared'])).stdout.trim();
    const made = await as('ops', ['create', '--name', 'na-admin-prefix', '--network', id.slice(0, 10), '--network-alias', 'napfx', 'busybox', 'sleep', '600']);
    expect(made.code, made.stderr).toBe(0);
    try {
      expect(await networksOf('na-admin-prefix')).toContain(`"${id.slice(0, 10)}"`);
      refusedAsAlias(await carolRuns('napfx', ['--network', 'na-shared']), 'napfx');
      await absent('napfx');
    } finally {
      await direct(['rm', '-f', 'na-admin-prefix']);
    }
  });

  it('an alias of a container created through the API with the network\'s name as its endpoint\'s NetworkID, never started: refused (rev-fix-proto F1)', async () => {
    // dockerd keeps the NetworkID as sent (a name) until the first start, and finds the network by it then.
    const b = suite.pki.bundle('ops');
    const body = JSON.stringify({ Image: 'busybox', Cmd: ['sleep', '600'], HostConfig: { NetworkMode: 'na-shared' }, NetworkingConfig: { EndpointsConfig: { 'na-shared': { NetworkID: 'na-shared', Aliases: ['naidn'] } } } });
    const made = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', body, `https://127.0.0.1:${suite.gw.port}/v1.41/containers/create?name=na-admin-idn`]);
    expect(made.stdout).toMatch(/\n201$/);
    try {
      expect(await networksOf('na-admin-idn')).toContain('"NetworkID":"na-shared"');
      refusedAsAlias(await carolRuns('naidn', ['--network', 'na-shared']), 'naidn');
      await absent('naidn');
    } finally {
      await direct(['rm', '-f', 'na-admin-idn']);
    }
  });

  it('the refusal names the alias, not the container that has it', async () => {
    const r = await carolRuns('Store', ['--network', 'na-shared']);
    refusedAsAlias(r, 'Store');
    expect(r.stderr).toContain('"store", an alias');
    expect(r.stderr).not.toContain('naadm_store_1');
    const id = (await direct(['inspect', '-f', '{{.Id}}', 'naadm_store_1'])).stdout.trim();
    expect(r.stderr).not.toContain(id.slice(0, 12));
  });

  it.each(CLIS)('%s: a name that is no one\'s alias: allowed', async (cli) => {
    const name = cli === CLI20 ? 'nadb20' : 'nadb28';
    const r = await carolRuns(name, ['--network', 'na-shared'], cli);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('rename and network connect', () => {
  it.each(CLIS)('%s: rename of carol\'s container on na-shared to store, Store, nacdb: refused', async (cli) => {
    for (const name of ['store', 'Store', 'nacdb']) {
      refusedAsAlias(await as('carol', ['rename', 'naetl', name], cli), name);
      await absent(name);
    }
    await expectLastRecord(suite.gw, 'ContainerRename', { decision: 'deny', status: 403, code: 'network-name' });
  });

  it('rename there to a name that is no one\'s alias: allowed', async () => {
    expect((await as('carol', ['rename', 'naetl', 'naetl2'])).code).toBe(0);
    expect((await as('carol', ['rename', 'naetl2', 'naetl'])).code).toBe(0);
  });

  it.each(CLIS)('%s: a container named store on carol\'s own network: allowed; network connect of it to na-shared: refused', async (cli) => {
    const name = cli === CLI20 ? 'STORE' : 'store';
    const r = await carolRuns(name, ['--network', 'na-carol'], cli);
    expect(r.code, r.stderr).toBe(0);
    try {
      refusedAsAlias(await as('carol', ['network', 'connect', 'na-shared', name], cli), name);
      expect(await networksOf(name)).not.toContain('na-shared');
      await expectLastRecord(suite.gw, 'NetworkConnect', { decision: 'deny', status: 403, code: 'network-name' });
      // And a rename of it on her own network only: allowed.
      expect((await as('carol', ['rename', name, `${name}-own`])).code).toBe(0);
      expect((await as('carol', ['rename', `${name}-own`, name])).code).toBe(0);
    } finally {
      await direct(['rm', '-f', name]);
    }
  });
});

describe('the admin', () => {
  it('may still name a container store on na-shared, beside the alias', async () => {
    await absent('store');
    const r = await as('ops', ['run', '-d', '--name', 'store', '--network', 'na-shared', 'busybox', 'sleep', '600']);
    expect(r.code, r.stderr).toBe(0);
    await direct(['rm', '-f', 'store']);
  });
});
