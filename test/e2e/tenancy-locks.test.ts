/**
 * Tenancy end to end, locks and reservations held as long as dockerd acts: quota locks of
 * pipelined requests and of requests whose client left, tags reserved while a build or import
 * runs, concurrent creates of one name. The cases make dockerd slow on purpose (hundreds of
 * anonymous volumes in a create, a restart of a container that ignores SIGTERM, a slow import
 * or build) and wait for the daemon to be at work (support/tenancy-suite.ts).
 */
import { spawn } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, run, startGateway, tlsArgs } from './support/gateway.js';
import { httpRequest, jsonRequest, RawConnection } from './support/raw-tls.js';
import { scratchDir } from './support/scratch.js';
import { until } from './support/until.js';
import { processWith } from './support/processes.js';
import { tenancySuite } from './support/tenancy-suite.js';

const socket = inject('dockerSocket');
const ten = tenancySuite(['alice', 'bob', 'carol', 'ivan', 'kate', 'jack']);
const { as, api } = ten;

describe('review fixes, on the real daemon', () => {
  it('a start pipelined behind a stream (its answer never read) does not keep the owner\'s quota lock', async () => {
    for (const name of ['ten-i1', 'ten-i2']) expect((await as('ivan', ['create', '--name', name, 'busybox', 'sleep', '600'])).code).toBe(0);
    const conn = await RawConnection.tls(ten.pki.bundle('ivan'), ten.gw.port);
    try {
      conn.write('GET /v1.41/events HTTP/1.1\r\nHost: docker\r\n\r\nPOST /v1.41/containers/ten-i1/start HTTP/1.1\r\nHost: docker\r\nContent-Length: 0\r\n\r\n');
      await until(async () => (await dockerDirect(socket, ['inspect', '-f', '{{.State.Running}}', 'ten-i1'])).stdout.trim() === 'true', 15_000, 'the pipelined start');
      // The start's answer waits behind /events; the running-quota lock must not wait with it.
      const second = await as('ivan', ['start', 'ten-i2'], 15_000);
      expect(second.stderr).toBe('');
      expect(second.code).toBe(0);
    } finally {
      conn.close();
    }
  });

  it.each([
    ['', false],
    [' behind an allowed Expect upload', true],
  ])('a create pipelined behind an Expect upload tenancy refuses after a daemon look-up%s is not run (the refusal closes the connection)', async (_name, leading) => {
    const tar = Buffer.alloc(2048);
    const upload = (container: string): Buffer => Buffer.concat([
      Buffer.from(`PUT /v1.41/containers/${container}/archive?path=/tmp HTTP/1.1\r\nHost: docker\r\nContent-Type: application/x-tar\r\nExpect: 100-continue\r\nContent-Length: ${tar.length}\r\n\r\n`),
      tar,
    ]);
    // Unnamed: tenancy forwards it without a daemon look-up, well before the upload's refusal.
    const vol = JSON.stringify({ Labels: { 'ten-after-close': '1' } });
    const conn = await RawConnection.tls(ten.pki.bundle('carol'), ten.gw.port);
    try {
      conn.write(Buffer.concat([...(leading ? [upload('ten-c1')] : []), upload('ten-a1'), jsonRequest('POST', '/v1.41/volumes/create', vol)]));
      // Her own container's upload (an empty archive) is answered first.
      if (leading) {
        let own = await conn.response();
        while (own.status === 100) own = await conn.response();
        expect(own.status).toBe(200);
      }
      const refused = await conn.response();
      expect(refused.status).toBe(403);
      expect(refused.text).toContain('belongs to another tenant');
      await conn.closed;
    } finally {
      conn.close();
    }
    // A fixed wait on purpose: what is checked is that the pipelined create is never run, which
    // nothing marks; the wait gives one wrongly forwarded time to show on the daemon.
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect((await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=ten-after-close'])).stdout.trim()).toBe('');
    expect(ten.gw.stdout().split('\n').some((l) => l.includes('"cn":"carol"') && l.includes('/volumes/create') && l.includes('after-close'))).toBe(true);
  });
});

describe('a build\'s tags are reserved until it ends (dockerd writes them at the end)', () => {
  it.each([
    ['the classic builder, docker 28 CLI', 'docker', '0'],
    ['BuildKit, docker 20.10 CLI', '/usr/bin/docker', '1'],
  ])('%s: while bob\'s slow build runs, carol (another team) may not build or commit the same tag; bob\'s image gets it', async (_name, cli, buildkit) => {
    const tag = `ten-race-${buildkit}:1`;
    const marker = `ten-race-${buildkit}-${Date.now()}`;
    const slow = scratchDir('ten-race-bob-');
    writeFileSync(join(slow, 'Dockerfile'), `FROM busybox\nRUN sleep 12 && echo ${marker} > /owner\n`);
    const quick = scratchDir('ten-race-carol-');
    writeFileSync(join(quick, 'Dockerfile'), `FROM busybox\nRUN echo carol-${marker} > /owner\n`);
    // networkmode none: the test daemon runs with --bridge=none.
    const build = (who: string, dir: string) => run(cli, [...tlsArgs(ten.pki.bundle(who), ten.gw.port), 'build', '--network', 'none', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: buildkit }, timeoutMs: 120_000 });

    const logFrom = ten.gw.stdout().length;
    const bobs = build('bob', slow);
    await until(() => processWith(marker), 60_000, 'bob\'s RUN step to be running');
    const reserved = (shown: string) => `tag "${shown}" is reserved by another tenant's ImageBuild still in progress`;
    const carols = await build('carol', quick);
    expect(carols.stderr).toContain(reserved(tag));
    expect(carols.code).not.toBe(0);
    const commit = await as('carol', ['commit', 'ten-c1', tag]);
    // The CLI sends a commit's repository fully qualified.
    expect(commit.stderr).toContain(reserved(`docker.io/library/${tag}`));
    expect(commit.code).not.toBe(0);
    // The audit line is written after the answer: wait for the records of carol's build and
    // commit (a BuildKit build's may come after the commit's: the CLI closes its session later).
    const records = await until(() => {
      const lines = ten.gw.stdout().slice(logFrom).split('\n').filter((l) => l.includes('"tag-reserved"') && l.includes('"cn":"carol"'));
      const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
      const last = (op: string) => parsed.filter((r) => r.operation === op).at(-1);
      const build = last('ImageBuild');
      const commit = last('ImageCommit');
      return build && commit && [build, commit];
    }, 10_000, 'the audit records of carol\'s build and commit');
    expect(records).toMatchObject([
      { operation: 'ImageBuild', decision: 'deny', code: 'tag-reserved', status: 409, identity: { cn: 'carol' } },
      { operation: 'ImageCommit', decision: 'deny', code: 'tag-reserved', status: 409, identity: { cn: 'carol' } },
    ]);

    const bob = await bobs;
    expect(bob.code, bob.stderr).toBe(0);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', tag]);
    expect(owner.stdout.trim()).toBe('bob');
    const bobsOwn = await as('bob', ['run', '--rm', '--network', 'none', tag, 'cat', '/owner']);
    expect(bobsOwn.stdout).toBe(`${marker}\n`);
    // Once the build has ended the tag is bob's: the ownership check refuses carol as before.
    const after = await build('carol', quick);
    expect(after.stderr).toContain(`tag "${tag}" names an image that belongs to another tenant`);
  });

  it('a build whose client leaves is still cancelled by dockerd (its daemon connection is half-closed), and its tag is free once dockerd has answered', async () => {
    const tag = 'ten-race-left:1';
    const marker = `ten-race-left-${Date.now()}`;
    const dir = scratchDir('ten-race-left-');
    writeFileSync(join(dir, 'Dockerfile'), `FROM busybox\nRUN sleep 120 && echo ${marker} > /owner\n`);
    const cli = spawn('docker', [...tlsArgs(ten.pki.bundle('bob'), ten.gw.port), 'build', '--network', 'none', '-t', tag, dir], { env: { ...process.env, DOCKER_BUILDKIT: '0' }, stdio: 'ignore' });
    try {
      await until(() => processWith(marker), 60_000, 'bob\'s RUN step to be running');
    } finally {
      cli.kill('SIGKILL');
    }
    // dockerd sees the client go, kills the step and ends the build (it would run two minutes).
    await until(() => !processWith(marker), 60_000, 'dockerd cancelling the build');
    // The tag stays reserved until the gateway has read dockerd's answer to its end; the build's
    // record is written once it has (after the reservation is freed: exchange.ts).
    const record = await until(() => ten.gw.stdout().split('\n').find((l) => l.includes('"cn":"bob"') && l.includes('"operation":"ImageBuild"') && l.includes('the client left')), 30_000, 'the audit record of the build');
    expect(record).toContain('the client left before the end of the answer; the daemon answered 200, read to its end (discarded)');
    expect((await as('carol', ['commit', 'ten-c1', tag])).code).toBe(0);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}}', tag]);
    expect(owner.stdout.trim()).toBe('carol');
    await dockerDirect(socket, ['rmi', tag]);
  }, 180_000);
});


