/**
 * The classic builder's `RUN` containers are dockerd's, made with exactly the labels of the
 * image they run (rev-compose F0/F1, rev-build 1/2). carol builds, through the gateway, a
 * Dockerfile that `LABEL`s alice's owner and team and her compose project's service labels
 * (and a `dockgate.created` of its own) before a long `RUN`, and another `FROM` alice's own
 * image: while they run, those containers are nobody's. Not in alice's `docker ps` or
 * `docker-compose ps`, not counted in her `running` quota, not where her `docker-compose exec`
 * lands, and her `docker exec` into them is refused. Real dockerd, CLIs, docker-compose v1, TLS.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { configYaml, docker, dockerDirect, makePki, removeContainers, run, type RunResult, startGateway, type TestGateway, type TestPki, tlsArgs } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';
import { envWithoutCaBundles, guidePolicy } from './support/sharing-guide.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
let pki: TestPki;
let gw: TestGateway;
const builds: ChildProcess[] = [];

/** The guide's example policy, with alice allowed 2 running containers. */
function policy(): string {
  return guidePolicy(['alice: { containers: 20 }', 'alice: { containers: 20, running: 2 }']);
}

const cleanEnv = (): NodeJS.ProcessEnv => envWithoutCaBundles({ DOCKER_BUILDKIT: '0' });

const as = (who: string, args: string[]): Promise<RunResult> => docker(pki.bundle(who), gw.port, args, { env: cleanEnv(), timeoutMs: 120_000 });

/** carol's classic build of `dir`, left running in the background (killed in afterAll). */
function buildInBackground(dir: string, tag: string): void {
  const child = spawn('docker', [...tlsArgs(pki.bundle('carol'), gw.port), 'build', '--no-cache', '--network', 'none', '-t', tag, dir], { env: cleanEnv(), stdio: 'ignore' });
  builds.push(child);
}

/** The daemon's running containers whose command is `cmd` (the RUN steps), by ID. */
async function runningWith(cmd: string): Promise<string[]> {
  const r = await dockerDirect(socket, ['ps', '--no-trunc', '--format', '{{.ID}} {{.Command}}']);
  return r.stdout.split('\n').filter((l) => l.includes(cmd)).map((l) => l.split(' ')[0] ?? '');
}

