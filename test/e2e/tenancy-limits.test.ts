/**
 * Tenancy end to end, limits and quotas: the memory, swap, CPU and PIDs limits tenancy injects
 * and bounds, and the running, streams, containers, networks and rate quotas of single users
 * (support/tenancy-suite.ts), each also checked on the daemon.
 */
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { background, killAll } from './support/background.js';
import { dockerDirect, tlsArgs } from './support/gateway.js';
import { openStreams } from './support/open-streams.js';
import { tenancySuite } from './support/tenancy-suite.js';
import { until } from './support/until.js';

const socket = inject('dockerSocket');
const ten = tenancySuite(['alice', 'carol', 'erin', 'dave', 'frank', 'gina', 'hank', 'ivan', 'volume-name:ten-lkv']);
const { as } = ten;

describe('prune, limits, labels', () => {
  it('the default memory limit is injected and the maximum enforced', async () => {
    const r = await as('carol', ['inspect', '-f', '{{.HostConfig.Memory}}', 'ten-c1']);
    expect(r.stdout.trim()).toBe(String(32 * 1024 * 1024));
    const big = await as('carol', ['run', '-d', '--memory', '1g', 'busybox', 'true']);
    expect(big.code).not.toBe(0);
    expect(big.stderr).toContain('exceeds your maximum of 64MiB');
  });

  it('swap is bounded under the memory quota: no unlimited swap, at most twice the maximum (rev-tenread F2)', async () => {
    const unlimited = await as('carol', ['run', '-d', '--memory', '32m', '--memory-swap', '-1', 'busybox', 'true']);
    expect(unlimited.code).not.toBe(0);
    expect(unlimited.stderr).toContain('unlimited swap (MemorySwap -1) is not allowed under a memory quota');
    const above = await as('carol', ['create', '--memory', '32m', '--memory-swap', '129m', 'busybox', 'true']);
    expect(above.stderr).toContain('exceeds twice your memory maximum, 128MiB');
    const within = await as('carol', ['create', '--name', 'ten-c-swap', '--memory', '32m', '--memory-swap', '128m', 'busybox', 'true']);
    expect(within.stderr).toBe('');
    const before = (await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.MemorySwap}}', 'ten-c-swap'])).stdout.trim();
    const lift = await as('carol', ['update', '--memory-swap', '-1', 'ten-c-swap']);
    expect(lift.stderr).toContain('unlimited swap (MemorySwap -1)');
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.MemorySwap}}', 'ten-c-swap'])).stdout.trim()).toBe(before);
    expect((await as('carol', ['rm', 'ten-c-swap'])).code).toBe(0);
  });

  it('the running-container quota: the second start is refused, the first keeps running', async () => {
    expect((await as('frank', ['run', '-d', '--name', 'ten-f1', 'busybox', 'sleep', '600'])).code).toBe(0);
    const second = await as('frank', ['run', '-d', '--name', 'ten-f2', 'busybox', 'sleep', '600']);
    expect(second.code).toBe(125);
    expect(second.stderr).toContain('running-container quota reached (1 of 1 running)');
    const running = await dockerDirect(socket, ['ps', '-q', '--filter', 'label=dockgate.owner=frank']);
    expect(running.stdout.split('\n').filter(Boolean).length).toBe(1);
  });

  it('the streams quota: a second concurrent stream gets 429 while the first stays open', async () => {
    const started: ChildProcessWithoutNullStreams[] = [];
    try {
      const before = await openStreams(ten.gw);
      const first = background(started, 'docker', [...tlsArgs(ten.pki.bundle('frank'), ten.gw.port), 'logs', '-f', 'ten-f1']);
      await until(async () => (await openStreams(ten.gw)) > before, 10_000, 'frank\'s logs -f to be open');
      const second = await as('frank', ['events', '--since', '0', '--until', '1']);
      expect(second.code).not.toBe(0);
      expect(second.stderr).toContain('1 concurrent streams already open');
      expect(first.child.exitCode).toBeNull();
      // The first stream closed (its client gone): the slot is free again.
      first.child.kill('SIGTERM');
      await first.exited;
      const third = await until(async () => {
        const r = await as('frank', ['events', '--since', '0', '--until', '1']);
        return r.code === 0 ? r : undefined;
      }, 10_000, 'frank\'s stream slot to be free again');
      expect(third.stderr).toBe('');
    } finally {
      killAll(started);
    }
  });

  it('20 concurrent docker run -d: exactly the quota of 5 succeed', async () => {
    const runs = await Promise.all(Array.from({ length: 20 }, () => as('erin', ['run', '-d', 'busybox', 'sleep', '600'], 120_000)));
    const ok = runs.filter((r) => r.code === 0);
    expect(ok.length).toBe(5);
    expect(runs.filter((r) => r.stderr.includes('container quota reached')).length).toBe(15);
    const direct = await dockerDirect(socket, ['ps', '-aq', '--filter', 'label=dockgate.owner=erin']);
    expect(direct.stdout.split('\n').filter(Boolean).length).toBe(5);
  }, 180_000);

  it('a tenant whose certificate name spells another lock\'s key (volume-name:ten-lkv) creates with a volume of that name (rev-identity F1)', async () => {
    // The containers-quota lock was keyed by the bare tenant name, the volume-name locks by
    // `volume-name:<name>`: this tenant's create mounting ten-lkv took the volume's lock, then
    // waited for its own quota lock, the same key, for good, and every use of ten-lkv after it.
    const who = 'volume-name:ten-lkv';
    expect((await as(who, ['volume', 'create', 'ten-lkv'], 30_000)).code).toBe(0);
    const made = await as(who, ['run', '--name', 'ten-lk1', '-v', 'ten-lkv:/d', 'busybox', 'true'], 30_000);
    expect([made.code, made.stderr]).toEqual([0, '']);
    const again = await as(who, ['create', '--name', 'ten-lk2', '-v', 'ten-lkv:/d', 'busybox', 'true'], 30_000);
    expect([again.code, again.stderr]).toEqual([0, '']);
    const rm = await as(who, ['rm', '-v', 'ten-lk1', 'ten-lk2'], 30_000);
    expect(rm.code, rm.stderr).toBe(0);
    expect((await as(who, ['volume', 'rm', 'ten-lkv'], 30_000)).code).toBe(0);
  }, 120_000);

  it('the rate limit answers 429 and the CLI shows the message', async () => {
    const results = [];
    for (let i = 0; i < 4; i++) results.push(await as('dave', ['volume', 'ls', '-q']));
    const limited = results.find((r) => r.code !== 0);
    expect(limited?.stderr).toContain('rate limit of 0.2 requests/s exceeded');
    const curl = await import('./support/gateway.js').then((m) =>
      m.run('curl', ['-s', '-i', '--cacert', join(ten.pki.bundle('dave'), 'ca.pem'), '--cert', join(ten.pki.bundle('dave'), 'cert.pem'), '--key', join(ten.pki.bundle('dave'), 'key.pem'), `https://127.0.0.1:${ten.gw.port}/volumes`]),
    );
    expect(curl.stdout).toMatch(/^HTTP\/1\.1 429/);
    expect(curl.stdout).toMatch(/Retry-After: \d+/i);
    expect(curl.stdout).toContain('Content-Type: application/json');
  });
});

