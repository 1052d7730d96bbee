import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { decodeGoJson } from '../../../src/facts/go-json.js';
import { escapeJsonLine, truncate } from '../../../src/observe/escape.js';
import { auditPath } from '../../../src/observe/audit-path.js';
import { auditUserAgent } from '../../../src/observe/audit-user-agent.js';
import { envNames } from '../../../src/observe/audit-value.js';
import { auditFields } from '../../../src/observe/redact.js';
import { facts, operation } from './fixtures.js';

const SECRET = 'hunter2-SECRET';

describe('auditFields', () => {
  const cases: { name: string; op: string; body?: JsonValue; query?: Record<string, string>; queryAll?: Record<string, string[]>; params?: Record<string, string>; want: unknown }[] = [
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
      name: 'ImageCreate: query fields',
      op: 'ImageCreate',
      query: { fromImage: 'alpine', tag: '3.20' },
      want: { fromImage: 'alpine', tag: '3.20' },
    },
    {
      name: 'ImageBuild: build arg names, never values',
      op: 'ImageBuild',
      query: { buildargs: JSON.stringify({ NPM_TOKEN: SECRET }), networkmode: 'host' },
      queryAll: { t: ['app:1', 'app:latest'] },
      want: { tags: ['app:1', 'app:latest'], networkMode: 'host', buildArgNames: ['NPM_TOKEN'] },
    },
    {
      name: 'ImageBuild: remote without its userinfo and fragment',
      op: 'ImageBuild',
      query: { remote: `https://user:${SECRET}@git.invalid/x.git#main:sub` },
      queryAll: { t: ['x'] },
      want: { tags: ['x'], remote: 'https://***@git.invalid/x.git' },
    },
    {
      name: 'ImageBuild: a token in the remote\'s query is masked, its name kept',
      op: 'ImageBuild',
      query: { remote: `https://gitlab.example.com/g/r.git?private_token=${SECRET}` },
      queryAll: { t: ['x'] },
      want: { tags: ['x'], remote: 'https://gitlab.example.com/g/r.git?private_token=***' },
    },
    {
      name: 'ImageCreate: a presigned fromSrc keeps its parameter names only',
      op: 'ImageCreate',
      query: { fromSrc: `https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=${SECRET}`, repo: 'x' },
      want: { fromSrc: 'https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=***&X-Amz-Signature=***', repo: 'x' },
    },
    {
      name: 'ImageCreate: a query value longer than the truncation limit is masked before the cut',
      op: 'ImageCreate',
      query: { fromSrc: `https://x.invalid/a.tar?sig=${'A'.repeat(2000)}${SECRET}` },
      want: { fromSrc: 'https://x.invalid/a.tar?sig=***' },
    },
    {
      name: 'ImageCreate: a fromImage URL with a token in its query',
      op: 'ImageCreate',
      query: { fromImage: `https://registry.invalid/x?token=${SECRET}` },
      want: { fromImage: 'https://registry.invalid/x?token=***' },
    },
    {
      name: 'PluginPull: a remote URL with a token in its query',
      op: 'PluginPull',
      query: { remote: `https://registry.invalid/vieux/sshfs?access_token=${SECRET}` },
      want: { remote: 'https://registry.invalid/vieux/sshfs?access_token=***' },
    },
    {
      name: 'ImageBuild: a token as the user name is masked too',
      op: 'ImageBuild',
      query: { remote: `https://${SECRET}:x-oauth-basic@github.com/o/r.git` },
      want: { remote: 'https://***@github.com/o/r.git' },
    },
    {
      name: 'ImageBuild: tags shaped like URLs lose their userinfo and query values, as remote does',
      op: 'ImageBuild',
      queryAll: { t: [`https://u:${SECRET}@registry.invalid/x`, `//u:${SECRET}@h/y:1`, `app?token=${SECRET}`, 'app:1'] },
      want: { tags: ['https://***@registry.invalid/x', '//***@h/y:1', 'app?token=***', 'app:1'] },
    },
    {
      name: 'PluginPull: a name shaped like a URL loses its userinfo',
      op: 'PluginPull',
      query: { remote: 'vieux/sshfs', name: `https://u:${SECRET}@registry.invalid/sshfs` },
      want: { remote: 'vieux/sshfs', name: 'https://***@registry.invalid/sshfs' },
    },
    {
      name: 'ImageBuild: a git remote without a scheme',
      op: 'ImageBuild',
      query: { remote: `${SECRET}@github.com:o/r.git` },
      want: { remote: '***@github.com:o/r.git' },
    },
    {
      name: 'ImageCreate: fromSrc without its userinfo',
      op: 'ImageCreate',
      query: { fromSrc: `https://user:${SECRET}@x.invalid/a.tar`, repo: 'busybox' },
      want: { fromSrc: 'https://***@x.invalid/a.tar', repo: 'busybox' },
    },
    {
      name: 'ImageCreate: fromSrc without a scheme (dockerd fetches http://user@host/...)',
      op: 'ImageCreate',
      query: { fromSrc: `user:${SECRET}@x.invalid/a.tar` },
      want: { fromSrc: '***@x.invalid/a.tar' },
    },
    {
      name: 'ImageCreate: a password longer than the truncation limit is masked before the cut',
      op: 'ImageCreate',
      query: { fromSrc: `http://u:${SECRET}${'A'.repeat(2000)}@x.invalid/a.tar` },
      want: { fromSrc: 'http://***@x.invalid/a.tar' },
    },
    {
      name: 'ImageCreate: a fromImage that is a URL; digests untouched',
      op: 'ImageCreate',
      query: { fromImage: `https://u:${SECRET}@registry.invalid/x`, tag: 'sha256:' + 'a'.repeat(64) },
      want: { fromImage: 'https://***@registry.invalid/x', tag: 'sha256:' + 'a'.repeat(64) },
    },
    {
      name: 'ContainerCreate: an Image that is a URL loses its userinfo; a digest stays',
      op: 'ContainerCreate',
      body: { Image: `https://${SECRET}@registry.invalid/img:v1`, Cmd: ['true'] },
      want: { image: 'https://***@registry.invalid/img:v1', cmd: ['true'] },
    },
    {
      name: 'ContainerCreate: an Image with a digest is not a URL',
      op: 'ContainerCreate',
      body: { Image: 'busybox@sha256:' + 'c'.repeat(64) },
      want: { image: 'busybox@sha256:' + 'c'.repeat(64) },
    },
    {
      name: 'ImageTag: repo and tag masked as fromImage is',
      op: 'ImageTag',
      params: { name: 'busybox' },
      query: { repo: `https://${SECRET}@registry.invalid/img`, tag: `v2?sig=${SECRET}` },
      want: { name: 'busybox', repo: 'https://***@registry.invalid/img', tag: 'v2?sig=***' },
    },
    {
      name: 'ImageCreate: an import repo and tag masked too',
      op: 'ImageCreate',
      query: { fromSrc: '-', repo: `https://u:${SECRET}@registry.invalid/img`, tag: `latest#${SECRET}` },
      want: { fromSrc: '-', repo: 'https://***@registry.invalid/img', tag: 'latest' },
    },
    {
      name: 'ImagePush: the tag masked',
      op: 'ImagePush',
      params: { name: 'img' },
      query: { tag: `v1?token=${SECRET}` },
      want: { name: 'img', tag: 'v1?token=***' },
    },
    {
      name: 'ServiceUpdate: an image that is a URL loses its userinfo',
      op: 'ServiceUpdate',
      params: { id: 'svc' },
      body: { Name: 'svc', TaskTemplate: { ContainerSpec: { Image: `http://u:${SECRET}@registry.invalid/nginx` } } },
      want: { id: 'svc', name: 'svc', image: 'http://***@registry.invalid/nginx' },
    },
    {
      name: 'ServiceCreate: an image that is a URL loses its userinfo',
      op: 'ServiceCreate',
      body: { Name: 'svc', TaskTemplate: { ContainerSpec: { Image: `http://u:${SECRET}@registry.invalid/nginx` } } },
      want: { name: 'svc', image: 'http://***@registry.invalid/nginx' },
    },
    {
      name: 'PluginPull: remote URL without its userinfo, references untouched',
      op: 'PluginPull',
      query: { remote: `https://u:${SECRET}@registry.invalid/vieux/sshfs`, name: 'sshfs:next' },
      want: { remote: 'https://***@registry.invalid/vieux/sshfs', name: 'sshfs:next' },
    },
    {
      name: 'PluginPull: a reference with a digest is not a URL',
      op: 'PluginPull',
      query: { remote: 'sshfs@sha256:' + 'b'.repeat(64) },
      want: { remote: 'sshfs@sha256:' + 'b'.repeat(64) },
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

  it.each(cases)('$name', ({ op, body, query, queryAll, params, want }) => {
    const f = facts(operation(op), { body, query: query ?? {}, queryAll: queryAll ?? {}, params: params ?? {} });
    const got = auditFields(f);
    expect(got).toEqual(want);
    expect(JSON.stringify(got ?? null)).not.toContain(SECRET);
  });

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

  it('says a buildargs it cannot parse is unparsable, never its text', () => {
    const got = auditFields(facts(operation('ImageBuild'), { query: { buildargs: `{"NPM_TOKEN":"${SECRET}"` }, queryAll: { t: ['x'] } }));
    expect(got).toEqual({ tags: ['x'], buildArgNames: ['(unparsable)'] });
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

describe('auditPath', () => {
  it('prefers the normalised path', () => {
    expect(auditPath(facts(undefined, { path: '/containers/x/json' }), '/v1.41/containers/x/json?size=1')).toBe('/containers/x/json');
  });
  // The normalised path is decoded: `%`, `?`, `#` and controls are escaped again, so that a
  // name `a?b=1#` is not read as a query and fragment (rev-parse F3).
  it.each([
    ['/containers/a?b=1#/json', '/containers/a%3Fb=1%23/json'],
    ['/containers/json?all=1', '/containers/json%3Fall=1'],
    ['/containers/100%/json', '/containers/100%25/json'],
    ['/containers/a%3Fb/json', '/containers/a%253Fb/json'],
    ['/containers/a\nb\u007f\u0085/json', '/containers/a%0Ab%7F%C2%85/json'],
    ['/containers/caf\u00e9 x/json', '/containers/caf\u00e9 x/json'],
  ])('decoded path %j is recorded as %j', (path, want) => {
    expect(auditPath(facts(undefined, { path }), '/x')).toBe(want);
  });
  it('drops the query of a raw target (it may carry build args)', () => {
    expect(auditPath(undefined, '/v1.41/build?buildargs={"T":"s3cr3t"}')).toBe('/v1.41/build');
  });
  it('truncates very long targets', () => {
    const got = auditPath(undefined, '/' + 'a'.repeat(5000));
    expect(got.length).toBeLessThan(2100);
    expect(got).toMatch(/\.\.\.\[truncated 2953 chars\]$/);
  });
  // Raw targets refused before parsing: [target, logged path].
  it.each([
    [`http://admin:${SECRET}@docker.example.com/v1.41/containers/json`, 'http://***@docker.example.com/v1.41/containers/json'],
    [`HTTPS://${SECRET}@docker.example.com/v1.41/info?x=1`, 'HTTPS://***@docker.example.com/v1.41/info'],
    // A ? or # ends the authority as Go reads it (rev-fix-http F3): `u:p` is no host[:port], so it
    // is masked whole, and the cut at the ? or # leaves nothing of the rest.
    [`http://u:p?${SECRET}@h/x`, 'http://***'],
    [`http://u:p#${SECRET}@h/x`, 'http://***'],
    [`http://127.0.0.1:2375?${SECRET}@h/x`, 'http://127.0.0.1:2375'],
    [`//u:${SECRET}@h/v1.41/info`, '//***@h/v1.41/info'],
    [`/v1.41/containers/json#${SECRET}`, '/v1.41/containers/json'],
    [`/v1.41/containers/json#a?t=${SECRET}`, '/v1.41/containers/json'],
    [`/v1.41/build?a=1#${SECRET}`, '/v1.41/build'],
    [`http://h/v1.41/x/http://u:${SECRET}@y/z`, 'http://h/v1.41/x/http://***@y/z'],
    [`/v1.41/images/busybox@sha256:${'a'.repeat(64)}/json`, `/v1.41/images/busybox@sha256:${'a'.repeat(64)}/json`], // a digest is not userinfo
    ['*', '*'],
    [`user:${SECRET}@example.invalid:443`, '***@example.invalid:443'], // CONNECT's authority form
    [`${SECRET}@example.invalid:443`, '***@example.invalid:443'],
    [`/v1.41/containers/u:${SECRET}@b/json`, '/v1.41/containers/***@b/json'], // a segment's `user:pw@` is masked wherever it is (rev-secrets F4)
    // No digest dockerd accepts (too short): the name before it errs towards masking.
    ['/v1.41/images/busybox@sha256:abc/json', '/v1.41/images/***@sha256:abc/json'],
    // A digest before the query of a refused target, or with its colon sent as %3A, is no
    // userinfo either (rev-fixes1 F3).
    [`/v1.41/images/busybox@sha256:${'a'.repeat(64)}?force=%zz`, `/v1.41/images/busybox@sha256:${'a'.repeat(64)}`],
    [`/v1.41/images/busybox@sha256%3A${'a'.repeat(64)}/`, `/v1.41/images/busybox@sha256%3A${'a'.repeat(64)}/`],
    [`/v1.41/images/busybox%40sha256%3a${'a'.repeat(64)}#x`, `/v1.41/images/busybox%40sha256%3a${'a'.repeat(64)}`],
    // A password holding a `/` (sent as %2F) is masked whole (rev-fixes1 F2).
    [`/v1.41/images/u:ab%2F${SECRET}@h/x/json`, '/v1.41/images/***@h/x/json'],
    [`/v1.41/images/u:${SECRET}/z@h/x/json`, '/v1.41/images/***@h/x/json'],
    // A host called sha256 with a port is no digest (rev-fixes1 F1).
    [`/v1.41/images/u:${SECRET}@sha256:5000/x/json`, '/v1.41/images/***@sha256:5000/x/json'],
  ])('raw target %j -> %j', (target, want) => {
    const got = auditPath(undefined, target);
    expect(got).toBe(want);
    expect(got).not.toContain(SECRET);
  });
  it('masks a userinfo longer than the truncation limit before the cut', () => {
    const got = auditPath(undefined, `http://u:${'A'.repeat(3000)}${SECRET}@h/v1.41/info`);
    expect(got).toBe('http://***@h/v1.41/info');
  });
});

describe('auditUserAgent', () => {
  it('keeps the User-Agent and nothing else', () => {
    expect(auditUserAgent({ 'user-agent': 'Docker-Client/29.7.2 (linux)', 'x-registry-auth': SECRET })).toBe('Docker-Client/29.7.2 (linux)');
    expect(auditUserAgent(undefined)).toBeUndefined();
  });

  it.each([
    ['a URL with userinfo', 'Docker-Client/x https://u:PW@x', 'Docker-Client/x https://***@x'],
    ['a URL in parentheses, with a query and fragment', 'bot/1 (+https://tok@h/p?sig=abc#f)', 'bot/1 (+https://***@h/p?sig=***'],
    ['two URLs', 'x https://a:b@h git://c@d/r.git', 'x https://***@h git://***@d/r.git'],
    ['an @ in a URL path, not userinfo', 'a/1 http://h/x@y', 'a/1 http://h/x@y'],
    ['no URL', 'Docker-Client/28.2.2 (linux)', 'Docker-Client/28.2.2 (linux)'],
    ['userinfo without a scheme (no URL: kept)', 'curl/8 u:pw@host', 'curl/8 u:pw@host'],
    ['`:/` and `/` in separate words (no `://`: kept)', 'a/1 x:/ /y u:pw@h', 'a/1 x:/ /y u:pw@h'],
    ['tabs and runs of spaces, no URL (kept as sent)', 'a/1\t\tb  c ', 'a/1\t\tb  c '],
    ['a URL after tabs', 'a/1\thttps://u:p@h', 'a/1\thttps://***@h'],
  ])('masks credentials in a URL it holds: %s', (_name, sent, recorded) => {
    expect(auditUserAgent({ 'user-agent': sent })).toBe(recorded);
  });

  it('masks before cutting, so a URL across the cut is masked too', () => {
    expect(auditUserAgent({ 'user-agent': `${'u'.repeat(240)} https://user:${'p'.repeat(40)}@h/x` })).toBe(`${'u'.repeat(240)} https://***@h/x`);
  });

  // A pattern of the URL word (`\S*:\/\/\S*`) backtracks over every start of a long word without
  // `://`: these took over a minute each that way (~0.3 s at Node's 16 KB header limit).
  it.each([
    ['letters', 'a'.repeat(200_000)],
    ['colons and slashes, never `://`', ':/'.repeat(100_000)],
  ])('a long word without a URL is kept, in time linear in its length: %s', (_name, word) => {
    expect(auditUserAgent({ 'user-agent': word })).toBe(`${word.slice(0, 256)}...[truncated ${word.length - 256} chars]`);
  }, 10_000);

  it('keeps the first of several and cuts it at 256 characters', () => {
    expect(auditUserAgent({ 'user-agent': ['a/1', `b/2 ${SECRET}`] })).toBe('a/1');
    expect(auditUserAgent({ 'user-agent': 'u'.repeat(300) })).toBe(`${'u'.repeat(256)}...[truncated 44 chars]`);
  });
});

describe('escapeJsonLine', () => {
  it.each([
    ['C1 CSI', '"a\u009b31mb"', '"a\\u009b31mb"'],
    ['line separator', '"a\u2028b\u2029c"', '"a\\u2028b\\u2029c"'],
    ['DEL', '"\u007f"', '"\\u007f"'],
    ['bidi override', '"\u202e"', '"\\u202e"'],
    ['plain text and JSON escapes untouched', '{"a":"b\\n\\u001b[31m é"}', '{"a":"b\\n\\u001b[31m é"}'],
  ])('%s', (_name, line, want) => {
    expect(escapeJsonLine(line)).toBe(want);
    expect(JSON.parse(escapeJsonLine(line))).toEqual(JSON.parse(line));
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['abcdefghijkl', 4, 'abcd...[truncated 8 chars]'],
    ['ab\u{1F600}cd', 3, 'ab...[truncated 4 chars]'],
    ['abcd', 4, 'abcd'], // exactly at the limit: kept whole, no marker
  ])('%j at %d', (v, max, want) => {
    expect(truncate(v, max)).toBe(want);
  });

  it('keeps 1024 characters by default (docs/observability.md), and cuts the 1025th', () => {
    expect(truncate('x'.repeat(1024))).toBe('x'.repeat(1024));
    expect(truncate('x'.repeat(1025))).toBe(`${'x'.repeat(1024)}...[truncated 1 chars]`);
  });
});