/**
 * Writes to argv[1] a tar holding one file of argv[2] zero bytes, as concatenated bzip2 streams
 * (dockerd reads them as one): a tiny upload that takes dockerd seconds to unpack.
 */
const ZEROS_TAR_BZ2 = `
import bz2, sys, tarfile
size, piece = int(sys.argv[2]), 16 << 20
info = tarfile.TarInfo("zeros"); info.size = size
head = bz2.compress(info.tobuf(tarfile.USTAR_FORMAT) + bytes(piece - 512))
open(sys.argv[1], "wb").write(head + bz2.compress(bytes(piece)) * (size // piece + 1))
`;

/**
 * alice imports 1.3 KB of bzip2 (streams of zeros, concatenated) into `ten-imp:1`, labelled
 * `ten-imp=<marker>`, and closes the connection right after her last byte, once dockerd has
 * begun: it unpacks the 400 MB file for seconds after that, and finishes though she has gone.
 */
async function importAndLeave(port: number, marker: string): Promise<void> {
  const dir = scratchDir('ten-imp-');
  const made = await run('python3', ['-c', ZEROS_TAR_BZ2, join(dir, 'zeros.tar.bz2'), String(400 << 20)]);
  expect(made.code, made.stderr).toBe(0);
  const body = readFileSync(join(dir, 'zeros.tar.bz2'));
  // dockerd makes the layer's directory once it has begun reading the body.
  const layers = join(inject('daemonRoot'), 'data', 'overlay2');
  const before = readdirSync(layers).length;
  const conn = await RawConnection.tls(ten.pki.bundle('alice'), port);
  try {
    const target = `/v1.41/images/create?fromSrc=-&repo=ten-imp&tag=1&changes=${encodeURIComponent(`LABEL ten-imp=${marker}`)}`;
    conn.write(httpRequest({ method: 'POST', target, headers: [['Content-Type', 'application/x-tar'], ['Content-Length', String(body.length)]], body }));
    await until(() => readdirSync(layers).length > before, 30_000, 'dockerd unpacking the import');
  } finally {
    conn.close();
  }
}

