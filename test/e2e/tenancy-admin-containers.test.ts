/**
 * Containers the gateway's ownership proof (`dockgate.created`, container-seal.ts) must not hand
 * to a tenant, and lists and quotas that must count only what is theirs (rev-seal2):
 * - F1: an admin's `docker run` of alice's image, without labels, became alice's and team web's
 *   (dockerd copies the image's owner labels under the container's): her `docker ps` listed it
 *   and her `docker exec` ran as root in it, host bind included;
 * - F4: `docker create --entrypoint echo` of an image whose Cmd holds the builder's mark was
 *   refused, though dockerd does not copy that Cmd;
 * - F5: `docker ps -l` came out empty when the newest container alice's team label selects is
 *   no one's;
 * - F3: stopped containers whose image was removed dropped out of the `containers` quota once the
 *   gateway restarted;
 * - rev-fix-seal N1: `docker run busybox sh -c 'sleep 1000' '#(nop)' x` was created, and the
 *   list's `Command` (arguments joined by spaces) holds the mark: out of every quota.
 * Real dockerd 20.10, both docker CLIs, TLS.
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, DOCKER_CLIS, dockerDirect, makePki, removeContainers, type RunResult, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { guidePolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
let policyFile: string;
let hostDir: string;

/** The guide's example policy, with carol allowed 2 containers. */
function policy(): string {
  return guidePolicy(['alice: { containers: 20 }', 'alice: { containers: 20 }\n      carol: { containers: 2 }']);
}

const env = (): NodeJS.ProcessEnv => ({ ...process.env, DOCKER_BUILDKIT: '0' });
const as = (who: string, args: string[], cli?: string): Promise<RunResult> => docker(pki.bundle(who), gw.port, args, { env: env(), cli, timeoutMs: 120_000 });
const labelsOn = async (name: string): Promise<Record<string, string>> => JSON.parse((await dockerDirect(socket, ['inspect', '--format', '{{json .Config.Labels}}', name])).stdout) as Record<string, string>;

async function build(who: string, tag: string, marker: string): Promise<void> {
  const dir = scratchDir('admin-ctr-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), `FROM busybox:latest\nRUN echo ${marker} > /marker\n`);
  const r = await as(who, ['build', '-q', '--network', 'none', '-t', tag, dir]);
  expect(r.code, r.stderr).toBe(0);
}

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], bob: ['web'], carol: ['data'], ops: ['ops'] });
  policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, policy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  hostDir = scratchDir('admin-host-');
  mkdirSync(hostDir, { recursive: true });
  writeFileSync(join(hostDir, 'hostfile'), 'secret\n');
  await build('alice', 'adm-alice:1', 'alice');
  expect(await (async () => JSON.parse((await dockerDirect(socket, ['image', 'inspect', '--format', '{{json .Config.Labels}}', 'adm-alice:1'])).stdout) as unknown)()).toEqual({ 'dockgate.owner': 'alice', 'dockgate.team': 'web' });
}, 240_000);

afterAll(async () => {
  await removeContainers(socket, 'label=dockgate.created');
  await dockerDirect(socket, ['rmi', '-f', 'adm-alice:1', 'adm-mark:1', 'adm-carol:1']);
  await gw?.stop();
}, 120_000);

describe("an admin's container of a tenant's image is not the tenant's (F1)", () => {
  it.each(DOCKER_CLIS)("ops' docker run (CLI %s) of alice's image with a host bind: no one's, alice and bob cannot list or exec into it", async (v, cli) => {
    const name = `opsdebug-${v}`;
    const r = await as('ops', ['run', '-d', '--name', name, '-v', `${hostDir}:/host`, 'adm-alice:1', 'sleep', '600'], cli);
    expect(r.code, r.stderr).toBe(0);
    const labels = await labelsOn(name);
    expect(labels).toMatchObject({ 'dockgate.owner': '', 'dockgate.team': '' });
    expect(labels['dockgate.created']).toMatch(/^[0-9a-f]{32}$/);
    for (const who of ['alice', 'bob']) {
      const ps = await as(who, ['ps', '-a', '--format', '{{.Names}}'], cli);
      expect(ps.code, ps.stderr).toBe(0);
      expect(ps.stdout.split('\n')).not.toContain(name);
      const ex = await as(who, ['exec', name, 'cat', '/host/hostfile'], cli);
      expect(ex.code).not.toBe(0);
      expect(ex.stderr).toContain(`container "${name}" has no owner`);
      expect(ex.stdout).not.toContain('secret');
    }
    const steal = await as('alice', ['run', '-d', '--name', `steal-${v}`, '--volumes-from', name, 'busybox', 'sleep', '600'], cli);
    expect(steal.code).not.toBe(0);
    expect(steal.stderr).toContain('has no owner');
  });

  it("ops' docker run for alice (--label dockgate.owner=alice) of carol's team's image: alice's, with no team", async () => {
    await build('carol', 'adm-carol:1', 'carol');
    const r = await as('ops', ['run', '-d', '--name', 'foralice', '--label', 'dockgate.owner=alice', 'adm-carol:1', 'sleep', '600']);
    expect(r.code, r.stderr).toBe(0);
    expect(await labelsOn('foralice')).toMatchObject({ 'dockgate.owner': 'alice', 'dockgate.team': '' });
    expect((await as('alice', ['exec', 'foralice', 'true'])).code).toBe(0);
    const carol = await as('carol', ['exec', 'foralice', 'true']);
    expect(carol.stderr).toContain('belongs to another tenant');
    const bob = await as('bob', ['exec', 'foralice', 'true']);
    expect(bob.stderr).toContain('belongs to another tenant');
    await dockerDirect(socket, ['rm', '-f', 'foralice']);
  });
});

