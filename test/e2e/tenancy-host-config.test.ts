/**
 * Tenancy end to end, the HostConfig tenancy adds to a create for its limits: it keeps a legacy
 * top-level HostConfig's settings, and changes nothing else dockerd would have done without
 * one (the cgroup and IPC namespaces, a top-level Cpuset), with and without the hostNamespaces
 * guard (support/tenancy-suite.ts).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { configYaml, dockerDirect, run, startGateway, type TestGateway } from './support/gateway.js';
import { everyonePolicy } from './support/sharing-guide.js';
import { tenancySuite } from './support/tenancy-suite.js';

const socket = inject('dockerSocket');
const ten = tenancySuite(['alice', 'carol', 'root'], { firstContainers: false });
const { api } = ten;

describe('review fixes, on the real daemon', () => {
  it('a legacy top-level HostConfig (API < 1.24) keeps its settings: tenancy moves them into the HostConfig it adds', async () => {
    const r = await api('alice', 'POST', '/containers/create?name=ten-legacy', { Image: 'busybox', Cmd: ['true'], ReadonlyRootfs: true, ShmSize: 8388608 });
    expect(r.status, JSON.stringify(r.json)).toBe(201);
    const host = await dockerDirect(socket, ['inspect', '-f', '{{.HostConfig.ReadonlyRootfs}}/{{.HostConfig.ShmSize}}/{{.HostConfig.Memory}}', 'ten-legacy']);
    expect(host.stdout.trim()).toBe(`true/8388608/${32 * 1024 * 1024}`);
  });
});

describe('hostNamespaces: false with tenancy limits', () => {
  /**
   * A gateway of the test's own whose rule allows everything but host namespaces, with tenancy
   * limits (a default memory limit) and room for the tests' containers.
   */
  const startGuardedGateway = (): Promise<TestGateway> => {
    const policyFile = join(ten.pki.dir, 'tenancy-host-namespaces.yaml');
    const quotas = ['quotas:', '  default: { containers: 20, memory: 64m, defaultMemory: 32m }'];
    writeFileSync(policyFile, everyonePolicy(['admins: { groups: [ops] }', 'teams: [web, data]', 'unowned: [images]', ...quotas], { guards: '{ hostNamespaces: false }' }));
    return startGateway(ten.pki.dir, configYaml(ten.pki, socket, `policy: ${policyFile}\n`));
  };

  it('a create below API 1.41 without a HostConfig gets a private cgroup namespace, though tenancy adds a HostConfig for its memory limit', async () => {
    const own = await startGuardedGateway();
    try {
      const b = ten.pki.bundle('carol');
      for (const body of [{ Image: 'busybox', Cmd: ['true'] }, { Image: 'busybox', Cmd: ['true'], HostConfig: null }]) {
        const r = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), `https://127.0.0.1:${own.port}/v1.40/containers/create`]);
        const id = (JSON.parse(r.stdout) as { Id?: string }).Id;
        expect(id, r.stdout).toMatch(/^[0-9a-f]{64}$/);
        const seen = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}} {{.HostConfig.Memory}}', id as string]);
        expect(seen.stdout.trim()).toBe(`private ${32 * 1024 * 1024}`);
      }
      // And under a policy without the guard (the suite's gateway: allow all, no guards; rev-interplay F3):
      // the HostConfig tenancy adds must not make dockerd force the host's cgroup namespace, which a
      // body without one would not have got (dockerd gives it the daemon's default-cgroupns-mode).
      for (const version of ['1.39', '1.40']) {
        for (const body of [{ Image: 'busybox', Cmd: ['true'] }, { Image: 'busybox', Cmd: ['true'], HostConfig: null }]) {
          const r = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), `https://127.0.0.1:${ten.gw.port}/v${version}/containers/create`]);
          const id = (JSON.parse(r.stdout) as { Id?: string }).Id;
          expect(id, r.stdout).toMatch(/^[0-9a-f]{64}$/);
          const seen = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}} {{.HostConfig.Memory}}', id as string]);
          expect([version, body, seen.stdout.trim()]).toEqual([version, body, `private ${32 * 1024 * 1024}`]);
        }
      }
      // The client's own empty HostConfig is left alone: dockerd does with it what it would have done (cgroup v1 here: host).
      const ownHost = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","Cmd":["true"],"HostConfig":{}}', `https://127.0.0.1:${ten.gw.port}/v1.40/containers/create`]);
      const direct = await run('curl', ['-s', '--unix-socket', socket, '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","Cmd":["true"],"HostConfig":{}}', 'http://d/v1.40/containers/create']);
      const modes = [];
      for (const out of [ownHost.stdout, direct.stdout]) {
        const id = (JSON.parse(out) as { Id?: string }).Id;
        expect(id, out).toMatch(/^[0-9a-f]{64}$/);
        modes.push((await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.CgroupnsMode}}', id as string])).stdout.trim());
        if (out === direct.stdout) await dockerDirect(socket, ['rm', '-f', id as string]);
      }
      expect(modes[0]).toBe(modes[1]);
      // A HostConfig dockerd cannot decode is refused, not replaced by tenancy's (which made a container).
      const bad = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","HostConfig":"x"}', `https://127.0.0.1:${own.port}/v1.40/containers/create`]);
      expect(bad.stdout).toMatch(/HostConfig is a string where dockerd reads an object: dockerd refuses the body"}\n+400$/);
      // Types dockerd cannot decode, and a whole number written as a float (Go refuses 5e8 in
      // an int64): refused, not rewritten into a body dockerd accepts (each made a container).
      for (const raw of ['{"Image":"busybox","HostConfig":{"Memory":"x"}}', '{"Image":"busybox","HostConfig":{"NanoCpus":5e8}}']) {
        const r = await run('curl', ['-s', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', raw, `https://127.0.0.1:${own.port}/v1.41/containers/create`]);
        expect(r.stdout).toMatch(/\n+400$/);
      }
      // The refusals freed the quota's lock: the tenant's next create is answered (it waited for good).
      const next = await run('curl', ['-s', '-m', '20', '-w', '\n%{http_code}', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', '{"Image":"busybox","Cmd":["true"]}', `https://127.0.0.1:${own.port}/v1.41/containers/create`]);
      expect(next.stdout).toMatch(/\n+201$/);
    } finally {
      await own.stop();
    }
  });

  it('a HostConfig the gateway adds to a create without one changes nothing else: below API 1.40 no shareable IPC namespace, and no CPUs pinned by a top-level Cpuset dockerd ignored', async () => {
    const own = await startGuardedGateway();
    const create = async (who: string, port: number, version: string, body: unknown): Promise<string> => {
      const b = ten.pki.bundle(who);
      const r = await run('curl', ['-s', '--cacert', join(b, 'ca.pem'), '--cert', join(b, 'cert.pem'), '--key', join(b, 'key.pem'), '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), `https://127.0.0.1:${port}/v${version}/containers/create`]);
      const id = (JSON.parse(r.stdout) as { Id?: string }).Id;
      expect(id, r.stdout).toMatch(/^[0-9a-f]{64}$/);
      const seen = await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.IpcMode}} cpuset={{.HostConfig.CpusetCpus}} {{.HostConfig.CgroupnsMode}} {{.HostConfig.Memory}}', id as string]);
      if (who === 'root') await dockerDirect(socket, ['rm', '-f', id as string]);
      return seen.stdout.trim();
    };
    const body = { Image: 'busybox', Cmd: ['true'], Cpuset: '0' };
    const mem = 32 * 1024 * 1024;
    try {
      // Directly on the socket, as dockerd treats the client's body: private, the Cpuset ignored.
      const direct = await run('curl', ['-s', '--unix-socket', socket, '-H', 'Content-Type: application/json', '--data-binary', JSON.stringify(body), 'http://d/v1.39/containers/create']);
      const directId = (JSON.parse(direct.stdout) as { Id: string }).Id;
      expect((await dockerDirect(socket, ['inspect', '--format', '{{.HostConfig.IpcMode}} cpuset={{.HostConfig.CpusetCpus}}', directId])).stdout.trim()).toBe('private cpuset=');
      await dockerDirect(socket, ['rm', '-f', directId]);
      // The cgroupns amendment alone (an admin: no tenancy), then with tenancy's memory limit.
      expect(await create('root', own.port, '1.39', body)).toBe('private cpuset= private 0');
      expect(await create('carol', own.port, '1.39', body)).toBe(`private cpuset= private ${mem}`);
      // An unknown top-level key is no legacy host field: dockerd still decodes no HostConfig (rev-interplay F4).
      expect(await create('carol', own.port, '1.39', { ...body, Foo: 1 })).toBe(`private cpuset= private ${mem}`);
      // Tenancy's limits alone: below 1.40 through the gateway without the guard (the cgroup namespace private all the same), and at 1.41 (no amendment).
      expect(await create('carol', ten.gw.port, '1.39', body)).toBe(`private cpuset= private ${mem}`);
      expect(await create('carol', own.port, '1.41', { Image: 'busybox', Cmd: ['true'], CPUSET: '0' })).toMatch(new RegExp(`^private cpuset= \\S+ ${mem}$`));
      // The client's own HostConfig: dockerd forces shareable and reads the Cpuset, as it would have.
      expect(await create('carol', ten.gw.port, '1.39', { ...body, HostConfig: {} })).toMatch(new RegExp(`^shareable cpuset=0 \\S+ ${mem}$`));
    } finally {
      await own.stop();
    }
  });
});
