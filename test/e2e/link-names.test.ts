/**
 * Legacy links (rev-redteam F2, F2b), against a real dockerd 20.10, both docker CLIs, real TLS.
 * dockerd names the container `ci-x` links as `db` also `ci-x/db`, and its container routes take
 * `{name:.*}`: `docker exec ci-x/db`, `docker cp ci-x/db:...` and `docker rm -f ci-x/db` acted on
 * the linked container, which a rule narrowed by `* /containers/ci-*` `/**` allowed, and the
 * records named `ci-x/db`. Such names are now refused on every container route before the
 * policy (`link-name`), except `docker rm --link`, which removes the link and still works.
 * F2b: a link copies the linked container's Env into the new one; `links: false` refuses it,
 * except on a user-defined network, where dockerd makes a link a DNS alias only.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, run, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const LABEL = 'dgt-link-names';
/** A user-defined network: links on it are DNS aliases only. */
const NET = 'dgt-ln-net';
const CLI20 = '/usr/bin/docker';
const CLIS = ['docker', ...(existsSync(CLI20) || process.env.CI === 'true' ? [CLI20] : [])];
let pki: TestPki;
let gw: TestGateway;

const GUARDS = (links: boolean) =>
  `guards: { privileged: false, binds: false, hostNamespaces: false, volumesFrom: false, links: ${links}, capabilities: false, devices: false, ` +
  'securityOptions: false, maskedPaths: false, sysctls: false, cgroupParent: false, runtimes: false, logDrivers: { allow: [json-file, local] }, ' +
  'volumeDrivers: false, publishedPorts: { allow: ["0"] }, execRoot: false, psArgs: false }';
// The report's CI identity: only its `ci-*` containers, narrowed by path globs as docs/policy.md suggests.
// dave's rule permits links (an operator's choice) so that the link names can be tried; erin's refuses them.
const ALLOW = '[SystemPing, SystemVersion, SystemInfo, ImageInspect, ContainerCreate, ContainerList, "* /containers/ci-*/**", "DELETE /containers/ci-*", ExecStart, ExecInspect]';
const POLICY = `version: 1
rules:
  - name: ops
    who: { groups: [ops] }
    allow: all
  - name: ci-bot
    who: { users: [dave] }
    allow: ${ALLOW}
    ${GUARDS(true)}
  - name: ci-bot-no-links
    who: { users: [erin] }
    allow: ${ALLOW}
    ${GUARDS(false)}
  - name: ci-bot-nothing-else
    who: { users: [dave, erin] }
    deny: all
`;

