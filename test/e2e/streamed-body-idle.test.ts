/**
 * Streamed request bodies that stop (rev-dos F5): a build whose context stopped after 512 of
 * 100 MB announced bytes held its tags' reservations (tenancy) and a stream slot for as long as
 * the connection lived, so another tenant could not write those repositories. Under
 * `limits.streamedBodyIdleMs` the body is cut after that long without a byte (a trickle that
 * keeps coming is not), the daemon request is dropped, the reservations are freed and the
 * record says `endedBy: "body-idle"`. Ordinary uploads (a large build context, load, import,
 * cp) and hijacked sessions whose stdin is quiet are unaffected. Real dockerd, real TLS, a raw
 * TLS client for the trickle, real docker CLIs for the rest.
 */
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { recordsOf } from './support/audit-records.js';
import { configYaml, docker, dockerDirect, makePki, run, startGateway, tlsArgs, type TestGateway, type TestPki } from './support/gateway.js';
import { httpRequest, RawConnection } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';
import { everyoneTenancyPolicy } from './support/sharing-guide.js';

const socket = inject('dockerSocket');
const IDLE_MS = 1500;
let pki: TestPki;
let tenancyGw: TestGateway;
let plainGw: TestGateway;
const made: string[] = [];
const containers: string[] = [];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const tag = `bi-${process.pid}`;

beforeAll(async () => {
  pki = await makePki({ alice: ['web'], carol: ['data'], admin: [] });
  const tenancyPolicy = join(pki.dir, 'body-idle-tenancy.yaml');
  writeFileSync(tenancyPolicy, everyoneTenancyPolicy());
  const plainPolicy = join(pki.dir, 'body-idle-plain.yaml');
  writeFileSync(plainPolicy, `version: 1
rules:
  - name: everyone
    who: { anyone: true }
    allow: all
`);
  const limits = `limits: { streamedBodyIdleMs: ${IDLE_MS} }\n`;
  tenancyGw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${tenancyPolicy}\n${limits}`));
  plainGw = await startGateway(pki.dir, configYaml(pki, socket, `policy: ${plainPolicy}\n${limits}`));
  // An image of alice's own, to tag into the repositories carol's build holds.
  const as = (args: string[]) => docker(pki.bundle('alice'), tenancyGw.port, args, { timeoutMs: 120_000 });
  expect((await as(['create', '--name', `${tag}-alice`, 'busybox', 'true'])).code).toBe(0);
  containers.push(`${tag}-alice`);
  const commit = await as(['commit', `${tag}-alice`, `${tag}-alice:v1`]);
  expect(commit.code, commit.stderr).toBe(0);
  made.push(`${tag}-alice:v1`);
}, 180_000);

afterAll(async () => {
  if (containers.length) await dockerDirect(socket, ['rm', '-f', ...containers]);
  if (made.length) await dockerDirect(socket, ['rmi', '-f', ...made]);
  await tenancyGw?.stop();
  await plainGw?.stop();
});

describe('a streamed body that stops is cut after limits.streamedBodyIdleMs', () => {
  it("carol's build whose context trickles, then stops: held while bytes come, cut once none came for the idle time; its tags are free again and the record says why", async () => {
    const repoA = `${tag}-sq-a`;
    const repoB = `${tag}-sq-b`;
    const conn = await RawConnection.tls(pki.bundle('carol'), tenancyGw.port);
    conn.write(httpRequest({ method: 'POST', target: `/v1.41/build?t=${repoA}:1&t=${repoB}:1`, headers: [['Content-Type', 'application/x-tar'], ['Content-Length', '100000000']] }));
    conn.write(Buffer.alloc(512));
    // A trickle (a byte every fifth of the idle time, for twice the idle time) is not idle.
    for (let i = 0; i < 10; i++) {
      await sleep(IDLE_MS / 5);
      conn.write('a');
    }
    expect(conn.isClosed).toBe(false);
    // Meanwhile alice may not tag into the repositories carol's build writes.
    const tagInto = () => docker(pki.bundle('alice'), tenancyGw.port, ['tag', `${tag}-alice:v1`, `${repoB}:2`]);
    const refused = await tagInto();
    expect(refused.code).not.toBe(0);
    expect(refused.stderr).toContain(`repository "docker.io/library/${repoB}" is being written into by another tenant's ImageBuild still in progress (request `);
    // The holder's request id, which its record has (below).
    const holder = /still in progress \(request ([^)]+)\)/.exec(refused.stderr)?.[1];
    // Then nothing: cut once idle (waited for with a generous margin; not timed).
    await Promise.race([conn.closed, sleep(IDLE_MS + 15_000)]);
    expect(conn.isClosed, 'the gateway closed the stalled upload').toBe(true);
    // Its reservations are freed once the daemon request has gone: alice's tag gets in.
    const tagged = await until(async () => {
      const r = await tagInto();
      return r.code === 0 ? r : undefined;
    }, 15_000, "alice's tag after the cut");
    expect(tagged.code).toBe(0);
    made.push(`${repoB}:2`);
    // The daemon built nothing for carol.
    expect((await dockerDirect(socket, ['images', '-q', repoA])).stdout.trim()).toBe('');
    const record = await until(() => recordsOf(tenancyGw, 'ImageBuild').find((r) => (r.identity as { cn?: string } | undefined)?.cn === 'carol'), 10_000, "the record of carol's build");
    expect(record).toMatchObject({ decision: 'allow', status: 0, endedBy: 'body-idle' });
    expect(record.reason).toContain('the gateway closed the client connection (body-idle) before its request had gone to the daemon whole; the daemon request was cut off');
    expect(record.bytesIn as number).toBe(522);
    expect(record.upstreamError).toBeUndefined();
    expect(record.requestId).toBe(holder);
  }, 120_000);
});

