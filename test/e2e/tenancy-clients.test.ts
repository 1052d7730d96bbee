/**
 * Tenancy with the real docker CLIs, under docs/sharing.md's example policy as written (bob
 * gets `streams: 1` on top): what the review of client journeys (review3) found tenants'
 * everyday commands do. `docker system prune` succeeds and leaves the shared build cache alone;
 * the streams quota counts only what holds a stream open; a BuildKit build is refused as a
 * BuildKit build (not as a remote fetch); and `docker run` without `-d` over the streams quota
 * leaves a `Created` container, as the guide says.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, run, type RunResult, startGateway, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { guidePolicy } from './support/sharing-guide.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const CLI20 = '/usr/bin/docker';
const CLI28 = 'docker';
let pki: TestPki;
let gw: TestGateway;

/** The guide's example policy, as written, with a one-stream quota for bob. */
function bobPolicy(): string {
  return guidePolicy(['    users:\n', '    users:\n      bob: { streams: 1 }\n']);
}

const as = (who: string, args: string[], opts: { cli?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): Promise<RunResult> =>
  docker(pki.bundle(who), gw.port, args, { timeoutMs: opts.timeoutMs ?? 60_000, cli: opts.cli, env: opts.env });

/**
 * An image's labels as JSON, without the `dockgate.created` label: an admin's commit copies its
 * container's (the container's proof of creation, src/tenancy/container-seal.ts: it is random),
 * a tenant's commit or import gets an empty one.
 */
function withoutCreated(json: string): string {
  if (json === '' || json === 'null') return json;
  const labels = JSON.parse(json) as Record<string, string>;
  delete labels['dockgate.created'];
  return JSON.stringify(labels);
}

/** Audit records of the gateway so far. */
function audit(): Record<string, unknown>[] {
  return gw.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The daemon's build-cache record count, as `docker system df` shows it on the socket. */
async function buildCacheCount(): Promise<number> {
  const r = await dockerDirect(socket, ['system', 'df', '--format', '{{if eq .Type "Build Cache"}}{{.TotalCount}}{{end}}']);
  expect(r.code, r.stderr).toBe(0);
  return Number(r.stdout.trim());
}

/** Streaming exchanges the gateway holds open (its `dockgate_open_streams` gauge). */
async function openStreams(): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${gw.adminPort}/metrics`)).text();
  const m = /^dockgate_open_streams (\d+)$/m.exec(text);
  if (!m) throw new Error('no dockgate_open_streams in /metrics');
  return Number(m[1]);
}

/**
 * Start `docker events` as `who` and wait until the gateway holds it open (it takes a stream
 * slot); `done` settles when the CLI is killed after `ms`.
 */
async function holdEvents(who: string, ms: number): Promise<{ done: Promise<RunResult> }> {
  const before = await openStreams();
  const done = as(who, ['events', '--filter', 'event=die'], { timeoutMs: ms });
  await until(async () => (await openStreams()) > before, 10_000, 'docker events to be open');
  return { done };
}

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], bob: ['web'], carol: ['data'], ops: ['ops'] });
  const policyFile = join(pki.dir, 'sharing-policy.yaml');
  writeFileSync(policyFile, bobPolicy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
}, 120_000);

afterAll(async () => {
  await removeContainers(socket, 'label=dockgate.owner');
  await dockerDirect(socket, ['rmi', '-f', 'tc-cache:1']);
  await gw?.stop();
});

describe('docker system prune as a tenant (review3 F5)', () => {
  it.each([[CLI28], [CLI20]])('%s: exits 0, prunes only the caller\'s containers, and leaves the build cache', async (cli) => {
    // Build cache on the daemon, made on the socket with BuildKit (no registry: FROM scratch).
    const ctx = scratchDir('tc-cache-');
    writeFileSync(join(ctx, 'Dockerfile'), `FROM scratch\nCOPY f /f-${cli.length}\n`);
    writeFileSync(join(ctx, 'f'), `cache ${Date.now()}\n`);
    const built = await run(CLI20, ['-H', `unix://${socket}`, 'build', '-t', 'tc-cache:1', ctx], { env: { ...process.env, DOCKER_BUILDKIT: '1' }, timeoutMs: 120_000 });
    expect(built.code, built.stderr).toBe(0);
    const cache = await buildCacheCount();
    expect(cache).toBeGreaterThan(0);

    for (const who of ['alice', 'carol']) {
      const r = await as(who, ['run', '--name', `tc-prune-${who}`, '--network', 'none', 'busybox', 'true']);
      expect(r.code, r.stderr).toBe(0);
    }
    const pruned = await as('alice', ['system', 'prune', '-f'], { cli });
    expect(pruned.stderr).toBe('');
    expect(pruned.code).toBe(0);
    expect(pruned.stdout).toContain('Total reclaimed space');
    expect(pruned.stdout).not.toContain('Deleted build cache objects');

    expect((await dockerDirect(socket, ['inspect', 'tc-prune-alice'])).code).not.toBe(0);
    expect((await dockerDirect(socket, ['inspect', 'tc-prune-carol'])).code).toBe(0);
    expect(await buildCacheCount()).toBe(cache);
    // Answered by the gateway: the policy's allow, and a reason that says nothing was forwarded.
    const record = audit().filter((r) => r.operation === 'BuildPrune').at(-1);
    expect(record).toMatchObject({
      decision: 'allow',
      status: 200,
      identity: { cn: 'alice' },
      rule: 'everyone',
      reason: 'allowed by rule "everyone"; answered by the gateway, not forwarded: the build cache is no tenant\'s, nothing was deleted',
    });
    await dockerDirect(socket, ['rm', '-f', 'tc-prune-carol']);
  });

  it('an admin\'s build-cache prune still reaches the daemon', async () => {
    const r = await as('ops', ['builder', 'prune', '-af'], { cli: CLI20 });
    expect(r.code, r.stderr).toBe(0);
    expect(await buildCacheCount()).toBe(0);
  });
});