describe("the builder-mark check counts only the image's command dockerd copies (F4)", () => {
  beforeAll(async () => {
    expect((await as('alice', ['create', '--name', 'mk0', 'busybox', 'true'])).code).toBe(0);
    const c = await as('alice', ['commit', '-c', 'CMD ["/bin/sh","-c","#(nop) x"]', 'mk0', 'adm-mark:1']);
    expect(c.code, c.stderr).toBe(0);
  });

  it.each(DOCKER_CLIS)('docker create --entrypoint echo (CLI %s) of the marked image is created, without its Cmd', async (v, cli) => {
    const r = await as('alice', ['create', '--name', `mk-ep-${v}`, '--entrypoint', 'echo', 'adm-mark:1'], cli);
    expect(r.code, r.stderr).toBe(0);
    const cmd = await dockerDirect(socket, ['inspect', '--format', '{{json .Config.Cmd}} {{json .Config.Entrypoint}}', `mk-ep-${v}`]);
    expect(cmd.stdout.trim()).toBe('null ["echo"]');
  });

  it.each(DOCKER_CLIS)('docker run with the mark split over two arguments (CLI %s) is refused: the list would show it, and the container would drop out of her quotas (rev-fix-seal N1)', async (v, cli) => {
    const r = await as('alice', ['run', '-d', '--name', `mk-split-${v}`, 'busybox', 'sh', '-c', 'sleep 1000', '#(nop)', 'x'], cli);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("as dockerd's container list shows it");
    expect((await dockerDirect(socket, ['ps', '-aq', '--filter', `name=^mk-split-${v}$`])).stdout.trim()).toBe('');
  });

  it('docker create of the marked image with no command is still refused', async () => {
    const r = await as('alice', ['create', 'adm-mark:1']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('#(nop)');
  });
});

describe('docker ps -l / -n count only what alice may see (F5)', () => {
  it.each(DOCKER_CLIS)('with a newer container labelled for her that the gateway did not make (CLI %s)', async (v, cli) => {
    expect((await as('alice', ['create', '--name', `alice-newest-${v}`, 'busybox', 'true'], cli)).code).toBe(0);
    // Made on the socket, as before the upgrade: her labels, no proof. The newest.
    const plant = await dockerDirect(socket, ['create', '--name', `preupgrade-${v}`, '--label', 'dockgate.owner=alice', '--label', 'dockgate.team=web', 'busybox', 'true']);
    expect(plant.code, plant.stderr).toBe(0);
    for (const args of [['ps', '-l'], ['ps', '-n', '1'], ['ps', '-a', '-n', '1']]) {
      const ps = await as('alice', [...args, '--format', '{{.Names}}'], cli);
      expect(ps.code, ps.stderr).toBe(0);
      expect(ps.stdout.trim(), args.join(' ')).toBe(`alice-newest-${v}`);
    }
    const two = await as('alice', ['ps', '-n', '2', '--format', '{{.Names}}'], cli);
    expect(two.stdout.trim().split('\n')).toHaveLength(2);
    expect(two.stdout).not.toContain('preupgrade');
  });
});

describe("removing the image of one's stopped containers frees no quota (F3)", () => {
  it('carol at her quota of 2, image removed, gateway restarted: a third create is still refused until she prunes', async () => {
    await build('carol', 'adm-carol:2', 'carol2');
    for (const n of ['q1', 'q2']) expect((await as('carol', ['create', '--name', n, 'adm-carol:2', 'true'])).code).toBe(0);
    const over = await as('carol', ['create', 'busybox', 'true']);
    expect(over.stderr).toContain('container quota reached (2 of 2)');
    expect((await as('carol', ['rmi', '-f', 'adm-carol:2'])).code).toBe(0);
    expect((await dockerDirect(socket, ['ps', '-a', '--filter', 'name=^q[12]$', '--format', '{{.Names}}'])).stdout.split('\n').filter(Boolean)).toHaveLength(2);
    // A fresh gateway has never seen the image's labels.
    await gw.stop();
    gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
    const still = await as('carol', ['create', 'busybox', 'true']);
    expect(still.code).not.toBe(0);
    expect(still.stderr).toContain('container quota reached (2 of 2)');
    // They have no owner now (docker rm is refused), but her prune selects them by label.
    expect((await as('carol', ['rm', 'q1'])).stderr).toContain('has no owner');
    const prune = await as('carol', ['container', 'prune', '-f']);
    expect(prune.code, prune.stderr).toBe(0);
    expect((await as('carol', ['create', '--name', 'q3', 'busybox', 'true'])).code).toBe(0);
  });
});