describe('review fixes, on the real daemon', () => {
  it('#11 services are refused to tenants with a clear message', async () => {
    const r = await as('alice', ['service', 'create', '--no-resolve-image', '--name', 'ten-svc', 'busybox', 'true']);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain('only tenancy admins may run it');
  });

  it('#10 CpuQuota -1 and an update of CpuPeriod alone cannot lift the CPU limit', async () => {
    const unlimited = await as('gina', ['run', '-d', '--cpu-quota', '-1', 'busybox', 'true']);
    expect(unlimited.stderr).toContain('negative CpuQuota');
    expect((await as('gina', ['run', '-d', '--name', 'ten-g1', '--cpu-period', '100000', '--cpu-quota', '100000', 'busybox', 'sleep', '600'])).code).toBe(0);
    const raise = await as('gina', ['update', '--cpu-period', '1000', 'ten-g1']);
    expect(raise.stderr).toContain('CPU limit 100 exceeds your maximum of 1');
    const lift = await as('gina', ['update', '--cpu-quota', '-1', 'ten-g1']);
    expect(lift.stderr).toContain('negative CpuQuota');
    const hc = await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.CpuQuota}}/{{.HostConfig.CpuPeriod}}', 'ten-g1']);
    expect(hc.stdout.trim()).toBe('100000/100000');
  });

  it('#14 a paused container counts against the running quota', async () => {
    expect((await as('hank', ['run', '-d', '--name', 'ten-h1', 'busybox', 'sleep', '600'])).code).toBe(0);
    expect((await as('hank', ['pause', 'ten-h1'])).code).toBe(0);
    const second = await as('hank', ['run', '-d', '--name', 'ten-h2', 'busybox', 'sleep', '600']);
    expect(second.stderr).toContain('running-container quota reached (1 of 1 running)');
    expect((await as('hank', ['unpause', 'ten-h1'])).code).toBe(0);
  });

  it('the PIDs quota is injected into the container\'s cgroup, and cannot be raised or lifted', async () => {
    // cgroup v2 or v1, whichever the host has.
    const pidsMax = ['sh', '-c', 'cat /sys/fs/cgroup/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids/pids.max'];
    const inside = await as('gina', ['run', '--rm', 'busybox', ...pidsMax]);
    expect(inside.stderr).toBe('');
    expect(inside.stdout.trim()).toBe('64');
    const lower = await as('gina', ['run', '--rm', '--pids-limit', '32', 'busybox', ...pidsMax]);
    expect(lower.stdout.trim()).toBe('32');
    const above = await as('gina', ['run', '--rm', '--pids-limit', '1000', 'busybox', 'true']);
    expect(above.stderr).toContain('PIDs limit 1000 exceeds your maximum of 64');
    expect((await as('gina', ['create', '--name', 'ten-g-pids', 'busybox', 'true'])).code).toBe(0);
    const lift = await as('gina', ['update', '--pids-limit', '-1', 'ten-g-pids']);
    expect(lift.stderr).toContain('removing the PIDs limit is not allowed');
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.PidsLimit}}', 'ten-g-pids'])).stdout.trim()).toBe('64');
  });

  it('with a running quota, restart policies are refused at create and update (dockerd restarts such containers by itself)', async () => {
    for (const policy of ['always', 'unless-stopped', 'on-failure:3']) {
      const r = await as('hank', ['create', '--restart', policy, 'busybox', 'true']);
      expect(r.code, policy).not.toBe(0);
      expect(r.stderr, policy).toContain('restart policies are not allowed with a running-container quota');
    }
    expect((await as('hank', ['create', '--name', 'ten-h-restart', '--restart', 'no', 'busybox', 'true'])).code).toBe(0);
    const update = await as('hank', ['update', '--restart', 'always', 'ten-h-restart']);
    expect(update.stderr).toContain('restart policies are not allowed');
    expect((await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.RestartPolicy.Name}}', 'ten-h-restart'])).stdout.trim()).toBe('no');
    // Without a running quota a restart policy is fine.
    expect((await as('gina', ['create', '--name', 'ten-g-restart', '--restart', 'always', 'busybox', 'true'])).code).toBe(0);
  });

  it('the networks quota: the second network is refused, and nothing is created', async () => {
    expect((await as('ivan', ['network', 'create', 'ten-i-net1'])).code).toBe(0);
    const second = await as('ivan', ['network', 'create', 'ten-i-net2']);
    expect(second.stderr).toContain('network quota reached (1 of 1)');
    expect((await dockerDirect(socket, ['network', 'inspect', 'ten-i-net2'])).code).not.toBe(0);
  });
});
