/**
 * Tenancy end to end, imports from a URL and pulls into others' repositories (the revten
 * review), with a stand-in registry on loopback serving busybox (support/registry.ts) and the
 * tenants of support/tenancy-suite.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { dockerDirect, run, tlsArgs } from './support/gateway.js';
import { startBusyboxRegistry, type TestRegistry } from './support/registry.js';
import { scratchDir } from './support/scratch.js';
import { tenancySuite } from './support/tenancy-suite.js';

const socket = inject('dockerSocket');
const ten = tenancySuite(['alice', 'bob', 'carol', 'root']);
const { as } = ten;

describe('imports from a URL and pulls into others\' repositories (found by the revten review), with a stand-in registry on loopback', () => {
  let reg: TestRegistry;
  beforeAll(async () => {
    reg = await startBusyboxRegistry(socket);
  }, 60_000);
  afterAll(async () => {
    await reg?.close();
  });

  it('a tenant\'s import from a URL is refused before dockerd fetches anything (its download cannot be cancelled, and held the tag); an admin\'s goes through', async () => {
    const url = `http://${reg.host}/rootfs.tar`;
    const refused = await as('alice', ['import', url, 'ten-url-imp:1']);
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain('denied ImageCreate for alice: an import from a URL (fromSrc other than "-") is refused: dockerd downloads it with no way to cancel it');
    expect(reg.requests).not.toContain('GET /rootfs.tar');
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-url-imp:1'])).code).not.toBe(0);
    const admin = await as('root', ['import', url, 'ten-url-imp:2']);
    expect(admin.stderr).toBe('');
    expect(admin.code).toBe(0);
    expect(reg.requests).toContain('GET /rootfs.tar');
    await dockerDirect(socket, ['rmi', '-f', 'ten-url-imp:2']);
  });

  it('a pull may not add a tag to another tenant\'s repository (it left carol unable to save, tag into or clean her repository); pulls into new or own repositories work', async () => {
    const carolapp = `${reg.host}/ten-carolapp`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${carolapp}:v1`])).code).toBe(0);
      const planted = await as('alice', ['pull', `${carolapp}:zz`]);
      expect(planted.code).not.toBe(0);
      expect(planted.stderr).toContain(`tag "${carolapp}:zz" would join a repository that holds another tenant's image (${carolapp}:v1): a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${carolapp}:zz`])).code).not.toBe(0);
      const saved = await as('carol', ['save', '-o', join(scratchDir('ten-pullsave-'), 'repo.tar'), carolapp]);
      expect(saved.stderr).toBe('');
      expect(saved.code).toBe(0);
      // The registry answers: a pull into a new repository works, carol's into her own too (f6b439b refused it).
      const own = await as('alice', ['pull', `${reg.host}/ten-aliceapp:1`]);
      expect(own.code, own.stderr).toBe(0);
      const carols = await as('carol', ['pull', `${carolapp}:v2`]);
      expect(carols.code, carols.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${carolapp}:v1`, `${carolapp}:v2`, `${carolapp}:zz`, `${reg.host}/ten-aliceapp:1`]);
    }
  });

  it('a pull by digest into another tenant\'s repository is refused too; a digest pull into a new repository works', async () => {
    const carolapp = `${reg.host}/ten-caroldig`;
    const fresh = `${reg.host}/ten-alicedig`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${carolapp}:v1`])).code).toBe(0);
      const planted = await as('alice', ['pull', `${carolapp}@${reg.digest}`]);
      expect(planted.code).not.toBe(0);
      expect(planted.stderr).toContain(`reference "${carolapp}@${reg.digest}" would join a repository that holds another tenant's image (${carolapp}:v1): a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${carolapp}@${reg.digest}`])).code).not.toBe(0);
      const saved = await as('carol', ['save', '-o', join(scratchDir('ten-digestsave-'), 'repo.tar'), carolapp]);
      expect(saved.stderr).toBe('');
      expect(saved.code).toBe(0);
      const digest = await as('alice', ['pull', `${fresh}@${reg.digest}`]);
      expect(digest.code, digest.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${carolapp}:v1`, `${carolapp}@${reg.digest}`, `${fresh}@${reg.digest}`]);
    }
  });

  const classicBuild = (who: string, tag: string, dockerfile: string) => {
    const dir = scratchDir('ten-repoown-');
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    return run('docker', [...tlsArgs(ten.pki.bundle(who), ten.gw.port), 'build', '--network', 'none', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
  };

  it('a team pulls its own pushed images back, every tag: they keep their owner labels through a registry, and f6b439b refused every pull after the first', async () => {
    const webapp = `${reg.host}/ten-webapp`;
    try {
      const built = await classicBuild('alice', `${webapp}:1`, 'FROM busybox\nRUN echo web > /web\n');
      expect(built.code, built.stderr).toBe(0);
      const digest = await reg.serve('ten-webapp', `${webapp}:1`);
      expect((await dockerDirect(socket, ['rmi', `${webapp}:1`])).code).toBe(0);
      const first = await as('bob', ['pull', `${webapp}:1`]);
      expect(first.code, first.stderr).toBe(0);
      const labels = await dockerDirect(socket, ['image', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}/{{index .Config.Labels "dockgate.team"}}', `${webapp}:1`]);
      expect(labels.stdout.trim()).toBe('alice/web');
      for (const [who, ref] of [['bob', `${webapp}:2`], ['alice', `${webapp}:1`], ['alice', `${webapp}@${digest}`]] as const) {
        const r = await as(who, ['pull', ref]);
        expect(r.code, `${who} pull ${ref}: ${r.stderr}`).toBe(0);
      }
      const saved = await as('bob', ['save', '-o', join(scratchDir('ten-webappsave-'), 'repo.tar'), webapp]);
      expect(saved.code, saved.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${webapp}:1`, `${webapp}:2`]);
    }
  });

  it('in one\'s own repository a pulled (unowned) tag may be pulled, built over and removed with rmi, not rmi -f; a bare save says how to go on', async () => {
    const aliceown = `${reg.host}/ten-aliceown`;
    try {
      expect((await as('alice', ['commit', 'ten-a1', `${aliceown}:1`])).code).toBe(0);
      for (const [who, ref] of [['alice', `${aliceown}:2`], ['alice', `${aliceown}:3`], ['bob', `${aliceown}@${reg.digest}`]] as const) {
        const r = await as(who, ['pull', ref]);
        expect(r.code, `${who} pull ${ref}: ${r.stderr}`).toBe(0);
      }
      // compose's `up --build` after a pull: the build re-points the pulled tag.
      const built = await classicBuild('alice', `${aliceown}:2`, 'FROM busybox\nRUN echo own > /own\n');
      expect(built.code, built.stderr).toBe(0);
      const owner = await dockerDirect(socket, ['image', 'inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}', `${aliceown}:2`]);
      expect(owner.stdout.trim()).toBe('alice');
      const save = await as('alice', ['save', '-o', join(scratchDir('ten-ownsave-'), 'repo.tar'), aliceown]);
      expect(save.code).not.toBe(0);
      expect(save.stderr).toContain(`has no owner: tenants may use it, not export or push it (${aliceown} stands for every tag of the repository): save or push your tags by name, or remove the tags without an owner from your repository (rmi without -f)`);
      const forced = await as('alice', ['rmi', '-f', `${aliceown}:3`]);
      expect(forced.code).not.toBe(0);
      expect(forced.stderr).toContain(`denied ImageDelete for alice: image "${aliceown}:3" has no owner: remove it from your repository without -f (force would also delete an image other tenants' containers use)`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${aliceown}:3`])).code).toBe(0);
      const removed = await as('alice', ['rmi', `${aliceown}:3`]);
      expect(removed.code, removed.stderr).toBe(0);
      // busybox, the same image, stays.
      expect((await dockerDirect(socket, ['image', 'inspect', 'busybox:latest'])).code).toBe(0);
      const left = await dockerDirect(socket, ['image', 'ls', '--digests', '--format', '{{.Repository}}:{{.Tag}} {{.Digest}}', aliceown]);
      expect(left.stdout.trim().split('\n').sort()).toEqual([`${aliceown}:1 <none>`, `${aliceown}:2 <none>`]);
      const saved = await as('alice', ['save', '-o', join(scratchDir('ten-ownsave-'), 'repo.tar'), aliceown]);
      expect(saved.code, saved.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${aliceown}:1`, `${aliceown}:2`, `${aliceown}:3`]);
    }
  });

  it('a tag the classic builder\'s FROM pull put into another team\'s repository (unchecked) can be removed by that team with rmi, after which its save works again', async () => {
    const cdig = `${reg.host}/ten-cfrom`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${cdig}:v1`])).code).toBe(0);
      const built = await classicBuild('alice', 'ten-from-a:1', `FROM ${cdig}:v9\nRUN echo a > /a\n`);
      expect(built.code, built.stderr).toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', `${cdig}:v9`])).code).toBe(0);
      const blocked = await as('carol', ['save', '-o', join(scratchDir('ten-fromsave-'), 'repo.tar'), cdig]);
      expect(blocked.stderr).toContain(`(${cdig} stands for every tag of the repository): save or push your tags by name, or remove the tags without an owner from your repository (rmi without -f)`);
      const removed = await as('carol', ['rmi', `${cdig}:v9`]);
      expect(removed.code, removed.stderr).toBe(0);
      const saved = await as('carol', ['save', '-o', join(scratchDir('ten-fromsave-'), 'repo.tar'), cdig]);
      expect(saved.code, saved.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${cdig}:v1`, `${cdig}:v9`, 'ten-from-a:1']);
    }
  });

  // revown: a tenant who wrote first into a repository name re-pointed and removed the admin's
  // pulls into it (rules 2 and 4 of the caller's repository): an admin's image without an
  // owner may not go into a tenant's repository.
  it('an admin\'s pull into a repository a tenant wrote first is refused (there the tenant could re-point or remove it); into a new one it works', async () => {
    const shared = `${reg.host}/ten-shared`;
    try {
      expect((await as('carol', ['commit', 'ten-c1', `${shared}:carol`])).code).toBe(0);
      const admin = await as('root', ['pull', `${shared}:1`]);
      expect(admin.code).not.toBe(0);
      expect(admin.stderr).toContain(`denied ImageCreate for root: ImageCreate would put an image without an owner into repository "${shared}", which holds a tenant's image (${shared}:carol): there that tenant's team could re-point and remove it; write it under another repository name, or remove the tenant's images from the repository first`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${shared}:1`])).code).not.toBe(0);
      const fresh = await as('root', ['pull', `${reg.host}/ten-shared-admin:1`]);
      expect(fresh.code, fresh.stderr).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${shared}:carol`, `${shared}:1`, `${reg.host}/ten-shared-admin:1`]);
    }
  });

  // revlast: the other direction: an admin's tag of a team's image into the shared repository
  // it pre-pulled made that repository, and its shared tags, the team's.
  it('an admin\'s tag of a team\'s image into a repository of pulled images is refused', async () => {
    const shared = `${reg.host}/ten-adminpre`;
    try {
      const pulled = await as('root', ['pull', `${shared}:1`]);
      expect(pulled.code, pulled.stderr).toBe(0);
      expect((await as('alice', ['commit', 'ten-a1', 'ten-adminpre-a:1'])).code).toBe(0);
      const tagged = await as('root', ['tag', 'ten-adminpre-a:1', `${shared}:web`]);
      expect(tagged.code).not.toBe(0);
      expect(tagged.stderr).toContain(`denied ImageTag for root: ImageTag would put an image of team "web" into repository "${shared}", which holds an image without an owner (${shared}:1) and none of that team's: the repository would become theirs, and its tags without an owner theirs to re-point and remove; write it under another repository name`);
      expect((await dockerDirect(socket, ['image', 'inspect', `${shared}:web`])).code).not.toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${shared}:1`, `${shared}:web`, 'ten-adminpre-a:1']);
    }
  });

  // revfinal: an admin's build FROM a team's image inherited its owner labels, so the check
  // (which reads only --label) took an image of team web for one without an owner.
  it('an admin\'s build naming no owner gets empty owner labels, whatever its base image carries', async () => {
    try {
      expect((await as('alice', ['commit', 'ten-a1', 'ten-adminbase-a:1'])).code).toBe(0);
      const built = await classicBuild('root', 'ten-adminbuilt:1', 'FROM ten-adminbase-a:1\nRUN echo admin > /admin\n');
      expect(built.code, built.stderr).toBe(0);
      const owner = await dockerDirect(socket, ['image', 'inspect', '--format', '{{printf "%q" (index .Config.Labels "dockgate.owner")}}/{{printf "%q" (index .Config.Labels "dockgate.team")}}', 'ten-adminbuilt:1']);
      expect(owner.stdout.trim()).toBe('""/""');
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'ten-adminbuilt:1', 'ten-adminbase-a:1']);
    }
  });

  it('a repository of pulled images only takes no tag with an owner (no tenant may claim a public repository); a pull over its tag is an admin\'s', async () => {
    const pub = `${reg.host}/ten-pubonly`;
    try {
      const pulled = await as('alice', ['pull', `${pub}:1`]);
      expect(pulled.code, pulled.stderr).toBe(0);
      const committed = await as('alice', ['commit', 'ten-a1', `${pub}:2`]);
      expect(committed.code).not.toBe(0);
      expect(committed.stderr).toContain(`tag "${pub}:2" would join a repository that holds an image that has no owner (${pub}:1): a repository of images without an owner only takes no tags with an owner: tag into a repository of your own`);
      const refresh = await as('bob', ['pull', `${pub}:1`]);
      expect(refresh.code).not.toBe(0);
      expect(refresh.stderr).toContain(`tag "${pub}:1" names an image that has no owner, outside a repository of yours; refreshing shared images is an admin's job: ask a tenancy admin to pull it`);
      const removed = await as('alice', ['rmi', `${pub}:1`]);
      expect(removed.code).not.toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', `${pub}:2`])).code).not.toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', `${pub}:1`, `${pub}:2`]);
    }
  });
});