describe('the streams quota counts streams, not one-shot stats (review3 F6)', () => {
  beforeAll(async () => {
    const r = await as('bob', ['run', '-d', '--name', 'tc-b1', '--network', 'none', 'busybox', 'sh', '-c', 'echo hello; sleep 600']);
    expect(r.code, r.stderr).toBe(0);
  });

  it.each([[CLI28], [CLI20]])('%s: docker stats --no-stream with one slot shows the numbers', async (cli) => {
    const r = await as('bob', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}'], { cli });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    // Refused, the CLI printed "-- / --" and still exited 0.
    expect(r.stdout).toMatch(/^tc-b1 [\d.]+[KMG]iB \/ 512MiB\n$/);
  });

  it.each([[CLI28], [CLI20]])('%s: with docker events holding the slot, stats --no-stream works; logs, followed or not, is refused', async (cli) => {
    const events = await holdEvents('bob', 15_000);
    const stats = await as('bob', ['stats', '--no-stream', '--format', '{{.Name}} {{.MemUsage}}', 'tc-b1'], { cli });
    expect(stats.stderr).toBe('');
    expect(stats.stdout).toMatch(/^tc-b1 [\d.]+[KMG]iB \/ 512MiB\n$/);
    for (const args of [['logs', 'tc-b1'], ['logs', '-f', 'tc-b1']]) {
      const logs = await as('bob', args, { cli, timeoutMs: 10_000 });
      expect(logs.code, args.join(' ')).toBe(1);
      expect(logs.stderr).toContain('dockgate: denied ContainerLogs for bob: 1 concurrent streams already open, the quota is 1; close one first');
    }
    await events.done;
  });
});

