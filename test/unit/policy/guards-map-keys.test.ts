/**
 * Keys of Go maps (labels, driver options, endpoints, sysctls, ...) that differ only in case are
 * distinct entries for dockerd, so the body decoder accepts them; every guard that reads a map
 * key case-insensitively must then look at every spelling, so a dangerous value cannot hide
 * under the second one. Facts come from the real decoder (`req`).
 */
import { describe, expect, it } from 'vitest';
import { guardCases, type GuardCase } from './guard-cases.js';
import { alice, guarded, req } from './fixtures.js';

const create = (body: Record<string, unknown>) => req('POST', '/v1.41/containers/create', { Image: 'busybox', ...body });
const volume = (opts: Record<string, unknown>) => req('POST', '/v1.41/volumes/create', { Name: 'v', Driver: 'local', DriverOpts: opts });
const volumeMount = (opts: Record<string, unknown>) =>
  create({ HostConfig: { Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: opts } } }] } });
const network = (options: Record<string, unknown>) => req('POST', '/v1.41/networks/create', { Name: 'n', Driver: 'bridge', Options: options });
const endpoints = (eps: Record<string, unknown>) => create({ NetworkingConfig: { EndpointsConfig: eps } });
const connectOpts = (opts: Record<string, unknown>) => req('POST', '/v1.48/networks/mynet/connect', { Container: 'c', EndpointConfig: { DriverOpts: opts } });

/** Every container, volume and network guard on, as a developer rule would have them. */
const ALL_GUARDS = [
  'privileged: false',
  'hostNamespaces: false',
  'binds: { allow: ["/srv/dev/{user}"] }',
  'capabilities: false',
  'devices: false',
  'securityOptions: false',
  'sysctls: { allow: ["net.core.*"] }',
  'runtimes: false',
  'logDrivers: { allow: [json-file] }',
  'volumeDrivers: false',
  'networkDrivers: { allow: [bridge] }',
].join('\n');

type Case = GuardCase;

function run(cases: Case[]) {
  guardCases(guarded(ALL_GUARDS), alice, cases);
}

describe('map keys that differ only in case are accepted (dockerd keeps both)', () => {
  run([
    ['labels a and A', create({ Labels: { 'com.example.Version': '1', 'com.example.version': '2' } }), undefined],
    ['tmpfs /data and /DATA', create({ HostConfig: { Tmpfs: { '/data': '', '/DATA': '' } } }), undefined],
    ['log options of two spellings', create({ HostConfig: { LogConfig: { Type: 'json-file', Config: { 'max-size': '1m', 'MAX-SIZE': '2m' } } } }), undefined],
    ['allowed sysctls', create({ HostConfig: { Sysctls: { 'net.core.somaxconn': '1', 'net.core.rmem_max': '2' } } }), undefined],
    ['volume labels env and ENV', req('POST', '/v1.41/volumes/create', { Name: 'v', Labels: { env: 'a', ENV: 'b' } }), undefined],
    ['network labels and options of two spellings', network({ 'com.example.a': '1', 'COM.EXAMPLE.A': '2' }), undefined],
    ['endpoints mynet and MYNET', endpoints({ mynet: {}, MYNET: {} }), undefined],
    // dockerd looks network names up exactly: `Host` and `HOST` are other networks' names (seen on dockerd 20.10).
    ['endpoints Host and HOST', endpoints({ Host: {}, HOST: {} }), undefined],
    ['endpoint Container:db (a network name to dockerd)', endpoints({ 'Container:db': {} }), undefined],
  ]);
});

