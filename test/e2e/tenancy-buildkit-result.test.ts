/**
 * A tenant's BuildKit build is checked after the fact (found by the BuildKit review): a
 * Dockerfile's `# syntax=<image>` runs a frontend of the tenant's choosing, which may ignore
 * the owner labels the gateway passes and return an image config with another tenant's (or
 * none). The real 20.10 CLI (DOCKER_BUILDKIT=1) builds through the gateway with a forging
 * frontend (support/forging-frontend.ts): the build fails, what it wrote is gone, and the
 * record says `build-labels`. Also: a Dockerfile `LABEL dockgate.owner=carol` does not win
 * over the gateway's labels with either builder; with `buildkit: false` the classic builds of
 * both CLIs open no session, and a BuildKit build gets the gateway's refusal.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, DOCKER_CLIS, dockerDirect, makePki, run, startGateway, type TestGateway, type TestPki, tlsArgs } from './support/gateway.js';
import { recordsOf } from './support/audit-records.js';
import { buildForgingFrontend } from './support/forging-frontend.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';
import { everyoneTenancyPolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
let gwNoBk: TestGateway;
let dockerConfig: string;

const POLICY = (buildkit: boolean) => everyoneTenancyPolicy('admins: { groups: [ops] }', `buildkit: ${buildkit}`);

const CLI2010 = '/usr/bin/docker';
const IMAGES = ['bkr-fe-carol:1', 'bkr-fe-none:1', 'bkr-forged:1', 'bkr-team:1', 'bkr-ok:1', 'bkr-classic-28:1', 'bkr-classic-20.10:1', 'bkr-nobk-28:1', 'bkr-nobk-20.10:1', 'bkr-quiet:1'];

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], bob: ['web'], carol: ['data'], root: ['ops'] });
  dockerConfig = scratchDir('bkr-docker-config-');
  for (const [file, buildkit] of [['bk.yaml', true], ['nobk.yaml', false]] as const) writeFileSync(join(pki.dir, file), POLICY(buildkit));
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${join(pki.dir, 'bk.yaml')}\n`));
  gwNoBk = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${join(pki.dir, 'nobk.yaml')}\n`));
  for (const [name, labels] of [['bkr-fe-carol:1', { 'dockgate.owner': 'carol', 'dockgate.team': 'data', 'bkr-forged': 'carol' }], ['bkr-fe-none:1', { 'bkr-forged': 'none' }]] as const) {
    const made = await buildForgingFrontend(socket, name, labels);
    expect(made.code, made.stderr).toBe(0);
  }
}, 120_000);

afterAll(async () => {
  await dockerDirect(socket, ['rmi', '-f', ...IMAGES]);
  const left = (await dockerDirect(socket, ['images', '-aq', '--filter', 'label=bkr-forged'])).stdout.split('\n').filter(Boolean);
  if (left.length) await dockerDirect(socket, ['rmi', '-f', ...left]);
  await gw?.stop();
  await gwNoBk?.stop();
});

/** A build context holding `dockerfile`. */
function context(dockerfile: string): string {
  const dir = scratchDir('bkr-ctx-');
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'Dockerfile'), dockerfile);
  return dir;
}

function build(who: string, port: number, args: string[], opts: { cli?: string; buildkit: '0' | '1' }) {
  return run(opts.cli ?? CLI2010, [...tlsArgs(pki.bundle(who), port), 'build', ...args], { env: { ...process.env, DOCKER_CONFIG: dockerConfig, DOCKER_BUILDKIT: opts.buildkit }, timeoutMs: 120_000 });
}

/** The owner and team labels of `image` on the daemon, or undefined when it does not exist. */
async function ownerOf(image: string): Promise<string | undefined> {
  const r = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}/{{index .Config.Labels "dockgate.team"}}', image]);
  return r.code === 0 ? r.stdout.trim() : undefined;
}

/** Images on the daemon a forging frontend made (`bkr-forged=<value>`). */
async function forged(value: string): Promise<string[]> {
  return (await dockerDirect(socket, ['images', '-aq', '--filter', `label=bkr-forged=${value}`])).stdout.split('\n').filter(Boolean);
}

async function lastBuildRecord(g: TestGateway): Promise<Record<string, unknown> | undefined> {
  await until(() => recordsOf(g, 'ImageBuild').length > 0, 10_000).catch(() => undefined);
  return recordsOf(g, 'ImageBuild').at(-1);
}