describe('docker run without -d and the streams quota, as docs/sharing.md says (review3 F3)', () => {
  it('over the quota the attach is refused after the create: the container is left Created, counts, and docker rm removes it', async () => {
    const events = await holdEvents('bob', 15_000);
    const r = await as('bob', ['run', '--rm', '--name', 'tc-b-run', '--network', 'none', 'busybox', 'echo', 'hi']);
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toContain('429');
    const state = await dockerDirect(socket, ['inspect', '-f', '{{.State.Status}} {{index .Config.Labels "dockgate.owner"}}', 'tc-b-run']);
    expect(state.stdout).toBe('created bob\n');
    const listed = await as('bob', ['ps', '-a', '--filter', 'name=tc-b-run', '--format', '{{.Names}} {{.State}}']);
    expect(listed.stdout).toBe('tc-b-run created\n');
    await events.done;
    expect(await as('bob', ['rm', 'tc-b-run'])).toMatchObject({ code: 0, stdout: 'tc-b-run\n' });
  });

  it('with one slot, the attach takes it and the wait is refused: the CLI starts the container anyway and exits 125', async () => {
    const r = await as('bob', ['run', '--name', 'tc-b-run2', '--network', 'none', 'busybox', 'echo', 'hi']);
    expect(r.code).toBe(125);
    expect(r.stdout).toBe('hi\n');
    expect(r.stderr).toContain('error waiting for container: Error response from daemon: dockgate: denied ContainerWait for bob: 1 concurrent streams already open');
    const state = await until(async () => {
      const s = (await dockerDirect(socket, ['inspect', '-f', '{{.State.Status}}', 'tc-b-run2'])).stdout.trim();
      return s === 'exited' ? s : undefined;
    }, 10_000, 'tc-b-run2 to exit');
    expect(state).toBe('exited');
    expect((await as('bob', ['rm', 'tc-b-run2'])).code).toBe(0);
  });
});