describe('ordinary uploads and quiet sessions are not cut', () => {
  const dir = () => scratchDir('bi-cli-');
  const cli = (args: string[], opts: { input?: string | Buffer } = {}) => run('docker', [...tlsArgs(pki.bundle('admin'), plainGw.port), ...args], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, timeoutMs: 300_000, ...opts });

  it('docker build with a 64 MiB context, save, load, import and cp of a 64 MiB file', async () => {
    const ctx = dir();
    writeFileSync(join(ctx, 'big.bin'), randomBytes(64 * 1024 * 1024));
    writeFileSync(join(ctx, 'Dockerfile'), 'FROM busybox\nCOPY big.bin /big.bin\n');
    const build = await cli(['build', '--network', 'none', '-t', `${tag}-big:1`, ctx]);
    expect(build.code, build.stderr).toBe(0);
    made.push(`${tag}-big:1`);
    const tarDir = dir();
    const saved = join(tarDir, 'big.tar');
    const save = await cli(['save', '-o', saved, `${tag}-big:1`]);
    expect(save.code, save.stderr).toBe(0);
    expect((await cli(['rmi', `${tag}-big:1`])).code).toBe(0);
    const load = await cli(['load', '-i', saved]);
    expect(load.code, load.stderr).toBe(0);
    expect(load.stdout).toContain(`${tag}-big:1`);
    const imported = await cli(['import', saved, `${tag}-imp:1`]);
    expect(imported.code, imported.stderr).toBe(0);
    made.push(`${tag}-imp:1`);
    expect((await cli(['create', '--name', `${tag}-cp`, 'busybox', 'true'])).code).toBe(0);
    containers.push(`${tag}-cp`);
    const cp = await cli(['cp', join(ctx, 'big.bin'), `${tag}-cp:/big.bin`]);
    expect(cp.code, cp.stderr).toBe(0);
    const size = await run('sh', ['-c', `docker -H unix://${socket} cp ${tag}-cp:/big.bin - | wc -c`]);
    expect(Number(size.stdout.trim())).toBeGreaterThan(64 * 1024 * 1024);
    const records = recordsOf(plainGw, 'ImageBuild').concat(recordsOf(plainGw, 'ImageLoad'), recordsOf(plainGw, 'ImageCreate'), recordsOf(plainGw, 'PutContainerArchive'));
    expect(records.filter((r) => r.endedBy !== undefined)).toEqual([]);
  }, 300_000);

  it('an exec whose stdin is quiet for longer than the idle time is not cut (a hijacked session, no request body)', async () => {
    expect((await cli(['run', '-d', '--name', `${tag}-exec`, 'busybox', 'sleep', '60'])).code).toBe(0);
    containers.push(`${tag}-exec`);
    const quiet = await cli(['exec', '-i', `${tag}-exec`, 'sh', '-c', `sleep ${(3 * IDLE_MS) / 1000}; echo still-here`]);
    expect(quiet.code, quiet.stderr).toBe(0);
    expect(quiet.stdout).toContain('still-here');
  }, 120_000);
});
