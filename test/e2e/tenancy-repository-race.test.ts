/**
 * Two tenants writing different tags of one repository at once (found by a review): tag
 * reservations were per tag while the check that a tag may not join a repository holding
 * another tenant's image is per repository, so `alice tag … mix:a & carol tag … mix:b` both
 * got in, and a repository held both tenants' images: neither could `docker save` it, and
 * alice could neither remove carol's tag nor add tags to her own repository. The repository
 * of each tag being written is now reserved too. Real docker CLI, real TLS, real dockerd.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, run, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';
import { processWith } from './support/processes.js';
import { everyoneTenancyPolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
const as = (who: string, args: string[]) => docker(pki.bundle(who), gw.port, args, { timeoutMs: 120_000 });
const made: string[] = [];

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], carol: ['data'] });
  const policyFile = join(pki.dir, 'repository-race-policy.yaml');
  writeFileSync(policyFile, everyoneTenancyPolicy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));
  // An image of each tenant's own, to tag.
  for (const who of ['alice', 'carol']) {
    expect((await as(who, ['create', '--name', `rr-${who}`, 'busybox', 'true'])).code).toBe(0);
    const commit = await as(who, ['commit', `rr-${who}`, `rr-${who}:v1`]);
    expect(commit.code, commit.stderr).toBe(0);
    made.push(`rr-${who}:v1`);
  }
}, 120_000);

afterAll(async () => {
  await dockerDirect(socket, ['rm', '-f', 'rr-alice', 'rr-carol']);
  if (made.length) await dockerDirect(socket, ['rmi', '-f', ...made]);
  await gw?.stop();
});

/** The owners of the images the daemon lists in `repo`, one per tag. */
async function owners(repo: string): Promise<string[]> {
  const r = await dockerDirect(socket, ['images', repo, '--format', '{{.Tag}} {{.ID}}']);
  const out: string[] = [];
  for (const line of r.stdout.split('\n').filter(Boolean)) {
    const [tag, id] = line.split(' ') as [string, string];
    made.push(`${repo}:${tag}`);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', id]);
    out.push(owner.stdout.trim());
  }
  return out;
}

const STRANGER = "would join a repository that holds another tenant's image";
const WRITING = (by: string) => `is being written into by another tenant's ${by} still in progress`;

describe('two tenants writing into one repository at once', () => {
  it('alice and carol tag two tags of one new repository at once, twenty times: one gets in, the other is refused, and the repository stays one tenant\'s', async () => {
    const tries = 20;
    let concurrent = 0;
    for (let i = 0; i < tries; i++) {
      const repo = `rr-mix-${process.pid}-${i}`;
      const [a, c] = await Promise.all([as('alice', ['tag', 'rr-alice:v1', `${repo}:a`]), as('carol', ['tag', 'rr-carol:v1', `${repo}:b`])]);
      const who = await owners(repo);
      expect(new Set(who).size, `${repo} holds ${who.join(', ')}`).toBe(1);
      expect([a.code, c.code].filter((code) => code === 0), `alice: ${a.stderr} carol: ${c.stderr}`).toHaveLength(1);
      const refused = a.code === 0 ? c : a;
      // Refused while the other's tag was in flight (409), or after it landed (the stranger check).
      expect(refused.stderr).toMatch(new RegExp(`${WRITING('ImageTag')}|${STRANGER}`));
      if (refused.stderr.includes(WRITING('ImageTag'))) concurrent += 1;
      // The winner can still save its repository.
      const winner = a.code === 0 ? 'alice' : 'carol';
      const save = await as(winner, ['save', '-o', join(scratchDir('rr-save-'), 'x.tar'), repo]);
      expect(save.code, save.stderr).toBe(0);
    }
    console.log(`repository race: ${concurrent} of ${tries} tries refused as in flight (409), the rest by the stranger check`);
  }, 300_000);

  it('while alice\'s slow build of rr-race:1 runs, carol may not build rr-race (rr-race:latest) or tag into it; the repository stays alice\'s', async () => {
    const repo = `rr-race-${process.pid}`;
    const marker = `rr-race-${Date.now()}`;
    const slow = scratchDir('rr-race-alice-');
    writeFileSync(join(slow, 'Dockerfile'), `FROM busybox\nRUN sleep 8 && echo ${marker} > /owner\n`);
    const quick = scratchDir('rr-race-carol-');
    writeFileSync(join(quick, 'Dockerfile'), `FROM busybox\nRUN echo carol-${marker} > /owner\n`);
    // networkmode none: the test daemon runs with --bridge=none.
    const build = (who: string, dir: string, tag: string) => run('docker', [...tlsArgs(pki.bundle(who), gw.port), 'build', '--network', 'none', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 120_000 });

    const alices = build('alice', slow, `${repo}:1`);
    await until(() => processWith(marker), 60_000, 'alice\'s RUN step to be running');
    const carols = await build('carol', quick, repo);
    expect(carols.stderr).toContain(`repository "${repo}" ${WRITING('ImageBuild')}`);
    expect(carols.code).not.toBe(0);
    const tag = await as('carol', ['tag', 'rr-carol:v1', `${repo}:2`]);
    // The CLI sends a tag's repository fully qualified.
    expect(tag.stderr).toContain(`repository "docker.io/library/${repo}" ${WRITING('ImageBuild')}`);
    expect(tag.code).not.toBe(0);

    const alice = await alices;
    expect(alice.code, alice.stderr).toBe(0);
    expect(await owners(repo)).toEqual(['alice']);
    // Once the build has ended the repository is alice's: the stranger check refuses carol as before.
    expect((await build('carol', quick, repo)).stderr).toContain(STRANGER);
    const save = await as('alice', ['save', '-o', join(scratchDir('rr-save-'), 'x.tar'), repo]);
    expect(save.code, save.stderr).toBe(0);
  }, 180_000);
});