describe('builds under the guide\'s policy (review3 F4)', () => {
  let ctx = '';
  beforeAll(() => {
    ctx = scratchDir('tc-build-');
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nRUN true\n');
  });

  it('a BuildKit build from the CLI (remote=client-session) is refused as a BuildKit build, not as a remote fetch', async () => {
    const r = await as('alice', ['build', '-t', 'tc-bk:1', ctx], { cli: CLI20, env: { ...process.env, DOCKER_BUILDKIT: '1' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('dockgate: denied ImageBuild for alice: BuildKit builds are not allowed for tenants here');
    expect(r.stderr).not.toContain('fetch');
    const record = audit().filter((x) => x.operation === 'ImageBuild').at(-1);
    expect(record).toMatchObject({ decision: 'deny', rule: 'tenancy', code: 'buildkit', status: 403 });
  });

  it('a remote URL context is still refused by buildOptions, with what to do instead', async () => {
    // The CLIs download an http(s) context themselves: only an API client sends it as `remote`.
    const b = pki.bundle('alice');
    const r = await run('curl', ['-s', '-X', 'POST', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'),
      `https://127.0.0.1:${gw.port}/v1.41/build?t=tc-remote:1&remote=${encodeURIComponent('https://example.invalid/ctx.tar')}`]);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.pop()).toBe('403');
    const body = lines.join('\n');
    expect((JSON.parse(body) as { message: string }).message).toContain('query remote="https://example.invalid/ctx.tar" makes the daemon fetch the build context (a URL or git repository): send the context with the request or over the client\'s session (rule "everyone")');
  });

  it('the classic --pull refusal does not point to BuildKit, which this policy refuses', async () => {
    const r = await as('alice', ['build', '--pull', '-t', 'tc-pull:1', ctx], { env: { ...process.env, DOCKER_BUILDKIT: '0' } });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('docker build --pull with the classic builder re-tags the base images it pulls, over tags that may be another tenant\'s: build without --pull (missing base images are still pulled; refreshing one that exists is an admin\'s job)');
    expect(r.stderr).not.toContain('with BuildKit');
  });

  // rev-build F4: with --rm=false --force-rm=false the classic builder kept every RUN container,
  // unlabelled: counted for nobody, invisible to the tenant, removable by admins only. The
  // gateway now forces rm=1 and forcerm=1 for tenants, so none outlives the build, failed step
  // included.
  it.each([[CLI20], [CLI28]])('%s: a classic build with --rm=false --force-rm=false and a failing step leaves no container on the daemon', async (cli) => {
    const dir = scratchDir('tc-build-rm-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox\nRUN true\nRUN true\nRUN false\n');
    const all = async () => (await dockerDirect(socket, ['ps', '-aq', '--no-trunc'])).stdout.split('\n').filter(Boolean);
    const before = new Set(await all());
    try {
      const r = await as('alice', ['build', '--rm=false', '--force-rm=false', '--no-cache', '-t', 'tc-rm:1', dir], { cli, env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });
      expect(r.code).not.toBe(0);
      expect(r.stdout + r.stderr).toContain("The command '/bin/sh -c false' returned a non-zero code: 1");
      expect((await all()).filter((id) => !before.has(id))).toEqual([]);
      const record = audit().filter((x) => x.operation === 'ImageBuild').at(-1);
      expect(record).toMatchObject({ decision: 'allow', status: 200 });
      expect(record?.reason).toContain('rm and forcerm forced');
    } finally {
      const left = (await all()).filter((id) => !before.has(id));
      if (left.length) await dockerDirect(socket, ['rm', '-f', ...left]);
    }
  });
});

describe('an admin\'s import or commit whose changes could set an owner goes into a new repository only (rev-images F1, F2)', () => {
  // The CLI sends an import's repository as given, a commit's as docker.io/library/busybox.
  const refusal = (op: string, repo: string) => `denied ${op} for ops: ${op} with a change that could set a dockgate label (one naming it in any spelling, a LABEL with a variable, or a change that is not one plain instruction) writes an image whose owner the gateway cannot tell: it may only go into a new repository, and repository "${repo}" holds busybox:latest`;
  const labelsOf = async (ref: string) => withoutCreated((await dockerDirect(socket, ['image', 'inspect', '-f', '{{json .Config.Labels}}', ref])).stdout.trim());

  it('root\'s docker import --change \'LABEL dockgate.owner=carol ...\' into busybox is refused; into a new repository it is carol\'s', async () => {
    const dir = scratchDir('tc-import-');
    writeFileSync(join(dir, 'f'), 'imported\n');
    const tar = join(scratchDir('tc-import-tar-'), 'rootfs.tar');
    expect((await run('tar', ['-C', dir, '-cf', tar, 'f'])).code).toBe(0);
    try {
      const shared = await as('ops', ['import', '--change', 'LABEL dockgate.owner=carol dockgate.team=data', tar, 'busybox:tc-imported']);
      expect(shared.code).not.toBe(0);
      expect(shared.stderr).toContain(refusal('ImageCreate', 'busybox'));
      expect((await dockerDirect(socket, ['image', 'inspect', 'busybox:tc-imported'])).code).not.toBe(0);
      const fresh = await as('ops', ['import', '--change', 'LABEL dockgate.owner=carol dockgate.team=data', tar, 'tc-imported-new:1']);
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(await labelsOf('tc-imported-new:1')).toBe('{"dockgate.owner":"carol","dockgate.team":"data"}');
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'busybox:tc-imported', 'tc-imported-new:1']);
    }
  });

  it('root\'s commits into busybox with a quoted or a variable dockgate LABEL key are refused (dockerd reads them as dockgate.owner)', async () => {
    try {
      expect((await as('ops', ['run', '-d', '--name', 'tc-rc', 'busybox', 'sleep', '300'])).code).toBe(0);
      for (const [tag, changes] of [
        ['tc-p1', ['LABEL "dockgate"."owner"=carol "dockgate"."team"=data']],
        ['tc-p2', ['ENV X=dockgate', 'LABEL ${X}.owner=carol ${X}.team=data']],
      ] as const) {
        const r = await as('ops', ['commit', ...changes.flatMap((c) => ['--change', c]), 'tc-rc', `busybox:${tag}`]);
        expect(r.code, tag).not.toBe(0);
        expect(r.stderr, tag).toContain(refusal('ImageCommit', 'docker.io/library/busybox'));
        expect((await dockerDirect(socket, ['image', 'inspect', `busybox:${tag}`])).code, tag).not.toBe(0);
      }
      // rev-day1 F3: a $ in another instruction sets no label, whatever its text says: these go
      // into busybox (they were refused because the text held a $ and the word "label").
      const plain = await as('ops', ['commit', '--change', 'CMD ["sh","-c","exec app --label $NAME"]', '--change', 'WORKDIR /srv/label/$APP', 'tc-rc', 'busybox:tc-p3']);
      expect(plain.code, plain.stderr).toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Config.WorkingDir}}', 'busybox:tc-p3'])).stdout.trim()).toBe('/srv/label/'); // $APP is empty
      // What dockerd makes of the variable spelling, where the gateway lets it go (a new repository).
      const fresh = await as('ops', ['commit', '--change', 'ENV X=dockgate', '--change', 'LABEL ${X}.owner=carol ${X}.team=data', 'tc-rc', 'tc-committed-new:1']);
      expect(fresh.code, fresh.stderr).toBe(0);
      expect(await labelsOf('tc-committed-new:1')).toBe('{"dockgate.owner":"carol","dockgate.team":"data"}');
    } finally {
      await dockerDirect(socket, ['rm', '-f', 'tc-rc']);
      await dockerDirect(socket, ['rmi', '-f', 'busybox:tc-p1', 'busybox:tc-p2', 'busybox:tc-p3', 'tc-committed-new:1']);
    }
  });
});