describe('a tenant\'s BuildKit build whose frontend forges the owner labels', () => {
  it('another tenant\'s labels: the build fails, its tag and image are removed, carol never gets it, recorded build-labels', async () => {
    const before = recordsOf(gw, 'ImageBuild').length;
    const r = await build('alice', gw.port, ['-t', 'bkr-forged:1', context('# syntax=bkr-fe-carol:1\nFROM busybox\n')], { buildkit: '1' });
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr + r.stdout).toContain('the BuildKit build\'s result is refused');
    expect(r.stderr + r.stdout).toContain('dockgate.owner="carol"');
    expect(await ownerOf('bkr-forged:1')).toBeUndefined();
    expect(await forged('carol')).toEqual([]);
    const carols = await run(CLI2010, [...tlsArgs(pki.bundle('carol'), gw.port), 'images', '--format', '{{.Repository}}:{{.Tag}}']);
    expect(carols.stdout).not.toContain('bkr-forged');
    await until(() => recordsOf(gw, 'ImageBuild').length > before, 10_000);
    expect(await lastBuildRecord(gw)).toMatchObject({ decision: 'deny', rule: 'tenancy', code: 'build-labels', status: 200 });
  });

  it('no owner labels, untagged: the image is removed by ID', async () => {
    const r = await build('alice', gw.port, [context('# syntax=bkr-fe-none:1\nFROM busybox\n')], { buildkit: '1' });
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr + r.stdout).toContain('no dockgate.owner label');
    expect(await forged('none')).toEqual([]);
  });

  // `docker build -q` (q=1): dockerd drops the moby.image.id message and names the image only
  // in a stream line of its own (found by a review: the forged image stayed).
  it('docker build -q, untagged: the image named by the quiet ID line is removed', async () => {
    const before = recordsOf(gw, 'ImageBuild').length;
    const r = await build('alice', gw.port, ['-q', context('# syntax=bkr-fe-carol:1\nFROM busybox\n')], { buildkit: '1' });
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect(r.stderr + r.stdout).toContain('dockgate.owner="carol"');
    expect(r.stderr + r.stdout).toContain('the image was removed');
    expect(await forged('carol')).toEqual([]);
    await until(() => recordsOf(gw, 'ImageBuild').length > before, 10_000);
    expect(await lastBuildRecord(gw)).toMatchObject({ decision: 'deny', code: 'build-labels' });
  });

  it('over a teammate\'s tag: the tag is put back on bob\'s image', async () => {
    const bobs = await build('bob', gw.port, ['-t', 'bkr-team:1', context('FROM busybox\nLABEL made-by=bob\n')], { buildkit: '1' });
    expect(bobs.code, bobs.stderr).toBe(0);
    const bobId = (await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'bkr-team:1'])).stdout.trim();
    const r = await build('alice', gw.port, ['-t', 'bkr-team:1', context('# syntax=bkr-fe-carol:1\nFROM busybox\n')], { buildkit: '1' });
    expect(r.code, r.stdout + r.stderr).not.toBe(0);
    expect((await dockerDirect(socket, ['image', 'inspect', '-f', '{{.Id}}', 'bkr-team:1'])).stdout.trim()).toBe(bobId);
    expect(await forged('carol')).toEqual([]);
  });
});

describe('a Dockerfile LABEL dockgate.owner=carol does not win over the gateway\'s labels', () => {
  const dockerfile = 'FROM busybox\nLABEL dockgate.owner=carol dockgate.team=data\n';

  it('BuildKit (20.10 CLI): alice\'s labels, and the check lets it through', async () => {
    const r = await build('alice', gw.port, ['-t', 'bkr-ok:1', context(dockerfile)], { buildkit: '1' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await ownerOf('bkr-ok:1')).toBe('alice/web');
    expect(await lastBuildRecord(gw)).toMatchObject({ decision: 'allow', status: 200 });
  });

  it('BuildKit with -q (20.10 CLI): the image is checked by its quiet ID line and passes', async () => {
    const before = recordsOf(gw, 'ImageBuild').length;
    const r = await build('alice', gw.port, ['-q', '-t', 'bkr-quiet:1', context(dockerfile)], { buildkit: '1' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(r.stdout.trim()).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(await ownerOf('bkr-quiet:1')).toBe('alice/web');
    await until(() => recordsOf(gw, 'ImageBuild').length > before, 10_000);
    expect(await lastBuildRecord(gw)).toMatchObject({ decision: 'allow', status: 200 });
  });

  it.each(DOCKER_CLIS)('classic builder (%s CLI): alice\'s labels', async (name, cli) => {
    const r = await build('alice', gw.port, ['-t', `bkr-classic-${name}:1`, context(dockerfile)], { cli, buildkit: '0' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await ownerOf(`bkr-classic-${name}:1`)).toBe('alice/web');
  });
});

describe('with buildkit: false', () => {
  it.each(DOCKER_CLIS)('a classic build (%s CLI, DOCKER_BUILDKIT=0) still works', async (name, cli) => {
    const r = await build('alice', gwNoBk.port, ['-t', `bkr-nobk-${name}:1`, context('FROM busybox\nLABEL x=y\n')], { cli, buildkit: '0' });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await ownerOf(`bkr-nobk-${name}:1`)).toBe('alice/web');
    // The classic builder of neither CLI opens a BuildKit session.
    expect(recordsOf(gwNoBk, 'Session')).toEqual([]);
  });

  // A tenant's POST /session is not refused (the review suggested it: it holds a stream slot
  // for the second the refused build takes): the 20.10 CLI would then fail with its own
  // "failed to dial gRPC: unable to upgrade to h2c, received 403" instead of this message.
  it('a BuildKit build (20.10 CLI) fails with the gateway\'s message', async () => {
    const r = await build('alice', gwNoBk.port, ['-t', 'bkr-nobk-bk:1', context('FROM busybox\n')], { buildkit: '1' });
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('BuildKit builds are not allowed for tenants here');
  });
});
