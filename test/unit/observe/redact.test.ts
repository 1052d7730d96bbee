/**
 * The audit fields of a request (redact.ts, auditFields): what the guards look at, recorded without
 * a secret (env values, labels, driver options, tokens); and env names (envNames). Image, build,
 * plugin and service references: reference-audit-fields.test.ts.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { decodeGoJson } from '../../../src/facts/go-json.js';
import { envNames } from '../../../src/observe/audit-value.js';
import { auditFields } from '../../../src/observe/redact.js';
import { facts, operation } from './fixtures.js';
import { expectAuditFields, SECRET, type AuditFieldsCase } from './redact-fixtures.js';

describe('auditFields', () => {
  const cases: AuditFieldsCase[] = [
    {
      name: 'ContainerCreate: guard-relevant fields, env names only, case-insensitive keys',
      op: 'ContainerCreate',
      query: { name: 'web' },
      body: {
        image: 'busybox',
        CMD: ['sh', '-c', 'id'],
        Entrypoint: '/bin/sh',
        User: 'root',
        Hostname: 'web1',
        Env: [`PASSWORD=${SECRET}`, 'PATH=/bin', 'BARE'],
        Labels: { token: SECRET },
        HostConfig: {
          privileged: true,
          Binds: ['/etc:/host-etc:ro'],
          Mounts: [{ Type: 'bind', Source: '/var/run/docker.sock', Target: '/s', VolumeOptions: { DriverConfig: { Options: { password: SECRET } } } }],
          NetworkMode: 'host',
          PidMode: 'host',
          IpcMode: 'host',
          CapAdd: ['SYS_ADMIN'],
          Devices: [{ PathOnHost: '/dev/kmsg', PathInContainer: '/dev/kmsg', CgroupPermissions: 'rwm' }],
          SecurityOpt: ['seccomp=unconfined'],
        },
      },
      want: {
        name: 'web',
        image: 'busybox',
        cmd: ['sh', '-c', 'id'],
        entrypoint: '/bin/sh',
        user: 'root',
        hostname: 'web1',
        envNames: ['PASSWORD', 'PATH', 'BARE'],
        privileged: true,
        binds: ['/etc:/host-etc:ro'],
        mountSources: ['/var/run/docker.sock'],
        networkMode: 'host',
        pidMode: 'host',
        ipcMode: 'host',
        capAdd: ['SYS_ADMIN'],
        securityOpt: ['seccomp=unconfined'],
        devices: ['/dev/kmsg'],
      },
    },
    {
      // API < 1.24 layout: no HostConfig, its fields at the top level; dockerd up to 24 uses them.
      name: 'ContainerCreate: legacy top-level HostConfig fields when HostConfig is absent',
      op: 'ContainerCreate',
      query: { name: 'legacy1' },
      body: {
        Image: 'busybox',
        Env: [`TOKEN=${SECRET}`],
        Privileged: true,
        Binds: ['/:/host'],
        PidMode: 'host',
        networkmode: 'host',
        CapAdd: ['SYS_ADMIN'],
        Mounts: [{ Type: 'bind', Source: '/etc', Target: '/e' }],
        Devices: [{ PathOnHost: '/dev/mem' }],
        VolumeDriver: 'x',
      },
      want: {
        name: 'legacy1',
        image: 'busybox',
        envNames: ['TOKEN'],
        privileged: true,
        binds: ['/:/host'],
        pidMode: 'host',
        networkMode: 'host',
        capAdd: ['SYS_ADMIN'],
        mountSources: ['/etc'],
        devices: ['/dev/mem'],
        legacyHostConfig: true,
      },
    },
    {
      name: 'ContainerCreate: a null HostConfig is absent for dockerd: the top level is recorded',
      op: 'ContainerCreate',
      body: { Image: 'busybox', HostConfig: null, Binds: ['/:/host'], SecurityOpt: ['seccomp=unconfined'] },
      want: { image: 'busybox', binds: ['/:/host'], securityOpt: ['seccomp=unconfined'], legacyHostConfig: true },
    },
    {
      name: 'ContainerCreate: with a HostConfig object dockerd ignores the top-level copies, and so does the record',
      op: 'ContainerCreate',
      body: { Image: 'busybox', Privileged: true, Binds: ['/:/host'], hostconfig: { Binds: ['/srv:/srv'] } },
      want: { image: 'busybox', binds: ['/srv:/srv'] },
    },
    {
      name: 'ContainerCreate: an image reference sent as a list keeps no credentials either',
      op: 'ContainerCreate',
      body: { Image: ['https://u:SEKRET45@h/i', 7] },
      want: { image: ['https://***@h/i', 7] },
    },
    {
      name: 'ContainerCreate: no host fields anywhere, no legacy marker',
      op: 'ContainerCreate',
      body: { Image: 'busybox', Cmd: ['true'] },
      want: { image: 'busybox', cmd: ['true'] },
    },
    {
      name: 'ContainerUpdate: resources and restart policy (top-level UpdateConfig fields)',
      op: 'ContainerUpdate',
      params: { name: 'web' },
      body: {
        memory: 1073741824,
        MemorySwap: -1,
        MemoryReservation: 0,
        NanoCpus: 2000000000,
        CpuShares: 512,
        CpuQuota: 50000,
        CpuPeriod: 100000,
        CpusetCpus: '0-1',
        CpusetMems: '0',
        PidsLimit: 100,
        BlkioWeight: 300,
        KernelMemory: 0,
        RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 3 },
        Devices: [{ PathOnHost: '/dev/mem' }],
        Env: [`X=${SECRET}`],
      },
      want: {
        name: 'web',
        memory: 1073741824,
        memorySwap: -1,
        memoryReservation: 0,
        nanoCpus: 2000000000,
        cpuShares: 512,
        cpuQuota: 50000,
        cpuPeriod: 100000,
        cpusetCpus: '0-1',
        cpusetMems: '0',
        pidsLimit: 100,
        blkioWeight: 300,
        kernelMemory: 0,
        restartPolicy: 'on-failure',
        restartMaxRetries: 3,
      },
    },
    {
      name: 'ContainerExec (ExecCreate): cmd, user, privileged, tty',
      op: 'ContainerExec',
      params: { name: 'web' },
      body: { Cmd: ['sh'], User: '0', Privileged: false, Tty: true, Env: [`TOKEN=${SECRET}`] },
      want: { name: 'web', cmd: ['sh'], user: '0', privileged: false, tty: true, envNames: ['TOKEN'] },
    },
    {
      name: 'ServiceCreate: image only, nothing under Secrets',
      op: 'ServiceCreate',
      body: { Name: 'svc', TaskTemplate: { ContainerSpec: { Image: 'nginx', Secrets: [{ SecretName: SECRET, SecretID: SECRET }], Env: [`A=${SECRET}`] } } },
      want: { name: 'svc', image: 'nginx' },
    },
    {
      name: 'SecretCreate: name, never Data',
      op: 'SecretCreate',
      body: { Name: 'db-password', Data: Buffer.from(SECRET).toString('base64') },
      want: { name: 'db-password' },
    },
    {
      name: 'VolumeCreate: driver option keys, not their values',
      op: 'VolumeCreate',
      body: { Name: 'v', Driver: 'local', DriverOpts: { type: 'cifs', device: '//nas/share', o: `username=u,password=${SECRET}` } },
      want: { name: 'v', driver: 'local', driverOptKeys: ['type', 'device', 'o'], device: '//nas/share', type: 'cifs' },
    },
    {
      name: 'SwarmJoin: never the join token',
      op: 'SwarmJoin',
      body: { RemoteAddrs: ['10.0.0.1:2377'], JoinToken: SECRET },
      want: { remoteAddrs: ['10.0.0.1:2377'] },
    },
    { name: 'ContainerRename: the new name beside the old one (rev-fix-dns N2)', op: 'ContainerRename', params: { name: 'sq1' }, query: { name: 'carol-sq' }, want: { name: 'sq1', newName: 'carol-sq' } },
    { name: 'per-object op: params only', op: 'ContainerStart', params: { name: 'abc' }, want: { name: 'abc' } },
    { name: 'nothing to say', op: 'ContainerList', want: undefined },
    {
      name: 'odd types are dropped, not stringified',
      op: 'ContainerCreate',
      body: { Image: { nested: SECRET }, Cmd: [1, true, { x: SECRET }, 'ok'] },
      want: { cmd: [1, true, 'ok'] },
    },
  ];

  it.each(cases)('$name', (row) => expectAuditFields(row));

  it('VolumeCreate: every spelling of a device or type option (a Go map keeps them apart), never o', () => {
    const body = decodeGoJson(new TextEncoder().encode(JSON.stringify({ Name: 'v', DriverOpts: { type: 'tmpfs', device: 'tmpfs', DEVICE: '/', o: `password=${SECRET}` } })));
    const got = auditFields(facts(operation('VolumeCreate'), { body }));
    expect(got).toEqual({ name: 'v', driverOptKeys: ['type', 'device', 'DEVICE', 'o'], device: ['tmpfs', '/'], type: 'tmpfs' });
    expect(JSON.stringify(got)).not.toContain(SECRET);
  });

  it('cuts a long path parameter like any other value', () => {
    const got = auditFields(facts(operation('ContainerInspect', 'GET'), { params: { id: 'c'.repeat(1500) } }));
    expect(got).toEqual({ id: `${'c'.repeat(1024)}...[truncated 476 chars]` });
  });

  it('cuts long lists with a marker', () => {
    const got = auditFields(facts(operation('ContainerCreate'), { body: { Cmd: Array.from({ length: 70 }, (_, i) => `a${i}`) } }));
    const cmd = got?.cmd as string[];
    expect(cmd).toHaveLength(65);
    expect(cmd[64]).toBe('...[6 more]');
  });
});

describe('envNames', () => {
  it.each([
    [['A=1', 'B=', 'C'], ['A', 'B', 'C']],
    ['X=secret', ['X']],
    [42, undefined],
  ] as [JsonValue, string[] | undefined][])('%j -> %j', (env, want) => {
    expect(envNames(env)).toEqual(want);
  });
});