describe('a tenant\'s variable LABEL key in a commit sets no owner (the gateway\'s LABEL comes last)', () => {
  it('carol\'s commit with ENV X=dockgate and LABEL ${X}.owner=alice ${X}.team=web is carol\'s, team data', async () => {
    try {
      expect((await as('carol', ['run', '-d', '--name', 'tc-cc', 'busybox', 'sleep', '300'])).code).toBe(0);
      const r = await as('carol', ['commit', '--change', 'ENV X=dockgate', '--change', 'LABEL ${X}.owner=alice ${X}.team=web', 'tc-cc', 'tc-carolvar:1']);
      expect(r.code, r.stderr).toBe(0);
      const labels = withoutCreated((await dockerDirect(socket, ['image', 'inspect', '-f', '{{json .Config.Labels}}', 'tc-carolvar:1'])).stdout.trim());
      expect(labels).toBe('{"dockgate.owner":"carol","dockgate.team":"data"}');
    } finally {
      await dockerDirect(socket, ['rm', '-f', 'tc-cc']);
      await dockerDirect(socket, ['rmi', '-f', 'tc-carolvar:1']);
    }
  });
});

describe('a tenant\'s commit or import cannot set dockgate.created through a variable (probe s31 F1)', () => {
  const labelsOf = async (ref: string) => (await dockerDirect(socket, ['image', 'inspect', '-f', '{{json .Config.Labels}}', ref])).stdout.trim();
  const CAROLS = '{"dockgate.created":"","dockgate.owner":"carol","dockgate.team":"data"}';

  it('carol\'s container with Env Y=dockgate.created, committed with LABEL ${Y}=abc, gives an image with an empty dockgate.created', async () => {
    try {
      expect((await as('carol', ['run', '-d', '--name', 'tc-cy', '-e', 'Y=dockgate.created', 'busybox', 'sleep', '300'])).code).toBe(0);
      const r = await as('carol', ['commit', '--change', 'LABEL ${Y}=abc', 'tc-cy', 'tc-carolcreated:1']);
      expect(r.code, r.stderr).toBe(0);
      expect(await labelsOf('tc-carolcreated:1')).toBe(CAROLS);
    } finally {
      await dockerDirect(socket, ['rm', '-f', 'tc-cy']);
      await dockerDirect(socket, ['rmi', '-f', 'tc-carolcreated:1']);
    }
  });

  it('carol\'s import with ENV X=dockgate and LABEL ${X}.created=abc gives an image with an empty dockgate.created', async () => {
    const dir = scratchDir('tc-cimport-');
    writeFileSync(join(dir, 'f'), 'carol\n');
    const tar = join(scratchDir('tc-cimport-tar-'), 'rootfs.tar');
    expect((await run('tar', ['-C', dir, '-cf', tar, 'f'])).code).toBe(0);
    try {
      const r = await as('carol', ['import', '--change', 'ENV X=dockgate', '--change', 'LABEL ${X}.created=abc', tar, 'tc-carolimported:1']);
      expect(r.code, r.stderr).toBe(0);
      expect(await labelsOf('tc-carolimported:1')).toBe(CAROLS);
    } finally {
      await dockerDirect(socket, ['rmi', '-f', 'tc-carolimported:1']);
    }
  });
});

