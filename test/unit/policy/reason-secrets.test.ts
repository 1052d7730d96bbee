/**
 * No guard reason quotes a secret. Reasons reach the audit log, the 403 message and
 * `policy explain`, so volume and driver option values (a CIFS `password=`), `Env` values and
 * tokens in URLs (userinfo or query) must be named or masked. Every guard runs on every input
 * (not only the first that refuses), with settings that refuse as much as possible.
 */
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../../../src/core/types.js';
import { GUARDS, type Violation } from '../../../src/policy/guards/index.js';
import { Problems } from '../../../src/policy/problems.js';
import { alice, rawFacts, req } from './fixtures.js';

const SECRET = 'Hunter2-SECRET';

/** Settings per guard key; every other guard is `false`. */
const SETTINGS: Record<string, unknown> = {
  binds: { allow: ['/srv/dev/{user}'] },
  images: { allow: ['busybox'] },
  sysctls: { allow: ['net.ipv4.ping_group_range'] },
  networkDrivers: { allow: ['bridge'] },
};

const compiled = GUARDS.map((g) => {
  const problems = new Problems();
  const config = g.parse(SETTINGS[g.key] ?? false, ['guards', g.key], problems);
  if (!problems.empty || config === undefined) throw new Error(`settings for ${g.key}: ${JSON.stringify(problems.list)}`);
  return { guard: g, config };
});

/** Every violation any guard finds in the request. */
function violations(facts: RequestFacts): Violation[] {
  const op = facts.operation?.name ?? '';
  const out: Violation[] = [];
  for (const { guard, config } of compiled) {
    if (!guard.operations.includes(op)) continue;
    const v = guard.check(config, { identity: alice, facts, op });
    if (v) out.push(v);
  }
  return out;
}

const volume = (opts: unknown) => req('POST', '/v1.41/volumes/create', { Name: 'share', DriverOpts: opts });
const mount = (opts: unknown) =>
  req('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { Mounts: [{ Type: 'volume', Target: '/data', VolumeOptions: { DriverConfig: { Name: 'local', Options: opts } } }] } });
const service = (opts: unknown) =>
  req('POST', '/v1.41/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox', Mounts: [{ Type: 'volume', Target: '/d', VolumeOptions: { DriverConfig: { Options: opts } } }] } } });
const create = (body: Record<string, unknown>) => req('POST', '/v1.41/containers/create', { Image: 'busybox', ...body });
const q = encodeURIComponent;