describe('a dangerous value under a second spelling of a map key is refused', () => {
  run([
    // Local volume driver options (binds guard): the local driver reads the exact key.
    ['volume create: DEVICE beside device', volume({ type: 'tmpfs', device: 'tmpfs', DEVICE: '/' }), 'bind-mount', 'DriverOpts.DEVICE repeats option "device"'],
    ['volume create: O=bind beside o', volume({ type: 'tmpfs', o: 'size=1m', O: 'bind', device: '/' }), 'bind-mount', 'DriverOpts.O repeats option "o"'],
    ['volume create: the exact key second', volume({ TYPE: 'tmpfs', type: 'proc', device: 'tmpfs' }), 'bind-mount', 'DriverOpts.type repeats option "type"'],
    ['mount volume options: Device beside device', volumeMount({ type: 'tmpfs', device: 'tmpfs', Device: '/etc' }), 'bind-mount', 'Options.Device repeats option "device"'],
    // Network create options (networkDrivers guard).
    ['network: routed gateway under the exact key after a nat spelling', network({ 'COM.DOCKER.NETWORK.BRIDGE.GATEWAY_MODE_IPV4': 'nat', 'com.docker.network.bridge.gateway_mode_ipv4': 'routed' }), 'network-option', 'gateway mode'],
    ['network: bridge.name in a second spelling', network({ 'com.docker.network.bridge.NAME': 'x', 'com.docker.network.bridge.name': 'docker0' }), 'network-option', 'reaches host interfaces'],
    ['network: Parent and parent', network({ Parent: 'x', parent: 'eth0' }), 'network-option'],
    // EndpointsConfig keys (hostNamespaces guard).
    ['endpoints: HOST then host (each key checked)', endpoints({ HOST: {}, host: {} }), 'host-namespace', 'EndpointsConfig "host"'],
    ['endpoints: bridge then host', endpoints({ bridge: {}, Bridge: {}, host: {} }), 'host-namespace'],
    // Endpoint driver options (sysctls guard), at create and at connect.
    [
      'endpoint sysctls: the exact key after an allowed upper-case one',
      endpoints({ mynet: { DriverOpts: { 'COM.DOCKER.NETWORK.ENDPOINT.SYSCTLS': 'net.core.x=1', 'com.docker.network.endpoint.sysctls': 'net.ipv4.conf.IFNAME.forwarding=1' } } }),
      'sysctl',
      'net.ipv4.conf.IFNAME.forwarding',
    ],
    ['endpoint sysctls at connect', connectOpts({ 'com.docker.network.endpoint.sysctls': 'net.core.x=1', 'Com.Docker.Network.Endpoint.Sysctls': 'kernel.x=1' }), 'sysctl', 'kernel.x'],
    [
      'endpoint sysctls in a service attachment: the exact key after an allowed upper-case one',
      req('POST', '/v1.48/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox' }, Networks: [{ Target: 'ov', DriverOpts: { 'COM.DOCKER.NETWORK.ENDPOINT.SYSCTLS': 'net.core.x=1', 'com.docker.network.endpoint.sysctls': 'kernel.x=1' } }] } }),
      'sysctl',
      'kernel.x',
    ],
    // HostConfig maps.
    ['sysctls: a second key not allowed', create({ HostConfig: { Sysctls: { 'net.core.somaxconn': '1', 'NET.CORE.SOMAXCONN': '1' } } }), 'sysctl', '"NET.CORE.SOMAXCONN"'],
    ['annotations of two spellings', create({ HostConfig: { Annotations: { a: '1', A: '2' } } }), 'runtime'],
  ]);
});

describe('struct fields keep the folded-duplicate refusal (400 before any guard)', () => {
  it.each([
    ['HostConfig and hostconfig', '{"Image":"busybox","HostConfig":{},"hostconfig":{"Privileged":true}}'],
    ['Labels and labels (the field itself)', '{"Image":"busybox","Labels":{},"labels":{"a":"1"}}'],
    ['LogConfig Config and config', '{"Image":"busybox","HostConfig":{"LogConfig":{"Config":{},"config":{}}}}'],
    ['endpoint settings NetworkID twice', '{"Image":"busybox","NetworkingConfig":{"EndpointsConfig":{"n":{"NetworkID":"a","networkid":"b"}}}}'],
  ])('%s', (_name, body) => {
    expect(() => req('POST', '/v1.41/containers/create', body)).toThrow(/Go merges them/);
  });

  it('an exact duplicate map key is refused too', () => {
    expect(() => req('POST', '/v1.41/containers/create', '{"Image":"busybox","Labels":{"a":"1","a":"2"}}')).toThrow(/duplicate key "a" in one map \(Go keeps the last\)/);
  });
});