describe('rule 4 (an unowned tag in one\'s own repository) on the real daemon (rev-images F7)', () => {
  const RULE4 = "allowed by Tags rule 4 of docs/sharing.md (an unowned image's reference in the caller's repository)";
  it('by ID the refusal says to remove the tag by name; by name it goes, and the audit record says it was rule 4', async () => {
    const dir = scratchDir('tc-own-');
    writeFileSync(join(dir, 'f'), 'alice\n');
    const tar = join(scratchDir('tc-own-tar-'), 'rootfs.tar');
    expect((await run('tar', ['-C', dir, '-cf', tar, 'f'])).code).toBe(0);
    try {
      const own = await as('alice', ['import', tar, 'tc-webrepo:1']);
      expect(own.code, own.stderr).toBe(0);
      // What a pull of tc-webrepo:pulled would leave (no registry here): busybox, unowned, tagged into alice's repository.
      expect((await dockerDirect(socket, ['tag', 'busybox:latest', 'tc-webrepo:pulled'])).code).toBe(0);
      const id = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'busybox:latest'])).stdout.trim().replace('sha256:', '').slice(0, 12);
      const byId = await as('alice', ['rmi', id]);
      expect(byId.code).not.toBe(0);
      expect(byId.stderr).toContain(`image "${id}" has no owner: by ID dockerd would delete it with every tag it has; remove its reference in your repository by name instead (docker rmi tc-webrepo:pulled, without -f)`);
      const byName = await as('alice', ['rmi', 'tc-webrepo:pulled']);
      expect(byName.code, byName.stderr).toBe(0);
      expect((await dockerDirect(socket, ['image', 'inspect', 'busybox:latest'])).code).toBe(0);
      const record = audit().filter((r) => r.operation === 'ImageDelete').at(-1);
      expect(record?.reason).toBe(`allowed by rule "everyone"; ${RULE4}`);
      // rev-day1 F2: an unowned image whose only tag is in her repository, used by her container:
      // dockerd refuses the removal (409) and the record says what was allowed, not "removed".
      expect((await dockerDirect(socket, ['import', '-c', 'CMD ["/f"]', tar, 'tc-webrepo:solo'])).code).toBe(0);
      const c = await as('alice', ['create', '--name', 'tc-solo-c', '--network', 'none', 'tc-webrepo:solo']);
      expect(c.code, c.stderr).toBe(0);
      const inUse = await as('alice', ['rmi', 'tc-webrepo:solo']);
      expect(inUse.code).not.toBe(0);
      expect(inUse.stderr).toContain('must force');
      expect((await dockerDirect(socket, ['image', 'inspect', 'tc-webrepo:solo'])).code).toBe(0);
      const refused = audit().filter((r) => r.operation === 'ImageDelete').at(-1);
      expect(refused?.status).toBe(409);
      expect(refused?.reason).toBe(`allowed by rule "everyone"; ${RULE4}`);
    } finally {
      await dockerDirect(socket, ['rm', '-f', 'tc-solo-c']);
      await dockerDirect(socket, ['rmi', '-f', 'tc-webrepo:1', 'tc-webrepo:pulled', 'tc-webrepo:solo']);
    }
  });
});