beforeAll(async () => {
  pki = await makePki({ dave: ['ci'], erin: ['ci'], root1: ['ops'] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, POLICY);
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  for (const args of [
    ['run', '-d', '--label', LABEL, '--name', 'dgt-ln-prod', '-e', 'DB_PASSWORD=hunter2', 'busybox', 'sleep', '600'],
    ['exec', 'dgt-ln-prod', 'sh', '-c', 'echo secret-of-prod > /secret.txt'],
    ['network', 'create', '--label', LABEL, NET],
    ['run', '-d', '--label', LABEL, '--name', 'dgt-ln-peer', '--network', NET, '-e', 'DB_PASSWORD=hunter2', 'busybox', 'sleep', '600'],
  ]) {
    const r = await dockerDirect(socket, args);
    expect(r.code, r.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, `label=${LABEL}`);
  for (const name of ['ci-ln-x', 'ci-ln-e', 'ci-ln-e2', 'ci-ln-rm', 'ci-ln-u0', 'ci-ln-u1']) await dockerDirect(socket, ['rm', '-f', name]);
  await dockerDirect(socket, ['network', 'rm', NET]);
  await gw?.stop();
});

const as = (who: string, args: string[], cli = 'docker') => docker(pki.bundle(who), gw.port, args, { cli });
const prodId = async () => (await dockerDirect(socket, ['inspect', '-f', '{{.Id}}', 'dgt-ln-prod'])).stdout.trim();

/** The gateway's records of refusals for a link name, as the audit log has them. */
function linkNameRecords(): Record<string, unknown>[] {
  return gw
    .stdout()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter((x) => typeof x.reason === 'string' && x.reason.startsWith('link-name:'));
}

describe('F2: a link name never reaches the linked container through a path glob', () => {
  beforeAll(async () => {
    const r = await as('dave', ['create', '--name', 'ci-ln-x', '--label', LABEL, '--link', 'dgt-ln-prod:db', 'busybox', 'true']);
    expect(r.code, r.stderr).toBe(0);
  });

  it.each(CLIS)('%s: exec, cp and rm -f through ci-ln-x/db are refused with the reason, and prod is untouched', async (cli) => {
    const exec = await as('dave', ['exec', 'ci-ln-x/db', 'id'], cli);
    expect(exec.code).not.toBe(0);
    expect(exec.stdout).not.toContain('uid=0');
    expect(exec.stderr).toContain('container name "ci-ln-x/db" is a legacy link\'s name');
    const cp = await as('dave', ['cp', 'ci-ln-x/db:/secret.txt', '-'], cli);
    expect(cp.code).not.toBe(0);
    expect(cp.stdout).not.toContain('secret-of-prod');
    expect(cp.stderr).toContain('legacy link\'s name');
    const rm = await as('dave', ['rm', '-f', 'ci-ln-x/db'], cli);
    expect(rm.code).not.toBe(0);
    expect(rm.stderr).toContain('legacy link\'s name');
    expect(await prodId()).toMatch(/^[0-9a-f]{64}$/);
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.State.Running}}', 'dgt-ln-prod'])).stdout.trim()).toBe('true');
  });

  it('the escaped spelling (ci-ln-x%2Fdb) is refused too, and every refusal is recorded with the link named', async () => {
    const b = pki.bundle('dave');
    const r = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), `https://127.0.0.1:${gw.port}/v1.41/containers/ci-ln-x%2Fdb/json`]);
    const cut = r.stdout.lastIndexOf('\n');
    const [body, status] = [r.stdout.slice(0, cut), r.stdout.slice(cut + 1)];
    expect(status).toBe('400');
    expect(body).toContain('legacy link');
    expect(body).not.toContain(await prodId());
    await until(() => linkNameRecords().some((x) => String(x.path).includes('/containers/ci-ln-x%2Fdb/json')), 10_000);
    const records = linkNameRecords();
    expect(records.length).toBeGreaterThanOrEqual(4);
    for (const x of records) {
      expect(x).toMatchObject({ decision: 'malformed', status: 400 });
      expect((x.identity as { cn?: string }).cn).toBe('dave');
      expect(x.reason).toContain('"ci-ln-x/db"');
    }
    expect(records.map((x) => `${String(x.method)} ${String(x.path)}`)).toEqual(
      expect.arrayContaining(['GET /v1.41/containers/ci-ln-x/db/json', 'GET /v1.41/containers/ci-ln-x/db/archive', 'DELETE /v1.41/containers/ci-ln-x/db', 'GET /v1.41/containers/ci-ln-x%2Fdb/json']),
    );
  });

  it('docker rm --link still removes the link with both CLIs, and leaves the linked container', async () => {
    const links = ['db', ...CLIS.map((_, i) => `l${i}`)];
    const create = await as('dave', ['create', '--name', 'ci-ln-rm', '--label', LABEL, ...links.flatMap((l) => ['--link', `dgt-ln-prod:${l}`]), 'busybox', 'true']);
    expect(create.code, create.stderr).toBe(0);
    const linked = async () => (await dockerDirect(socket, ['inspect', '-f', '{{json .HostConfig.Links}}', 'ci-ln-rm'])).stdout.trim();
    for (const [i, cli] of CLIS.entries()) {
      // docker 28 with the leading slash, as `docker inspect` shows link names.
      const r = await as('dave', ['rm', '--link', i === 0 ? `/ci-ln-rm/l${i}` : `ci-ln-rm/l${i}`], cli);
      expect(r.code, r.stderr).toBe(0);
      expect(await linked()).not.toContain(`/ci-ln-rm/l${i}`);
    }
    expect(await linked()).toContain('/ci-ln-rm/db');
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.State.Running}}', 'dgt-ln-prod'])).stdout.trim()).toBe('true');
  });
});

describe('F2b: links: false refuses a link, which would copy the linked container\'s Env', () => {
  it.each(CLIS.map((cli, i) => [cli, `ci-ln-e${i === 0 ? '' : '2'}`]))('%s: run --link prod:db is refused under links: false, nothing created', async (cli, name) => {
    const r = await as('erin', ['run', '-d', '--name', name, '--label', LABEL, '--link', 'dgt-ln-prod:db', 'busybox', 'sh', '-c', 'env; sleep 60'], cli);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('HostConfig.Links ["dgt-ln-prod:db"] is not allowed');
    expect((await dockerDirect(socket, ['ps', '-aq', '--filter', `name=^/${name}$`])).stdout.trim()).toBe('');
    const plain = await as('erin', ['create', '--name', `${name}-plain`, '--label', LABEL, 'busybox', 'true'], cli);
    expect(plain.code, plain.stderr).toBe(0);
  });

  // On a user-defined network dockerd makes a link a DNS alias only (docker-compose v1 `run` puts
  // such links on its one-off containers): no Env copied, no second name, so links: false lets it be.
  it.each(CLIS.map((cli, i) => [cli, `ci-ln-u${i}`]))('%s: run --network <user-defined> --link is allowed under links: false, and copies nothing', async (cli, name) => {
    // Created, started and waited for by name through the gateway (`docker run`, `start -a` and
    // `logs` go by ID, which erin's path globs do not allow); its output read on the socket.
    for (const args of [['create', '--name', name, '--label', LABEL, '--network', NET, '--link', 'dgt-ln-peer:db', 'busybox', 'sh', '-c', 'env; echo env-listed'], ['start', name], ['wait', name]]) {
      const step = await as('erin', args, cli);
      expect(step.code, step.stderr).toBe(0);
    }
    const r = await dockerDirect(socket, ['logs', name]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('env-listed');
    expect(r.stdout).not.toContain('hunter2');
    expect(r.stdout).not.toContain('DB_ENV_');
    // A legacy link would list `/<name>/db` among the peer's names (containers/json shows every name).
    const list = await run('curl', ['-s', '--unix-socket', socket, 'http://docker/containers/json?all=1&filters=' + encodeURIComponent(JSON.stringify({ name: ['dgt-ln-peer'] }))]);
    expect(list.stdout).toContain('"/dgt-ln-peer"');
    expect(list.stdout).not.toContain(`/${name}/db`);
  });
});