let project: string;
const compose = (args: string[]) => run('docker-compose', [...tlsArgs(pki.bundle('alice'), gw.port), '-p', 'runapp', '-f', join(project, 'docker-compose.yml'), ...args], { env: cleanEnv(), timeoutMs: 120_000 });
let planted: string;
let fromAlice: string;

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], bob: ['web'], carol: ['data'], ops: ['ops'] });
  const policyFile = join(pki.dir, 'policy.yaml');
  writeFileSync(policyFile, policy());
  gw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${policyFile}\n`));

  // alice's compose project: service db, which keeps a file saying it is hers.
  project = scratchDir('run-compose-');
  writeFileSync(join(project, 'docker-compose.yml'), 'version: "2.4"\nservices:\n  db:\n    image: busybox\n    network_mode: none\n    command: ["sh", "-c", "echo ALICE-DB > /who; sleep 600"]\n');
  const up = await compose(['up', '-d']);
  expect(up.code, up.stderr).toBe(0);

  // alice's own base image, built through the gateway (it carries her labels).
  const base = scratchDir('run-base-');
  writeFileSync(join(base, 'Dockerfile'), 'FROM busybox:latest\nRUN echo base > /base\n');
  const built = await as('alice', ['build', '--network', 'none', '-t', 'run-alicebase:1', base]);
  expect(built.code, built.stderr).toBe(0);

  // carol: a RUN container labelled as alice's compose service db, and one FROM alice's image.
  const plant = scratchDir('run-plant-');
  writeFileSync(join(plant, 'Dockerfile'), [
    'FROM busybox:latest',
    `LABEL dockgate.owner=alice dockgate.team=web dockgate.created=forged com.docker.compose.project=runapp com.docker.compose.service=db com.docker.compose.container-number=1 com.docker.compose.oneoff=False com.docker.compose.project.config_files=docker-compose.yml com.docker.compose.project.working_dir=${project} com.docker.compose.version=1.29.2`,
    'RUN echo CAROL-IMPOSTOR > /who && sleep 301',
    '',
  ].join('\n'));
  const from = scratchDir('run-from-');
  mkdirSync(from, { recursive: true });
  writeFileSync(join(from, 'Dockerfile'), 'FROM run-alicebase:1\nRUN echo CAROL-BUILD > /who && sleep 302\n');
  buildInBackground(plant, 'run-plant:1');
  buildInBackground(from, 'run-from:1');
  await until(async () => (await runningWith('sleep 301')).length === 1 && (await runningWith('sleep 302')).length === 1, 60_000, "carol's RUN steps to run");
  planted = (await runningWith('sleep 301'))[0] ?? '';
  fromAlice = (await runningWith('sleep 302'))[0] ?? '';
  // What the daemon gave them: alice's labels.
  const labels = await dockerDirect(socket, ['inspect', '--format', '{{index .Config.Labels "dockgate.owner"}}/{{index .Config.Labels "dockgate.team"}}', planted, fromAlice]);
  expect(labels.stdout).toBe('alice/web\nalice/web\n');
}, 240_000);

afterAll(async () => {
  for (const b of builds) b.kill('SIGKILL');
  await compose(['down', '-t', '0']);
  await removeContainers(socket, 'label=dockgate.owner=alice');
  await dockerDirect(socket, ['rmi', '-f', 'run-alicebase:1', 'run-plant:1', 'run-from:1']);
  await gw?.stop();
}, 120_000);

describe("carol's classic-build RUN containers labelled as alice's are nobody's", () => {
  it("alice's and bob's docker ps do not list them", async () => {
    for (const who of ['alice', 'bob']) {
      const ps = await as(who, ['ps', '-a', '--no-trunc', '--format', '{{.ID}}']);
      expect(ps.code, ps.stderr).toBe(0);
      expect(ps.stdout).not.toContain(planted);
      expect(ps.stdout).not.toContain(fromAlice);
      expect(ps.stdout.split('\n').filter(Boolean).length).toBe(1);
    }
  });

  it("alice's docker-compose ps lists only her service's container", async () => {
    const ps = await compose(['ps', '-q']);
    expect(ps.code, ps.stderr).toBe(0);
    expect(ps.stdout).not.toContain(planted);
    expect(ps.stdout.split('\n').filter(Boolean).length).toBe(1);
  });

  it("alice's docker-compose exec reaches her own container, and what she pipes stays there", async () => {
    const who = await compose(['exec', '-T', 'db', 'cat', '/who']);
    expect(who.code, who.stderr).toBe(0);
    expect(who.stdout.trim()).toBe('ALICE-DB');
  });

  it.each([
    ['exec', (id: string) => ['exec', id, 'true']],
    ['cp', (id: string) => ['cp', `${id}:/who`, '-']],
    ['stop', (id: string) => ['stop', '-t', '0', id]],
    ['commit', (id: string) => ['commit', id, 'run-stolen:1']],
  ])("alice's docker %s of them is refused: no owner", async (_what, args) => {
    for (const id of [planted, fromAlice]) {
      const r = await as('alice', args(id.slice(0, 12)));
      expect(r.code).not.toBe(0);
      expect(r.stderr).toContain(`container "${id.slice(0, 12)}" has no owner`);
    }
    expect((await runningWith('sleep 301')).length).toBe(1);
  });

  it("they are not counted in alice's running quota (2): her second container starts", async () => {
    const r = await as('alice', ['run', '-d', '--name', 'run-second', '--network', 'none', 'busybox', 'sleep', '600']);
    expect(r.code, r.stderr).toBe(0);
    const third = await as('alice', ['run', '-d', '--name', 'run-third', '--network', 'none', 'busybox', 'sleep', '600']);
    expect(third.stderr).toContain('running-container quota reached (2 of 2 running)');
  });

  it("alice's own containers carry a dockgate.created of their own, not their image's", async () => {
    const r = await dockerDirect(socket, ['inspect', '--format', '{{index .Config.Labels "dockgate.created"}}', 'run-second', 'runapp_db_1']);
    const [a, b] = r.stdout.trim().split('\n');
    expect(a).toMatch(/^[0-9a-f]{32}$/);
    expect(b).toMatch(/^[0-9a-f]{32}$/);
    expect(a).not.toBe(b);
  });

  it('an admin still sees and manages them', async () => {
    const ps = await as('ops', ['ps', '-q', '--no-trunc']);
    expect(ps.stdout).toContain(planted);
  });
});

describe("the container of a Dockerfile LABEL step is nobody's, though its labels differ from its image's (rev-seal F1)", () => {
  it("an admin's --rm=false build of a Dockerfile labelling alice's: its LABEL step's container is not alice's to list or start", async () => {
    const dir = scratchDir('run-labelstep-');
    writeFileSync(join(dir, 'Dockerfile'), 'FROM busybox:latest\nRUN echo CAROL-IMPOSTOR > /who\nLABEL dockgate.owner=alice dockgate.team=web dockgate.created=forgedlabel\n');
    const built = await as('ops', ['build', '--rm=false', '--no-cache', '--network', 'none', '-t', 'run-labelstep:1', dir]);
    expect(built.code, built.stderr).toBe(0);
    const step = await dockerDirect(socket, ['ps', '-aq', '--no-trunc', '--filter', 'label=dockgate.created=forgedlabel']);
    // The LABEL step's container, and those of the LABEL steps that follow (the admin build's
    // own labels): the step's labels on the previous step's image, its command the builder's mark.
    const ids = step.stdout.split('\n').filter(Boolean);
    expect(ids.length).toBeGreaterThan(0);
    try {
      const ps = await as('alice', ['ps', '-a', '--no-trunc', '--format', '{{.ID}}']);
      expect(ps.code, ps.stderr).toBe(0);
      const owners: string[] = [];
      for (const id of ids) {
        // The builder spells the command ["/bin/sh","-c","#(nop) ","LABEL ..."].
        const seen = await dockerDirect(socket, ['inspect', '--format', '{{json .Config.Cmd}} {{index .Config.Labels "dockgate.owner"}}', id]);
        expect(seen.stdout).toContain('"#(nop) "');
        owners.push(seen.stdout.trim().split(' ').at(-1) ?? '');
        expect(ps.stdout).not.toContain(id);
        const start = await as('alice', ['start', id]);
        expect(start.code).not.toBe(0);
        expect(start.stderr).toContain('has no owner');
      }
      // The Dockerfile's LABEL step's container is labelled alice's (the gateway's own steps, ops').
      expect(owners).toContain('alice');
    } finally {
      await dockerDirect(socket, ['rm', '-f', ...ids]);
      await dockerDirect(socket, ['rmi', '-f', 'run-labelstep:1']);
    }
  }, 120_000);
});
