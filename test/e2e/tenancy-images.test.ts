/**
 * Tenancy end to end, images and builds: committed and built images belong to their owner and
 * team (no running, tagging over, repository joining or pruning of another's), image lists and
 * system df show nothing of other tenants' images, and classic and BuildKit builds get the
 * owner labels and limits, on the real daemon with the real docker CLI (support/tenancy-suite.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, run, startGateway, tlsArgs } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';
import { everyonePolicy } from './support/sharing-guide.js';
import { TENANCY_POLICY, tenancySuite } from './support/tenancy-suite.js';

const socket = inject('dockerSocket');
const ten = tenancySuite(['alice', 'bob', 'carol', 'root', 'jack']);
const { as, api, classicBuild } = ten;

/** alice's own committed image `ten-img-a`. */
beforeAll(async () => {
  const c = await as('alice', ['commit', 'ten-a1', 'ten-img-a']);
  expect(c.stderr).toBe('');
  expect(c.code).toBe(0);
});

describe('prune, limits, labels', () => {
  it('images built through the gateway are owned: others may not remove or tag over them', async () => {
    const dir = scratchDir('ten-build-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo built > /built\n');
    const built = await run('docker', [...tlsArgs(ten.pki.bundle('alice'), ten.gw.port), 'build', '-t', 'ten-built-a', dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
    expect(built.code, built.stderr).toBe(0);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-built-a']);
    expect(owner.stdout.trim()).toBe('alice');
    const rmi = await as('carol', ['rmi', 'ten-built-a']);
    expect(rmi.code).not.toBe(0);
    const tag = await as('carol', ['tag', 'busybox', 'ten-built-a']);
    expect(tag.code).not.toBe(0);
    const still = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-built-a']);
    expect(still.stdout.trim()).toBe('alice');
  });
});

describe('review fixes, on the real daemon', () => {
  it('#5 commit changes cannot swallow the owner LABEL; plain changes still work', async () => {
    const swallow = await api('alice', 'POST', `/commit?container=ten-a1&repo=ten-spoof&tag=1&changes=${encodeURIComponent('ENV swallow \\')}`);
    expect(swallow.status).toBe(403);
    const quoted = await api('alice', 'POST', `/commit?container=ten-a1&repo=ten-spoof&tag=1&changes=${encodeURIComponent('LABEL "dock"gate.owner=carol')}`);
    expect(quoted.status).toBe(403);
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-spoof:1'])).code).not.toBe(0);
    const c = await as('alice', ['commit', '--change', 'ENV a=b', 'ten-a1', 'ten-img-chg']);
    expect(c.stderr).toBe('');
    const img = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}} {{.Config.Env}}', 'ten-img-chg']);
    expect(img.stdout).toContain('alice');
    expect(img.stdout).toContain('a=b');
  });

  it('#1 #3 #4 another tenant\'s image can be neither run nor tagged over by commit or tag', async () => {
    expect((await as('carol', ['commit', 'ten-c1', 'ten-img-c'])).code).toBe(0);
    const runIt = await as('alice', ['run', '--rm', 'ten-img-c', 'true']);
    expect(runIt.stderr).toContain('image "ten-img-c" belongs to another tenant');
    const commit = await as('alice', ['commit', 'ten-a1', 'ten-img-c']);
    expect(commit.stderr).toContain('belongs to another tenant');
    const tag = await api('alice', 'POST', '/images/ten-img-a/tag?repo=ten-img-c:latest');
    expect(tag.status).toBe(403);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-img-c']);
    expect(owner.stdout.trim()).toBe('carol');
  });

  it('a tenant may not add a tag to another tenant\'s repository (it broke the owner\'s docker save of the repository); a teammate may', async () => {
    expect((await as('alice', ['commit', 'ten-a1', 'ten-repo-a:1'])).code).toBe(0);
    expect((await as('carol', ['commit', 'ten-c1', 'ten-repo-c'])).code).toBe(0);
    const planted = await as('carol', ['tag', 'ten-repo-c', 'ten-repo-a:zz']);
    expect(planted.code).not.toBe(0);
    expect(planted.stderr).toContain('would join a repository that holds another tenant\'s image (ten-repo-a:1)');
    const committed = await as('carol', ['commit', 'ten-c1', 'ten-repo-a:zz']);
    expect(committed.stderr).toContain('would join a repository');
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-repo-a:zz'])).code).not.toBe(0);
    expect((await as('bob', ['tag', 'ten-repo-a:1', 'ten-repo-a:bob'])).code).toBe(0);
    const saved = await as('alice', ['save', '-o', join(scratchDir('ten-save-'), 'repo.tar'), 'ten-repo-a']);
    expect(saved.stderr).toBe('');
    expect(saved.code).toBe(0);
  });

  it('system df counts, per image, only the containers the caller may see', async () => {
    const df = await api('carol', 'GET', '/system/df');
    expect(df.status).toBe(200);
    const containers = df.json.Containers as { ImageID: string }[];
    const images = df.json.Images as { Id: string; Containers: number }[];
    const busyboxId = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'busybox'])).stdout.trim();
    const seen = images.find((i) => i.Id === busyboxId);
    expect(seen?.Containers).toBe(containers.filter((c) => c.ImageID === busyboxId).length);
    const all = (await dockerDirect(socket, ['ps', '-aq', '--filter', 'ancestor=busybox'])).stdout.split('\n').filter(Boolean).length;
    expect(seen?.Containers).toBeLessThan(all);
  });

  it('system df answers each image\'s SharedSize as not computed: on the daemon it showed carol that alice built on her image', async () => {
    const sharedOnDaemon = async (id: string) => {
      const direct = await run('curl', ['-s', '--unix-socket', socket, 'http://localhost/v1.41/system/df']);
      const image = (JSON.parse(direct.stdout) as { Images: { Id: string; Size: number; SharedSize: number }[] }).Images.find((i) => i.Id === id);
      return { size: image?.Size ?? -2, shared: image?.SharedSize ?? -2 };
    };
    // carol's own image, with a layer of its own (a file written in the container she commits).
    expect((await as('carol', ['run', '--name', 'ten-df-src', 'busybox', 'sh', '-c', 'head -c 100000 /dev/urandom > /f'])).code).toBe(0);
    expect((await as('carol', ['commit', 'ten-df-src', 'ten-df-c'])).code).toBe(0);
    const carolImage = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'ten-df-c'])).stdout.trim();
    const before = await sharedOnDaemon(carolImage);
    expect(before.shared).toBeLessThan(before.size);
    // alice builds FROM it by ID (docs/sharing.md, Known limits): every layer of carol's is now shared.
    const dir = scratchDir('ten-df-');
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${carolImage}\nLABEL x=1\n`);
    const built = await run('docker', [...tlsArgs(ten.pki.bundle('alice'), ten.gw.port), 'build', '-q', '-t', 'ten-df-a', dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
    expect(built.code, built.stderr).toBe(0);
    const after = await sharedOnDaemon(carolImage);
    expect(after.shared).toBe(after.size);
    // Through the gateway carol sees no shared size, before or after: nothing tells her of alice's image.
    const df = await api('carol', 'GET', '/system/df');
    expect(df.status).toBe(200);
    const images = df.json.Images as { Id: string; SharedSize: number }[];
    expect(images.find((i) => i.Id === carolImage)?.SharedSize).toBe(-1);
    expect(images.filter((i) => i.SharedSize !== -1)).toEqual([]);
    const cli = await as('carol', ['system', 'df', '-v', '--format', '{{range .Images}}{{if eq .Repository "ten-df-c"}}{{.SharedSize}}{{end}}{{end}}']);
    expect(cli.stdout.trim()).toBe('N/A');
  });

  it('an image list asked for shared-size still answers, each SharedSize as not computed (-1), on both paths: filtered here, label-forwarded where images are not unowned', async () => {
    type Summary = { Id: string; RepoTags: string[] | null; SharedSize: number };
    const list = async (port: number, who: string, query: string): Promise<{ status: number; images: Summary[] }> => {
      const b = ten.pki.bundle(who);
      // Sent raw: the docker CLI never asks for shared-size, SDK clients (ImageListOptions.SharedSize) do.
      const r = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), `https://127.0.0.1:${port}/v1.41/images/json${query}`]);
      const lines = r.stdout.trimEnd().split('\n');
      const status = Number(lines.pop());
      return { status, images: status === 200 ? (JSON.parse(lines.join('\n')) as Summary[]) : [] };
    };
    const ids = (images: Summary[]) => images.map((i) => i.Id).sort();
    expect((await as('alice', ['commit', 'ten-a1', 'ten-ss-a'])).code).toBe(0);
    // The suite's gateway (unowned: [images]): the list is fetched and filtered.
    const plain = await list(ten.gw.port, 'alice', '');
    for (const query of ['?shared-size=1', '?shared-size=true&all=1', '?shared-size=0&shared-size=1']) {
      const asked = await list(ten.gw.port, 'alice', query);
      expect([query, asked.status]).toEqual([query, 200]);
      expect(asked.images.some((i) => i.RepoTags?.includes('busybox:latest'))).toBe(true);
      expect(asked.images.filter((i) => i.SharedSize !== -1)).toEqual([]);
      if (!query.includes('all=1')) expect(ids(asked.images)).toEqual(ids(plain.images));
    }
    // Images not unowned: the request is forwarded with alice's team label.
    const policyFile = join(ten.pki.dir, 'tenancy-owned-images.yaml');
    writeFileSync(policyFile, everyonePolicy(['admins: { groups: [ops] }', 'teams: [web, data]']));
    const own = await startGateway(ten.pki.dir, configYaml(ten.pki, socket, `policy: ${policyFile}\n`));
    try {
      const asked = await list(own.port, 'alice', '?shared-size=1');
      expect(asked.status).toBe(200);
      expect(asked.images.some((i) => i.RepoTags?.includes('ten-ss-a:latest'))).toBe(true);
      expect(asked.images.some((i) => i.RepoTags?.includes('busybox:latest'))).toBe(false);
      expect(asked.images.filter((i) => i.SharedSize !== -1)).toEqual([]);
      expect(ids(asked.images)).toEqual(ids((await list(own.port, 'alice', '')).images));
    } finally {
      await own.stop();
    }
  });

  it('a classic build with --pull is refused (it would re-tag the base images over others\' tags)', async () => {
    const dir = scratchDir('ten-build-pull-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\n');
    const pulled = await classicBuild('alice', ['--pull', '-t', 'ten-built-pull', dir]);
    expect(pulled.code).not.toBe(0);
    expect(pulled.stderr).toContain('docker build --pull with the classic builder re-tags');
    expect((await dockerDirect(socket, ['image', 'inspect', 'ten-built-pull'])).code).not.toBe(0);
  });

  it('#12 another tenant\'s build layers are not unowned images', async () => {
    const dir = scratchDir('ten-build-c-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo carol-secret > /secret\n');
    const built = await classicBuild('carol', ['-t', 'ten-built-c', dir]);
    expect(built.code, built.stderr).toBe(0);
    const layers = (await dockerDirect(socket, ['history', '-q', 'ten-built-c'])).stdout.split('\n').filter((l) => /^[0-9a-f]{12}$/.test(l));
    // The build's own intermediate images: untagged, without owner labels (busybox's are tagged).
    const hidden: string[] = [];
    for (const l of layers) {
      const doc = await dockerDirect(socket, ['image', 'inspect', '-f', '{{len .RepoTags}}/{{index .Config.Labels "dockgate.owner"}}', l]);
      if (doc.stdout.trim() === '0/') hidden.push(l);
    }
    expect(hidden.length).toBeGreaterThan(0);
    for (const layer of hidden) {
      const r = await as('alice', ['image', 'inspect', layer]);
      expect(r.stderr, layer).toContain('has no owner');
    }
    const listed = await as('alice', ['images', '-a', '-q']);
    for (const layer of hidden) expect(listed.stdout).not.toContain(layer);
  });

  /** The image the classic builder left after the gateway's `LABEL dockgate.owner=<who>` step. */
  function ownerStepImage(who: string, out: string): string {
    const lines = out.split('\n');
    const step = lines.findIndex((l) => l.includes(`LABEL dockgate.owner=${who}`));
    const id = lines.slice(step + 1).map((l) => /^ ---> ([0-9a-f]{12})$/.exec(l)?.[1]).find((x) => x !== undefined);
    if (step < 0 || id === undefined) throw new Error(`no owner LABEL step in the build output:\n${out}`);
    return id;
  }

  const labelsOf = async (ref: string) => (await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}/{{index .Config.Labels "dockgate.team"}}', ref])).stdout.trim();

  it('the image between the gateway\'s owner and team LABEL steps is not its owner\'s to tag: a Dockerfile LABEL dockgate.team=web planted no image for team web', async () => {
    const dir = scratchDir('ten-plant-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo planted-by-carol > /planted\nLABEL dockgate.team=web\n');
    const built = await classicBuild('carol', ['--no-cache', '-t', 'ten-plant-c:1', dir]);
    expect(built.code, built.stderr).toBe(0);
    // The classic builder applies the build labels one LABEL step per key, the owner's first.
    const between = ownerStepImage('carol', built.stdout);
    expect(await labelsOf(between)).toBe('carol/web');
    try {
      const tag = await as('carol', ['tag', between, 'ten-webtools:latest']);
      expect(tag.code).not.toBe(0);
      expect(tag.stderr).toContain(`dockgate: denied ImageTag for carol: image "${between}" is labelled yours but with team "web", not your own team's label`);
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-webtools'])).code).not.toBe(0);
      expect((await as('bob', ['images', '-q', 'ten-webtools'])).stdout).toBe('');
      // Still carol's to look at and run.
      const ran = await as('carol', ['run', '--rm', '--network', 'none', between, 'cat', '/planted']);
      expect(ran.stdout).toBe('planted-by-carol\n');
      // The build's image carries both of carol's labels: hers to tag and remove as before.
      expect(await labelsOf('ten-plant-c:1')).toBe('carol/data');
      expect((await as('carol', ['tag', 'ten-plant-c:1', 'ten-plant-c:2'])).code).toBe(0);
      expect((await as('carol', ['rmi', 'ten-plant-c:2'])).code).toBe(0);
      const rmi = await as('carol', ['rmi', 'ten-plant-c:1']);
      expect(rmi.code, rmi.stderr).toBe(0);
      expect(rmi.stdout).toContain(`Deleted: sha256:${between}`);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'ten-webtools', 'ten-plant-c:1', 'ten-plant-c:2']);
    }
  });

  // jack's group (qa) is no team; dave, also teamless, has a rate limit here.
  it('a tenant without a team building FROM a team\'s image may not tag the image between the LABEL steps (it has the base\'s team label)', async () => {
    const base = scratchDir('ten-web-base-');
    writeFileSync(join(base, 'Dockerfile'), 'FROM busybox\nRUN echo web > /base\n');
    const dir = scratchDir('ten-from-web-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM ten-web-base:1\nRUN echo jack > /jack\n');
    try {
      const webBuilt = await classicBuild('alice', ['-t', 'ten-web-base:1', base]);
      expect(webBuilt.code, webBuilt.stderr).toBe(0);
      const built = await classicBuild('jack', ['--no-cache', '-t', 'ten-jack-app:1', dir]);
      expect(built.code, built.stderr).toBe(0);
      const between = ownerStepImage('jack', built.stdout);
      expect(await labelsOf(between)).toBe('jack/web');
      const tag = await as('jack', ['tag', between, 'ten-web-helper:latest']);
      expect(tag.stderr).toContain(`dockgate: denied ImageTag for jack: image "${between}" is labelled yours but with team "web", not your own team's label`);
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-web-helper'])).code).not.toBe(0);
      // jack's build (team label empty) is his to tag, save and remove.
      expect(await labelsOf('ten-jack-app:1')).toBe('jack/');
      expect((await as('jack', ['tag', 'ten-jack-app:1', 'ten-jack-app:2'])).code).toBe(0);
      expect((await as('jack', ['save', '-o', join(dir, 'app.tar'), 'ten-jack-app'])).code).toBe(0);
      expect((await as('jack', ['rmi', 'ten-jack-app:1', 'ten-jack-app:2'])).code).toBe(0);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'ten-web-helper', 'ten-jack-app:1', 'ten-jack-app:2', 'ten-web-base:1']);
    }
  });

  it('docker image prune -a removes the caller\'s images that carry their team label, not ones of theirs labelled with another team', async () => {
    expect((await dockerDirect(socket, ['create', '--name', 'ten-prune-src', 'busybox', 'true'])).code).toBe(0);
    try {
      // Made on the socket, with a label of the test's own so that the prune leaves carol's other images.
      for (const [tag, labels] of [['ten-prune-own:1', 'dockgate.owner=carol dockgate.team=data'], ['ten-prune-web:1', 'dockgate.owner=carol dockgate.team=web']] as const) {
        expect((await dockerDirect(socket, ['commit', '-c', `LABEL ten-prune=1 ${labels}`, 'ten-prune-src', tag])).code).toBe(0);
      }
      const pruned = await as('carol', ['image', 'prune', '-a', '-f', '--filter', 'label=ten-prune=1']);
      expect(pruned.code, pruned.stderr).toBe(0);
      expect(pruned.stdout).toContain('untagged: ten-prune-own:1');
      expect(pruned.stdout).not.toContain('ten-prune-web');
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-prune-web:1'])).code).toBe(0);
    } finally {
      await dockerDirect(socket, ['rm', '-f', 'ten-prune-src']);
      await dockerDirect(socket, ['rmi', '-f', 'ten-prune-own:1', 'ten-prune-web:1']);
    }
  });

  it('#9 a BuildKit build still works with the injected limits (BuildKit does not apply them: see Known limits)', async () => {
    const dir = scratchDir('ten-build-bk-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN echo bk > /bk\n');
    // The docker CLI here has no buildx: send the context as a tar body with version=2
    // (networkmode=none: the test daemon runs with --bridge=none).
    const tarFile = join(scratchDir('ten-bk-tar-'), 'context.tar');
    const tar = await run('tar', ['-C', dir, '-cf', tarFile, '.']);
    expect(tar.code).toBe(0);
    const b = ten.pki.bundle('alice');
    const built = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
      '-H', 'Content-Type: application/x-tar', '--data-binary', `@${tarFile}`, `https://127.0.0.1:${ten.gw.port}/v1.41/build?version=2&networkmode=none&t=ten-built-bk`], { timeoutMs: 120_000 });
    expect(built.stdout.trim().split('\n').pop(), built.stdout).toBe('200');
    expect(built.stdout).not.toContain('"error"');
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', 'ten-built-bk']);
    expect(owner.stdout.trim()).toBe('alice');

    // Without `buildkit: true` (the default) the same build is refused, and so is a BuildKit
    // exporter naming an image with it.
    const outputs = encodeURIComponent(JSON.stringify([{ Type: 'moby', Attrs: { name: 'ten-c1-img:latest' } }]));
    const viaOutputs = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
      '-H', 'Content-Type: application/x-tar', '--data-binary', `@${tarFile}`, `https://127.0.0.1:${ten.gw.port}/v1.41/build?version=2&networkmode=none&outputs=${outputs}`], { timeoutMs: 120_000 });
    expect(viaOutputs.stdout).toContain('would name or push images');
    expect(viaOutputs.stdout.trim().split('\n').pop()).toBe('403');
    try {
      writeFileSync(ten.policyFile, TENANCY_POLICY.replace('  buildkit: true\n', ''));
      const build = (query: string) => run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
        '-H', 'Content-Type: application/x-tar', '--data-binary', `@${tarFile}`, `https://127.0.0.1:${ten.gw.port}/v1.41/build?version=2&networkmode=none${query}`], { timeoutMs: 120_000 });
      // Probed untagged until the reload is in force, then once with a tag.
      await until(async () => (await build('')).stdout.includes('BuildKit builds are not allowed'), 15_000, 'the reloaded policy without buildkit');
      const refused = await build('&t=ten-built-bk2');
      expect(refused.stdout).toContain('cache mounts are shared by every tenant');
      expect((await dockerDirect(socket, ['image', 'inspect', 'ten-built-bk2'])).code).not.toBe(0);
    } finally {
      writeFileSync(ten.policyFile, TENANCY_POLICY);
    }
  });
});