/** The audit record line of alice's import into ten-imp. */
const importRecord = (out: string): string | undefined => out.split('\n').find((l) => l.includes('"cn":"alice"') && l.includes('"fromSrc":"-","repo":"ten-imp"'));

describe('locks held until dockerd has acted (found by the tenancy concurrency review)', () => {
  it('a create whose client leaves keeps the containers quota lock until dockerd has made the container; the audit record says so', async () => {
    // dockerd makes the anonymous volumes one by one before it registers the container: 3000 of
    // them, so that it is still at it when the test, polling for the first, closes the connection.
    const mounts = Array.from({ length: 3000 }, (_, i) => ({ Type: 'volume', Target: `/v${i}` }));
    const conn = await RawConnection.tls(ten.pki.bundle('kate'), ten.gw.port);
    try {
      conn.write(jsonRequest('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: mounts } })));
      await until(async () => (await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=dockgate.owner=kate'])).stdout.trim() !== '', 30_000, 'dockerd making the volumes');
    } finally {
      conn.close();
    }
    // Counted after the create the client left: refused (it was counted as 0 and made a second).
    const second = await as('kate', ['create', 'busybox', 'true']);
    expect(second.stderr).toContain('container quota reached (1 of 1)');
    const made = await dockerDirect(socket, ['ps', '-aq', '--filter', 'label=dockgate.owner=kate']);
    expect(made.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    const record = await until(() => ten.gw.stdout().split('\n').find((l) => l.includes('"cn":"kate"') && l.includes('/containers/create') && l.includes('the client left')), 10_000, 'the audit record of the create');
    expect(record).toContain('the client left before the answer; the daemon answered 201 (discarded)');
    await dockerDirect(socket, ['rm', '-f', '-v', ...made.stdout.split('\n').filter(Boolean)]);
  });

  it('a gateway shutting down lets a create whose client left finish within its grace period, and records what the daemon answered', async () => {
    // A grace period well beyond the seconds dockerd takes for the 3000 volumes.
    const own = await startGateway(ten.pki.dir, configYaml(ten.pki, socket, `policy: ${ten.policyFile}\nlimits:\n  shutdownGraceMs: 60000\n`));
    const mounts = Array.from({ length: 3000 }, (_, i) => ({ Type: 'volume', Target: `/v${i}` }));
    const conn = await RawConnection.tls(ten.pki.bundle('kate'), own.port);
    try {
      conn.write(jsonRequest('POST', '/v1.41/containers/create', JSON.stringify({ Image: 'busybox', Cmd: ['true'], HostConfig: { Mounts: mounts } })));
      await until(async () => (await dockerDirect(socket, ['volume', 'ls', '-q', '--filter', 'label=dockgate.owner=kate'])).stdout.trim() !== '', 30_000, 'dockerd making the volumes');
    } finally {
      conn.close();
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
    // SIGTERM while dockerd still makes the volumes: closing the daemon side at once recorded
    // "the daemon request failed" for a container dockerd made anyway.
    expect(await own.stop()).toBe(0);
    const record = own.stdout().split('\n').find((l) => l.includes('"cn":"kate"') && l.includes('/containers/create'));
    expect(record).toContain('the client left before the answer; the daemon answered 201 (discarded)');
    const made = await dockerDirect(socket, ['ps', '-aq', '--filter', 'label=dockgate.owner=kate']);
    expect(made.stdout.split('\n').filter(Boolean)).toHaveLength(1);
    await dockerDirect(socket, ['rm', '-f', '-v', ...made.stdout.split('\n').filter(Boolean)]);
  });

  it('an import whose client leaves right after its last byte keeps its tag reserved until dockerd has written it: another tenant\'s tag of that name is refused meanwhile, never re-pointed (found by the images review)', async () => {
    expect((await as('carol', ['commit', 'ten-c1', 'ten-imp-c:1'])).code).toBe(0);
    const marker = `ten-imp-${Date.now()}`;
    const imported = async () => (await dockerDirect(socket, ['images', '-q', '--filter', `label=ten-imp=${marker}`])).stdout.trim() !== '';
    await importAndLeave(ten.gw.port, marker);
    // carol tags her own image with that name until dockerd has imported alice's: with the
    // reservation freed when alice left, her tag got in and dockerd then re-pointed it.
    const statuses: number[] = [];
    while (!(await imported())) statuses.push((await api('carol', 'POST', '/images/ten-imp-c:1/tag?repo=ten-imp&tag=1')).status);
    // 409 tag-reserved while dockerd works; 403 (the tag names alice's image) once it has
    // written the tag and before its answer has ended; never a 201.
    expect(statuses.join(' ')).toMatch(/^(409 )*409( 403)*$/);
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "dockgate.owner"}} {{index .Config.Labels "ten-imp"}}', 'ten-imp:1']);
    expect(owner.stdout.trim()).toBe(`alice ${marker}`);
    const record = await until(() => importRecord(ten.gw.stdout()), 10_000, 'the audit record of the import');
    expect(record).toContain('the client left before the end of the answer; the daemon answered 200, read to its end (discarded)');
    // Now the tag is alice's: the ownership check refuses carol.
    expect((await api('carol', 'POST', '/images/ten-imp-c:1/tag?repo=ten-imp&tag=1')).status).toBe(403);
    await dockerDirect(socket, ['rmi', 'ten-imp:1', 'ten-imp-c:1', 'ten-race-left:1']);
  }, 120_000);

  it('a gateway shutting down waits, within its grace period, for such an import to end, and records that dockerd finished it', async () => {
    const own = await startGateway(ten.pki.dir, configYaml(ten.pki, socket, `policy: ${ten.policyFile}\nlimits:\n  shutdownGraceMs: 60000\n`));
    const marker = `ten-imp-${Date.now()}`;
    await importAndLeave(own.port, marker);
    // SIGTERM while dockerd still unpacks: the gateway waits for its answer.
    expect(await own.stop()).toBe(0);
    expect(importRecord(own.stdout())).toContain('the client left before the end of the answer; the daemon answered 200, read to its end (discarded)');
    const owner = await dockerDirect(socket, ['image', 'inspect', '-f', '{{index .Config.Labels "ten-imp"}}', 'ten-imp:1']);
    expect(owner.stdout.trim()).toBe(marker);
    await dockerDirect(socket, ['rmi', 'ten-imp:1']);
  }, 120_000);

  it('a restart keeps its container counted until dockerd has started it again, and holds up no other start meanwhile', async () => {
    for (const name of ['ten-j1', 'ten-j2']) expect((await as('jack', ['run', '-d', '--name', name, 'busybox', 'sleep', '600'])).code).toBe(0);
    expect((await as('jack', ['create', '--name', 'ten-j3', 'busybox', 'sleep', '600'])).code).toBe(0);
    const since = String(Math.floor(Date.now() / 1000) - 1);
    // sleep as PID 1 ignores SIGTERM: dockerd waits the 3 s of -t, kills it and starts it again.
    let restartDone = false;
    const restart = as('jack', ['restart', '-t', '3', 'ten-j1']).then((r) => ((restartDone = true), r));
    await until(async () => (await dockerDirect(socket, ['events', '--since', since, '--until', String(Date.now() / 1000), '--filter', 'container=ten-j1', '--filter', 'event=kill'])).stdout.trim() !== '', 15_000, 'the restart stopping ten-j1');
    // ten-j1 still counts while it is stopped (in that window a start got in), and the start is
    // answered at once rather than after the restart (it waited out the stop timeout, endless with -t -1).
    const start = await as('jack', ['start', 'ten-j3']);
    expect(start.stderr).toContain('running-container quota reached (2 of 2 running)');
    expect(restartDone).toBe(false);
    expect((await restart).code).toBe(0);
    const running = await dockerDirect(socket, ['ps', '-q', '--filter', 'label=dockgate.owner=jack']);
    expect(running.stdout.split('\n').filter(Boolean)).toHaveLength(2);
  });

  it('two tenants creating one volume name, or one network name, at once: one gets it, the other is refused', async () => {
    const at = async (who: string): Promise<RawConnection> => RawConnection.tls(ten.pki.bundle(who), ten.gw.port);
    for (let i = 0; i < 15; i++) {
      for (const [kind, path, name] of [['volume', '/v1.41/volumes/create', `ten-vrace-${i}`], ['network', '/v1.41/networks/create', `ten-nrace-${i}`]] as const) {
        const conns = [await at('alice'), await at('carol')];
        try {
          // Both written in one turn: the gateway reads them at once.
          for (const c of conns) c.write(jsonRequest('POST', path, JSON.stringify({ Name: name })));
          const [a, c] = await Promise.all(conns.map((conn) => conn.response()));
          const got = [a, c].map((r) => r?.status);
          expect([kind, got.filter((s) => s === 201).length], `${name}: ${a?.text} ${c?.text}`).toEqual([kind, 1]);
          if (kind === 'volume') {
            // The one answered 201 got its own volume, never the other tenant's.
            const [winner, who] = a?.status === 201 ? [a, 'alice'] : [c, 'carol'];
            expect((JSON.parse(winner?.text ?? '{}') as { Labels?: Record<string, string> }).Labels?.['dockgate.owner']).toBe(who);
          }
        } finally {
          for (const conn of conns) conn.close();
        }
      }
      await dockerDirect(socket, ['network', 'rm', `ten-nrace-${i}`]);
    }
    expect((await dockerDirect(socket, ['network', 'ls', '-q', '--filter', 'name=ten-nrace-'])).stdout.trim()).toBe('');
  });
});