// [name, request, a reason that must be among the violations (substring)]
const cases: [string, RequestFacts, string][] = [
  // Local volume options (the binds guard, under the developer preset's kind of settings).
  ['CIFS o entry with a leading space (review F1)', volume({ type: 'cifs', device: '//fs.example.com/share', o: `addr=fs.example.com,username=bob, password=${SECRET}` }), 'DriverOpts.o entry #3 " password=***" is not spelled as a mount option'],
  ['CIFS with well-spelled options', volume({ type: 'cifs', device: '//fs.example.com/share', o: `username=bob,password=${SECRET}` }), 'DriverOpts.type "cifs" is not allowed'],
  ['o entry with a leading space, type none', volume({ type: 'none', device: '/srv/dev/alice', o: `ro, password=${SECRET}` }), 'DriverOpts.o entry #2 " password=***" is not spelled'],
  ['o entry with capitals in a tmpfs mount (review F1)', mount({ type: 'tmpfs', o: `size=1m,Password=${SECRET}` }), 'Options.o entry #2 "Password=***" is not spelled'],
  ['o entry next to a bind', volume({ type: 'none', o: `bind,password=${SECRET}`, device: '/srv/dev/alice' }), 'DriverOpts.o entry #2 "password=***" is not allowed with a bind'],
  ['o entry in a tmpfs', service({ type: 'tmpfs', o: `size=1m,password=${SECRET}` }), 'Options.o entry #2 "password=***" is not a tmpfs size'],
  ['a password cut at a comma (the piece is no known flag)', volume({ type: 'none', o: `bind,ro,${SECRET}`, device: '/srv/dev/alice' }), 'DriverOpts.o entry #3 (not a known flag; not shown) is not spelled'],
  ['a lower-case password piece', volume({ type: 'tmpfs', o: `size=1m,${SECRET.toLowerCase()}` }), 'DriverOpts.o entry #2 (not a known flag; not shown) is not a tmpfs size'],
  ['a device holding credentials, without a bind', volume({ device: `//bob:${SECRET}@fs.example.com/share` }), 'DriverOpts.device without o=bind is not allowed'],
  ['a device holding credentials, in a tmpfs', mount({ type: 'tmpfs', device: `//bob:${SECRET}@fs/share` }), 'Options.device is not allowed for a tmpfs volume'],
  ['a bind device outside the prefixes', volume({ type: 'none', o: 'bind', device: `/srv/${SECRET}` }), 'DriverOpts.device (a bind of a host path) is outside the allowed host paths'],
  ['a type holding options', volume({ type: `cifs,password=${SECRET}` }), 'DriverOpts.type (not a file-system type name; not shown) is not allowed'],
  ['an o that is a map', volume({ type: 'tmpfs', o: { password: SECRET } }), 'DriverOpts.o is a map, not a string'],
  ['a device that is a list', volume({ type: 'tmpfs', device: [SECRET] }), 'DriverOpts.device is a list, not a string'],
  ['DriverOpts that is a string', rawFacts('VolumeCreate', { Name: 'v', DriverOpts: `password=${SECRET}` }), 'DriverOpts is a string, not a map'],
  ['Options that are a list', mount([`password=${SECRET}`]), 'Options is a list, not a map'],
  ['Mounts that is one object', rawFacts('ContainerCreate', { HostConfig: { Mounts: { Type: 'volume', VolumeOptions: { DriverConfig: { Options: { o: `password=${SECRET}` } } } } } }), 'HostConfig.Mounts is a map, not a list'],
  ['a mount Type that is a map', create({ HostConfig: { Mounts: [{ Type: { o: `password=${SECRET}` }, Target: '/x' }] } }), 'HostConfig.Mounts[0].Type (a map) is not a known mount type'],
  ['a bind Source that is a map', create({ HostConfig: { Mounts: [{ Type: 'bind', Source: { password: SECRET }, Target: '/x' }] } }), 'HostConfig.Mounts[0].Source is a map, not a string'],
  // Other driver options.
  ['a GPU request with driver options', create({ HostConfig: { DeviceRequests: [{ Driver: 'nvidia', Count: 1, Options: { token: SECRET } }] } }), 'HostConfig.DeviceRequests is not allowed'],
  ['a network gateway mode option', req('POST', '/v1.41/networks/create', { Name: 'n', Options: { 'com.docker.network.bridge.gateway_mode_ipv4': SECRET } }), 'is not allowed with a gateway mode other than "nat"'],
  ['endpoint sysctls that are a map', create({ NetworkingConfig: { EndpointsConfig: { n: { DriverOpts: { 'com.docker.network.endpoint.sysctls': { password: SECRET } } } } } }), 'is a map, not a string'],
  ['endpoint sysctl values', req('POST', '/v1.41/networks/n/connect', { Container: 'c', EndpointConfig: { DriverOpts: { 'com.docker.network.endpoint.sysctls': `net.ipv4.conf.IFNAME.forwarding=${SECRET}` } } }), '"net.ipv4.conf.IFNAME.forwarding" is not an allowed sysctl'],
  ['log driver options', create({ HostConfig: { LogConfig: { Type: 'splunk', Config: { 'splunk-token': SECRET } } } }), 'HostConfig.LogConfig.Type "splunk" is not an allowed logging driver'],
  // Env values, next to fields that are refused.
  ['container Env with a refused create', create({ Env: [`API_TOKEN=${SECRET}`], User: 'root', HostConfig: { Privileged: true, Binds: ['/etc:/x'] } }), 'HostConfig.Privileged is not allowed'],
  ['exec Env as root', req('POST', '/v1.41/containers/c/exec', { Cmd: ['sh'], User: 'root', Env: [`API_TOKEN=${SECRET}`], Privileged: true }), 'runs the exec session as root'],
  ['service Env with a refused mount', req('POST', '/v1.41/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox', Env: [`T=${SECRET}`], Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] } } }), 'TaskTemplate.ContainerSpec.Mounts[0].Source "/" is outside'],
  // Tokens in URLs: userinfo and query.
  ['presigned S3 fromSrc (review F3)', req('POST', `/v1.41/images/create?fromSrc=${q(`https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=${SECRET}`)}&repo=busybox`), 'query fromSrc="https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=***&X-Amz-Signature=***"'],
  ['Azure SAS fromSrc', req('POST', `/v1.41/images/create?fromSrc=${q(`https://a.blob.core.windows.net/c/i.tar?sv=2022-11-02&sig=${SECRET}`)}&repo=busybox`), '?sv=***&sig=***"'],
  ['fromSrc without a scheme, token in the query', req('POST', `/v1.41/images/create?fromSrc=${q(`x.invalid/a.tar?token=${SECRET}`)}&repo=busybox`), 'query fromSrc="x.invalid/a.tar?token=***"'],
  ['build remote with private_token (review F3)', req('POST', `/v1.41/build?t=busybox&remote=${q(`https://gitlab.example.com/g/r.git?private_token=${SECRET}`)}`), 'query remote="https://gitlab.example.com/g/r.git?private_token=***"'],
  ['build remote with a token in the fragment', req('POST', `/v1.41/build?t=busybox&remote=${q(`https://h/r.git#access_token=${SECRET}`)}`), 'query remote="https://h/r.git"'],
  ['build remote with userinfo and a query', req('POST', `/v1.41/build?t=busybox&remote=${q(`https://oauth2:${SECRET}@h/r.git?ref=${SECRET}`)}`), 'query remote="https://***@h/r.git?ref=***"'],
  ['a container Image with userinfo after //, which normalises behind docker.io/', create({ Image: `//user:${SECRET}@h/img` }), 'Image "//***@h/img" is not an allowed image'],
  ['a pull whose fromImage has userinfo after //', req('POST', `/v1.41/images/create?fromImage=${q(`//user:${SECRET}@h/img`)}`), 'query fromImage "//***@h/img" is not an allowed image'],
  // A `user:pw@` without a scheme in a reference (rev-secrets F4).
  ['a container Image with a bare userinfo', create({ Image: `u:${SECRET}@h/x` }), 'Image "***@h/x" is not an allowed image'],
  ['a pull whose fromImage has a bare userinfo', req('POST', `/v1.41/images/create?fromImage=${q(`user:${SECRET}@127.0.0.1:41498/x`)}&tag=1`), 'query fromImage "***@127.0.0.1:41498/x" with tag "1" (read as "***@127.0.0.1:41498/x") is not an allowed image'],
  ['a push whose path name has a bare userinfo', req('POST', `/v1.41/images/u:${SECRET}@127.0.0.1:41498/x/push`), 'image name "***@127.0.0.1:41498/x" is not an allowed image'],
  // A non-string image value is named by its JSON type, never quoted (rev-secrets F1).
  ['a container Image that is a list holding a URL with userinfo', create({ Image: [`https://u:${SECRET}@h/x`] }), 'Image is a list, not an image reference'],
  ['a container Image that is a map', create({ Image: { r: `https://u:${SECRET}@h/x` } }), 'Image is a map, not an image reference'],
  ['a service Image that is a list', req('POST', '/v1.41/services/create', { TaskTemplate: { ContainerSpec: { Image: [`u:${SECRET}@h/x`] } } }), 'TaskTemplate.ContainerSpec.Image is a list, not an image reference'],
  ['an image mount Source that is a list', create({ HostConfig: { Mounts: [{ Type: 'image', Source: [`https://u:${SECRET}@h/x`], Target: '/x' }] } }), 'is a list, not an image reference'],
  ['fromImage URL with a token', req('POST', `/v1.41/images/create?fromImage=${q(`https://registry.invalid/x?token=${SECRET}`)}`), 'query fromImage "https://registry.invalid/x?token=***"'],
];

describe('guard reasons never contain a secret', () => {
  it.each(cases)('%s', (_name, facts, reason) => {
    const found = violations(facts);
    expect(found.map((v) => v.reason)).toContainEqual(expect.stringContaining(reason));
    for (const v of found) expect(v.reason).not.toContain(SECRET);
  });
});
