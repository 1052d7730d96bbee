/**
 * Every guard with allowed and refused requests, including the attack classes: case-variant
 * and Unicode-folded keys, legacy top-level fields, path traversal, prefix confusion,
 * volume-option binds, capability spellings, namespace joins, inline seccomp profiles.
 */
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../../../src/core/types.js';
import { decide } from '../../../src/policy/evaluate.js';
import { alice, guarded, identity, rawFacts, req } from './fixtures.js';

const create = (body: unknown) => req('POST', '/v1.41/containers/create', body);
const hc = (hostConfig: Record<string, unknown>) => create({ Image: 'busybox', HostConfig: hostConfig });

/** [name, facts, expected code or undefined for allow, reason substring]. */
type Case = [string, RequestFacts, string | undefined, string?];

function run(guards: string, cases: Case[], who = alice) {
  const policy = guarded(guards);
  it.each(cases)('%s', (_name, facts, code, reason) => {
    const d = decide(policy, who, facts);
    if (code === undefined) expect(d).toMatchObject({ outcome: 'allow' });
    else {
      expect(d).toMatchObject({ outcome: 'deny', code, rule: 'guarded' });
      if (reason !== undefined) expect(d.reason).toContain(reason);
    }
  });
}

describe('privileged', () => {
  run('privileged: false', [
    ['plain create', hc({}), undefined],
    ['Privileged false', hc({ Privileged: false }), undefined],
    ['HostConfig.Privileged', hc({ Privileged: true }), 'privileged', 'HostConfig.Privileged is not allowed'],
    ['case-variant keys', create({ hostconfig: { PRIVILEGED: true } }), 'privileged', 'HostConfig.Privileged'],
    ['legacy top-level', create({ Image: 'busybox', Privileged: true, HostConfig: {} }), 'privileged', 'Privileged is not allowed'],
    ['top-level with HostConfig false', create({ Privileged: true, HostConfig: { Privileged: false } }), 'privileged'],
    ['non-boolean fails closed', hc({ Privileged: 1 }), 'privileged', '1'],
    ['exec privileged', req('POST', '/containers/abc/exec', { Cmd: ['sh'], Privileged: true }), 'privileged', 'Privileged is not allowed'],
    ['exec plain', req('POST', '/containers/abc/exec', { Cmd: ['sh'] }), undefined],
    ['other operations untouched', req('GET', '/containers/json'), undefined],
  ]);
  run('privileged: true', [['permitted explicitly', hc({ Privileged: true }), undefined]]);
});

describe('hostNamespaces', () => {
  run('hostNamespaces: false', [
    ['bridge', hc({ NetworkMode: 'bridge', PidMode: '', IpcMode: 'private' }), undefined],
    ['network host', hc({ NetworkMode: 'host' }), 'host-namespace', 'HostConfig.NetworkMode "host"'],
    ['pid host', hc({ PidMode: 'host' }), 'host-namespace', 'PidMode'],
    ['ipc host', hc({ IpcMode: 'host' }), 'host-namespace'],
    ['uts host', hc({ UTSMode: 'host' }), 'host-namespace'],
    ['userns host', hc({ UsernsMode: 'host' }), 'host-namespace'],
    ['cgroupns host', hc({ CgroupnsMode: 'host' }), 'host-namespace'],
    ['pid container join', hc({ PidMode: 'container:abc123' }), 'host-namespace', 'joins another container'],
    ['network container join', hc({ NetworkMode: 'container:db' }), 'host-namespace'],
    ['cgroup container join', hc({ Cgroup: 'container:db' }), 'host-namespace'],
    ['upper-case value', hc({ PidMode: 'HOST' }), 'host-namespace'],
    // The facts stage refuses keys holding ı (ambiguous-json); built by hand, the guard still denies.
    ['dotless-ı folded key (later Go folds ı to I)', rawFacts('ContainerCreate', { HostConfig: { 'pıdmode': 'host' } }), 'host-namespace'],
    ['ſ-folded key', hc({ 'UTſMode': 'host' }), 'host-namespace'],
    ['legacy top-level', create({ Image: 'x', NetworkMode: 'host' }), 'host-namespace', 'NetworkMode'],
    ['endpoint host', create({ Image: 'x', NetworkingConfig: { EndpointsConfig: { host: {} } } }), 'host-namespace', 'EndpointsConfig'],
    ['network connect to host', req('POST', '/networks/host/connect', { Container: 'x' }), 'host-namespace'],
    ['network connect', req('POST', '/networks/mynet/connect', { Container: 'x' }), undefined],
    ['service host network', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: 'host' }] } }), 'host-namespace', 'TaskTemplate.Networks[0].Target'],
  ]);
});

describe('binds', () => {
  const bob = identity('bob');
  const vopt = (options: Record<string, string>) => hc({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: options } } }] });
  run('binds: { allow: ["/srv/dev/{user}", /data/shared] }', [
    ['own dir', hc({ Binds: ['/srv/dev/alice:/work'] }), undefined],
    ['own subdir ro', hc({ Binds: ['/srv/dev/alice/project:/work:ro'] }), undefined],
    ['named volume', hc({ Binds: ['cache:/cache'] }), undefined],
    ['anonymous volume', hc({ Binds: ['/data'] }), undefined],
    ['root', hc({ Binds: ['/:/host'] }), 'bind-mount', 'HostConfig.Binds[0] "/" is outside the allowed host paths'],
    ['traversal', hc({ Binds: ['/srv/dev/alice/../../../etc:/x'] }), 'bind-mount', '(/etc)'],
    ['traversal to a neighbour', hc({ Binds: ['/srv/dev/alice/../bob:/x'] }), 'bind-mount', '/srv/dev/bob'],
    ['prefix confusion', hc({ Binds: ['/srv/dev/alicex:/x'] }), 'bind-mount'],
    ['shared prefix confusion', hc({ Binds: ['/data/shared-evil:/x'] }), 'bind-mount'],
    ['double slashes', hc({ Binds: ['//srv//dev/alice//:/x'] }), undefined],
    ['relative path', hc({ Binds: ['srv/dev/alice:/x'] }), 'bind-mount'],
    ['second entry', hc({ Binds: ['/srv/dev/alice:/a', '/etc:/b'] }), 'bind-mount', 'Binds[1]'],
    ['legacy top-level Binds', create({ Image: 'x', Binds: ['/etc:/etc'] }), 'bind-mount', 'Binds[0]'],
    ['case-variant binds key', create({ Image: 'x', hostCONFIG: { bInDs: ['/etc:/etc'] } }), 'bind-mount'],
    ['mount bind', hc({ Mounts: [{ Type: 'bind', Source: '/etc', Target: '/x' }] }), 'bind-mount', 'HostConfig.Mounts[0].Source "/etc"'],
    ['mount bind allowed', hc({ Mounts: [{ Type: 'bind', Source: '/data/shared/x', Target: '/x' }] }), undefined],
    ['mount bind case-variant', hc({ Mounts: [{ type: 'BIND', source: '/etc', target: '/x' }] }), 'bind-mount'],
    ['mount volume named', hc({ Mounts: [{ Type: 'volume', Source: 'cache', Target: '/x' }] }), undefined],
    ['mount tmpfs', hc({ Mounts: [{ Type: 'tmpfs', Target: '/x' }] }), undefined],
    ['unknown mount type', hc({ Mounts: [{ Type: 'weird', Source: '/', Target: '/x' }] }), 'bind-mount', 'not a known mount type'],
    [
      'volume-opt bind trick',
      hc({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } }] }),
      'bind-mount',
      'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device "/"',
    ],
    ['volume-opt device only', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { device: '/etc' } } } }] }), 'bind-mount'],
    ['volume-opt o=rbind,ro', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { o: 'ro, bind', device: '/srv/dev/alice' } } } }] }), undefined],
    ['volume-opt upper-case key', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { DEVICE: '/' } } } }] }), 'bind-mount'],
    ['volume tmpfs options', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } } }] }), undefined],
    ['volume nfs', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' } } } }] }), 'bind-mount'],
    // rbind sets MS_BIND|MS_REC too, and with MS_BIND the kernel ignores type=tmpfs.
    ['volume-opt tmpfs with o=rbind', vopt({ type: 'tmpfs', o: 'rbind', device: '/' }), 'bind-mount', 'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device "/"'],
    ['volume-opt tmpfs with o=bind', vopt({ type: 'tmpfs', o: 'bind', device: '/etc' }), 'bind-mount', 'Options.device "/etc"'],
    ['volume-opt rbind among options', vopt({ type: 'tmpfs', o: 'ro,rbind,nosuid', device: '/etc' }), 'bind-mount', 'Options.device "/etc"'],
    ['volume-opt RBIND upper-case', vopt({ type: 'none', o: 'RBIND', device: '/etc' }), 'bind-mount'],
    ['volume-opt rbind no type', vopt({ o: 'rbind', device: '/etc' }), 'bind-mount'],
    ['volume-opt rbind without a device', vopt({ type: 'tmpfs', o: 'rbind' }), 'bind-mount', 'with a bind option is not a host path'],
    ['volume-opt rbind own dir', vopt({ type: 'tmpfs', o: 'rbind', device: '/srv/dev/alice' }), undefined],
    ['volume-opt tmpfs unbindable is no bind', vopt({ type: 'tmpfs', o: 'unbindable,runbindable', device: '/etc' }), undefined],
    ['volume-opt tmpfs size', vopt({ type: 'tmpfs', o: 'size=64m', device: 'tmpfs' }), undefined],
    ['volume create tmpfs rbind', req('POST', '/volumes/create', { Name: 'v', Driver: 'local', DriverOpts: { type: 'tmpfs', o: 'rbind', device: '/tmp/hostdir' } }), 'bind-mount', 'DriverOpts.device "/tmp/hostdir"'],
    ['volume create tmpfs rbind,ro', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'tmpfs', o: 'rbind,ro', device: '/' } }), 'bind-mount', 'DriverOpts.device "/"'],
    ['volume create tmpfs plain', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'tmpfs', o: 'size=1g', device: 'tmpfs' } }), undefined],
    ['service volume-opt rbind', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', o: 'rbind', device: '/' } } } }] } } }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0]'],
    ['legacy top-level Mounts rbind', create({ Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', o: 'rbind', device: '/' } } } }] }), 'bind-mount', 'Mounts[0]'],
    ['volume create bind', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/etc' } }), 'bind-mount', 'DriverOpts.device "/etc"'],
    ['volume create own dir', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/srv/dev/alice/v' } }), undefined],
    ['volume create plain', req('POST', '/volumes/create', { Name: 'v' }), undefined],
    ['service bind', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] } } }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0].Source'],
  ]);
  run('binds: { allow: ["/srv/dev/{user}"] }', [['{user} is the caller', hc({ Binds: ['/srv/dev/alice:/x'] }), 'bind-mount']], bob);
  run('binds: { allow: ["/srv/dev/{user}"] }', [['a user name with a slash cannot widen the prefix', hc({ Binds: ['/srv/x:/x'] }), 'bind-mount']], identity('../x'));
  run('binds: false', [
    ['no host paths at all', hc({ Binds: ['/srv/dev/alice:/x'] }), 'bind-mount', 'none are allowed'],
    ['named volumes still fine', hc({ Binds: ['data:/x'] }), undefined],
  ]);
});

describe('volumesFrom', () => {
  run('volumesFrom: false', [
    ['none', hc({ VolumesFrom: [] }), undefined],
    ['set', hc({ VolumesFrom: ['other:ro'] }), 'volumes-from'],
    ['legacy top-level', create({ VolumesFrom: ['other'] }), 'volumes-from'],
  ]);
});

describe('capabilities', () => {
  run('capabilities: { allow: [NET_BIND_SERVICE] }', [
    ['allowed', hc({ CapAdd: ['NET_BIND_SERVICE'] }), undefined],
    ['allowed other spelling', hc({ CapAdd: ['cap_net_bind_service'] }), undefined],
    ['CAP_SYS_ADMIN', hc({ CapAdd: ['CAP_SYS_ADMIN'] }), 'capability', 'CAP_SYS_ADMIN'],
    ['sys_admin', hc({ CapAdd: ['sys_admin'] }), 'capability', '"sys_admin" (CAP_SYS_ADMIN)'],
    ['ſ in a capability name', hc({ CapAdd: ['ſys_admin'] }), 'capability', 'CAP_SYS_ADMIN'],
    ['ALL', hc({ CapAdd: ['ALL'] }), 'capability', 'ALL'],
    ['all lower-case', hc({ CapAdd: ['all'] }), 'capability'],
    ['legacy top-level', create({ CapAdd: ['SYS_PTRACE'] }), 'capability', 'CapAdd[0]'],
    ['capabilities set of defaults', hc({ Capabilities: ['CAP_CHOWN', 'CAP_KILL'] }), undefined],
    ['capabilities set with SYS_ADMIN', hc({ Capabilities: ['CAP_CHOWN', 'CAP_SYS_ADMIN'] }), 'capability', 'Capabilities[1]'],
    ['service CapabilityAdd', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', CapabilityAdd: ['ALL'] } } }), 'capability'],
    ['drop is fine', hc({ CapDrop: ['ALL'] }), undefined],
  ]);
  run('capabilities: false', [['any cap', hc({ CapAdd: ['NET_BIND_SERVICE'] }), 'capability']]);
});

describe('devices', () => {
  run('devices: false', [
    ['empty', hc({ Devices: [], DeviceRequests: null }), undefined],
    ['device', hc({ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }), 'device', 'HostConfig.Devices'],
    ['cgroup rule', hc({ DeviceCgroupRules: ['b 8:* rwm'] }), 'device', 'DeviceCgroupRules'],
    ['gpu request', hc({ DeviceRequests: [{ Driver: 'nvidia', Count: -1 }] }), 'device', 'DeviceRequests'],
    ['legacy top-level', create({ Devices: [{ PathOnHost: '/dev/mem' }] }), 'device'],
  ]);
});

describe('securityOptions', () => {
  run('securityOptions: false', [
    ['no-new-privileges', hc({ SecurityOpt: ['no-new-privileges'] }), undefined],
    ['no-new-privileges=true', hc({ SecurityOpt: ['no-new-privileges=true'] }), undefined],
    ['label level', hc({ SecurityOpt: ['label=level:s0:c100'] }), undefined],
    ['apparmor docker-default', hc({ SecurityOpt: ['apparmor=docker-default'] }), undefined],
    ['seccomp unconfined', hc({ SecurityOpt: ['seccomp=unconfined'] }), 'security-option', 'disables seccomp'],
    ['seccomp legacy colon', hc({ SecurityOpt: ['seccomp:unconfined'] }), 'security-option'],
    ['seccomp inline profile', hc({ SecurityOpt: ['seccomp={"defaultAction":"SCMP_ACT_ALLOW"}'] }), 'security-option', 'inline'],
    ['apparmor unconfined', hc({ SecurityOpt: ['apparmor=unconfined'] }), 'security-option', 'disables AppArmor'],
    ['label disable', hc({ SecurityOpt: ['label=disable'] }), 'security-option', 'SELinux'],
    ['label:disable', hc({ SecurityOpt: ['label:disable'] }), 'security-option'],
    ['bare disable', hc({ SecurityOpt: ['disable'] }), 'security-option'],
    ['label type spc_t', hc({ SecurityOpt: ['label=type:spc_t'] }), 'security-option'],
    ['no-new-privileges=false', hc({ SecurityOpt: ['no-new-privileges=false'] }), 'security-option', 'no-new-privileges off'],
    ['no-new-privileges:false', hc({ SecurityOpt: ['no-new-privileges:false'] }), 'security-option'],
    ['no-new-privileges=0', hc({ SecurityOpt: ['no-new-privileges=0'] }), 'security-option'],
    ['systempaths', hc({ SecurityOpt: ['systempaths=unconfined'] }), 'security-option'],
    ['upper-case key', hc({ SecurityOpt: ['SECCOMP=unconfined'] }), 'security-option'],
    ['unknown option', hc({ SecurityOpt: ['whatever=1'] }), 'security-option', 'not a recognised'],
    ['second entry', hc({ SecurityOpt: ['no-new-privileges', 'seccomp=unconfined'] }), 'security-option', 'SecurityOpt[1]'],
    ['legacy top-level', create({ SecurityOpt: ['seccomp=unconfined'] }), 'security-option', 'SecurityOpt[0]'],
    ['ſ-folded key', hc({ 'ſecurityOpt': ['apparmor=unconfined'] }), 'security-option'],
    ['service seccomp unconfined', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { Seccomp: { Mode: 'unconfined' } } } } }), 'security-option'],
    ['service apparmor disabled', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { AppArmor: { Mode: 'disabled' } } } } }), 'security-option'],
    ['service default', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { Seccomp: { Mode: 'default' } } } } }), undefined],
  ]);
});

describe('maskedPaths', () => {
  run('maskedPaths: false', [
    ['null', hc({ MaskedPaths: null, ReadonlyPaths: null }), undefined],
    ['unmask all', hc({ MaskedPaths: [] }), 'masked-paths', 'HostConfig.MaskedPaths []'],
    ['readonly override', hc({ ReadonlyPaths: ['/proc/bus'] }), 'masked-paths'],
  ]);
});

describe('sysctls', () => {
  run('sysctls: { allow: ["net.ipv4.ping_group_range", "net.core.*"] }', [
    ['allowed', hc({ Sysctls: { 'net.ipv4.ping_group_range': '0 1000' } }), undefined],
    ['allowed by prefix', hc({ Sysctls: { 'net.core.somaxconn': '1024' } }), undefined],
    ['not allowed', hc({ Sysctls: { 'kernel.shm_rmid_forced': '1' } }), 'sysctl', 'kernel.shm_rmid_forced'],
    ['service', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Sysctls: { 'kernel.x': '1' } } } }), 'sysctl'],
  ]);
});

describe('cgroupParent, runtimes, logDrivers, volumeDrivers', () => {
  run('cgroupParent: false\nruntimes: { allow: [runc] }\nlogDrivers: { allow: [json-file] }\nvolumeDrivers: false', [
    ['defaults', hc({ CgroupParent: '', Runtime: '', LogConfig: { Type: '', Config: {} } }), undefined],
    ['cgroup parent', hc({ CgroupParent: '/system.slice' }), 'cgroup-parent'],
    ['runtime allowed', hc({ Runtime: 'runc' }), undefined],
    ['runtime not allowed', hc({ Runtime: 'io.containerd.runsc.v1' }), 'runtime'],
    ['log driver allowed', hc({ LogConfig: { Type: 'json-file' } }), undefined],
    ['log driver not allowed', hc({ LogConfig: { Type: 'syslog', Config: { 'syslog-address': 'tcp://x:514' } } }), 'log-driver', 'HostConfig.LogConfig.Type "syslog"'],
    ['volume driver', hc({ VolumeDriver: 'evil' }), 'volume-driver'],
    ['mount volume driver', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'evil' } } }] }), 'volume-driver'],
    ['volume create driver', req('POST', '/volumes/create', { Name: 'v', Driver: 'evil' }), 'volume-driver', 'Driver "evil"'],
    ['volume create local', req('POST', '/volumes/create', { Name: 'v', Driver: 'local' }), undefined],
  ]);
});

describe('images', () => {
  run('images: { allow: ["busybox", "registry.example.com/*", "alpine:3.*"] }', [
    ['busybox', create({ Image: 'busybox' }), undefined],
    ['busybox tag', create({ Image: 'busybox:1.36' }), undefined],
    ['canonical busybox', create({ Image: 'docker.io/library/busybox:latest' }), undefined],
    ['index.docker.io', create({ Image: 'index.docker.io/library/busybox' }), undefined],
    ['registry glob', create({ Image: 'registry.example.com/team/app:1' }), undefined],
    ['alpine tag glob', create({ Image: 'alpine:3.19' }), undefined],
    ['alpine other tag', create({ Image: 'alpine:edge' }), 'image', 'docker.io/library/alpine:edge'],
    ['other image', create({ Image: 'ubuntu' }), 'image', '"ubuntu" (docker.io/library/ubuntu:latest) is not an allowed image'],
    ['lookalike registry', create({ Image: 'registry.example.com.evil.io/x' }), 'image'],
    ['user namespace lookalike', create({ Image: 'evil/busybox' }), 'image'],
    ['image ID', create({ Image: 'sha256:' + 'a'.repeat(64) }), 'image'],
    ['case-variant key', create({ IMAGE: 'ubuntu' }), 'image'],
    ['pull allowed', req('POST', '/images/create?fromImage=busybox&tag=1.36'), undefined],
    ['pull other', req('POST', '/images/create?fromImage=ubuntu&tag=latest'), 'image', 'query fromImage'],
    ['import named busybox', req('POST', '/images/create?fromSrc=-&repo=busybox'), undefined],
    ['tag over a trusted name needs allow', req('POST', '/images/ubuntu/tag?repo=evil&tag=1'), 'image', 'query repo'],
    ['build tag', req('POST', '/build?t=registry.example.com/app:1&t=evil:1'), 'image', 'query t'],
    ['push', req('POST', '/images/registry.example.com/app/push?tag=1'), undefined],
    ['push elsewhere', req('POST', '/images/evil.io/app/push'), 'image'],
    ['service image', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'ubuntu' } } }), 'image'],
  ]);
});

describe('execRoot', () => {
  const exec = (user: unknown) => req('POST', '/containers/abc/exec', user === undefined ? { Cmd: ['sh'] } : { Cmd: ['sh'], User: user });
  run('execRoot: false', [
    ['container user (empty)', exec(undefined), undefined],
    ['empty string', exec(''), undefined],
    ['named user', exec('app'), undefined],
    ['uid 1000', exec('1000:1000'), undefined],
    ['root', exec('root'), 'exec-root', 'User "root"'],
    ['0', exec('0'), 'exec-root'],
    ['0:0', exec('0:0'), 'exec-root'],
    ['000', exec('000'), 'exec-root'],
    ['root:wheel', exec('root:wheel'), 'exec-root'],
    // Go's strconv.Atoi takes a sign, and runc reads any Atoi-able user part as a uid.
    ['+0', exec('+0'), 'exec-root', 'User "+0" runs the exec session as root'],
    ['-0', exec('-0'), 'exec-root', 'User "-0"'],
    ['+0:0', exec('+0:0'), 'exec-root'],
    ['-00', exec('-00'), 'exec-root'],
    ['+000:wheel', exec('+000:wheel'), 'exec-root'],
    ['0:+0', exec('0:+0'), 'exec-root'],
    ['-0:1000', exec('-0:1000'), 'exec-root'],
    ['+1000 is uid 1000', exec('+1000'), undefined],
    ['-1 is out of range, not root', exec('-1'), undefined],
    ['1000:+0 is a group, not the user', exec('1000:+0'), undefined],
    ['bare sign is a name', exec('+'), undefined],
    ['+-0 is not a number', exec('+-0'), undefined],
    ['case-variant key', req('POST', '/containers/abc/exec', { user: 'root' }), 'exec-root'],
  ]);
});

describe('networkDrivers', () => {
  const net = (body: unknown) => req('POST', '/networks/create', body);
  run('networkDrivers: { allow: [bridge] }', [
    ['default driver', net({ Name: 'n' }), undefined],
    ['bridge', net({ Name: 'n', Driver: 'bridge' }), undefined],
    ['macvlan', net({ Name: 'n', Driver: 'macvlan', Options: { parent: 'eth0' } }), 'network-driver', 'Driver "macvlan"'],
    ['ipvlan', net({ Name: 'n', Driver: 'ipvlan' }), 'network-driver'],
    ['host', net({ Name: 'n', Driver: 'host' }), 'network-driver'],
    ['adopt host bridge', net({ Name: 'n', Options: { 'com.docker.network.bridge.name': 'docker0' } }), 'network-option'],
    ['routed gateway', net({ Name: 'n', Options: { 'com.docker.network.bridge.gateway_mode_ipv4': 'routed' } }), 'network-option'],
    ['config from', net({ Name: 'n', ConfigFrom: { Network: 'mv-config' } }), 'network-option'],
  ]);
});

describe('plugins, swarm, buildOptions, importUrls', () => {
  run('plugins: false\nswarm: false\nbuildOptions: false\nimportUrls: false', [
    ['plugin pull', req('POST', '/plugins/pull?remote=vieux/sshfs'), 'plugin'],
    ['plugin set', req('POST', '/plugins/x/set', ['mnt.source=/']), 'plugin'],
    ['plugin enable', req('POST', '/plugins/x/enable'), 'plugin'],
    ['plugin list is fine', req('GET', '/plugins'), undefined],
    ['service plugin', req('POST', '/services/create', { TaskTemplate: { Runtime: 'plugin', PluginSpec: { Remote: 'x' } } }), 'plugin'],
    ['swarm init', req('POST', '/swarm/init', { ListenAddr: '0.0.0.0:2377' }), 'swarm'],
    ['swarm join', req('POST', '/swarm/join', { RemoteAddrs: ['10.0.0.1:2377'], JoinToken: 't' }), 'swarm'],
    ['build plain', req('POST', '/build?t=x'), undefined],
    ['build host network', req('POST', '/build?networkmode=host'), 'build-option', 'networkmode'],
    ['build container network', req('POST', '/build?networkmode=container:abc'), 'build-option'],
    ['build remote', req('POST', '/build?remote=https://example.com/ctx.tar'), 'build-option', 'remote'],
    ['build cgroupparent', req('POST', '/build?cgroupparent=/'), 'build-option'],
    ['build first value wins as in Go', req('POST', '/build?networkmode=host&networkmode=bridge'), 'build-option'],
    ['import upload', req('POST', '/images/create?fromSrc=-&repo=x'), undefined],
    ['import url', req('POST', '/images/create?fromSrc=http://169.254.169.254/latest'), 'import-url'],
  ]);
});

describe('deny reasons never quote URL credentials', () => {
  const SECRET = 'SEKRET18';
  const policy = guarded('buildOptions: false\nimportUrls: false\nimages: { allow: [busybox] }');
  it.each([
    ['build remote', `/build?t=busybox&remote=https://user:${SECRET}@git.invalid/x.git`, 'build-option', 'query remote="https://***@git.invalid/x.git"'],
    ['build remote token as user', `/build?remote=https://${SECRET}@github.com/o/r.git`, 'build-option', '"https://***@github.com/o/r.git"'],
    ['build remote @ in the password', `/build?remote=https://u:p@${SECRET}@git.invalid/x.git`, 'build-option', '"https://***@git.invalid/x.git"'],
    ['build remote without a scheme', `/build?remote=user:${SECRET}@git.invalid/x.git`, 'build-option', '"***@git.invalid/x.git"'],
    ['import fromSrc', `/images/create?fromSrc=https://user:${SECRET}@x.invalid/a.tar&repo=busybox`, 'import-url', 'query fromSrc="https://***@x.invalid/a.tar"'],
    ['import fromSrc without a scheme', `/images/create?fromSrc=user:${SECRET}@x.invalid/a.tar&repo=busybox`, 'import-url', '"***@x.invalid/a.tar"'],
    ['pull fromImage that is a URL', `/images/create?fromImage=https://user:${SECRET}@registry.invalid/x`, 'image', 'query fromImage "https://***@registry.invalid/x"'],
  ])('%s', (_name, target, code, reason) => {
    const d = decide(policy, alice, req('POST', target));
    expect(d).toMatchObject({ outcome: 'deny', code });
    expect(d.reason).toContain(reason);
    expect(d.reason).not.toContain(SECRET);
  });
});

describe('guards never throw on odd body shapes', () => {
  const everything = `privileged: false
hostNamespaces: false
binds: false
volumesFrom: false
capabilities: false
devices: false
securityOptions: false
maskedPaths: false
sysctls: false
cgroupParent: false
runtimes: false
logDrivers: false
volumeDrivers: false
images: { allow: ["*"] }`;
  run(everything, [
    ['string HostConfig', rawFacts('ContainerCreate', { Image: 'x', HostConfig: 'nope' }), undefined],
    ['Binds not a list', rawFacts('ContainerCreate', { HostConfig: { Binds: '/:/x' } }), 'bind-mount'],
    ['Mounts entries not objects', rawFacts('ContainerCreate', { HostConfig: { Mounts: [1] } }), 'bind-mount'],
    ['CapAdd a string', rawFacts('ContainerCreate', { HostConfig: { CapAdd: 'SYS_ADMIN' } }), 'capability'],
    ['Sysctls a list', rawFacts('ContainerCreate', { HostConfig: { Sysctls: ['a'] } }), 'sysctl'],
    ['no body', rawFacts('ContainerCreate'), undefined],
    ['array body', rawFacts('ContainerCreate', [1, 2]), undefined],
  ]);
});

describe('legacy ContainerStart body (API < 1.24: a bare HostConfig dockerd 20.10 applies)', () => {
  // The facts stage refuses such bodies outright (build-facts); these check the second line.
  const start = (body: unknown) => rawFacts('ContainerStart', body as never);
  const every = `privileged: false
hostNamespaces: false
binds: { allow: ["/srv/dev/{user}"] }
volumesFrom: false
capabilities: { allow: [NET_BIND_SERVICE] }
devices: false
securityOptions: false
maskedPaths: false
sysctls: false
cgroupParent: false
runtimes: false
logDrivers: { allow: [json-file] }
volumeDrivers: false`;
  run(every, [
    ['no body', req('POST', '/v1.23/containers/abc/start'), undefined],
    ['empty object', start({}), undefined],
    ['harmless HostConfig', start({ Binds: ['/srv/dev/alice:/w'], CapAdd: ['NET_BIND_SERVICE'], LogConfig: { Type: 'json-file' } }), undefined],
    ['Privileged', start({ Privileged: true }), 'privileged', 'Privileged is not allowed'],
    ['case-variant Privileged', start({ pRIVILEGED: true }), 'privileged'],
    ['host pid', start({ PidMode: 'host' }), 'host-namespace', 'PidMode "host"'],
    ['network join', start({ NetworkMode: 'container:db' }), 'host-namespace'],
    ['bind root', start({ Binds: ['/:/host'] }), 'bind-mount', 'Binds[0] "/"'],
    ['volume-option bind', start({ Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'none', o: 'bind', device: '/' } } } }] }), 'bind-mount'],
    ['volume-option rbind over tmpfs', start({ Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', o: 'rbind', device: '/' } } } }] }), 'bind-mount'],
    ['VolumesFrom', start({ VolumesFrom: ['other'] }), 'volumes-from'],
    ['CapAdd', start({ CapAdd: ['SYS_ADMIN'] }), 'capability', 'SYS_ADMIN'],
    ['Devices', start({ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }), 'device'],
    ['seccomp unconfined', start({ SecurityOpt: ['seccomp=unconfined'] }), 'security-option'],
    ['MaskedPaths', start({ MaskedPaths: [] }), 'masked-paths'],
    ['Sysctls', start({ Sysctls: { 'kernel.shmmax': '1' } }), 'sysctl'],
    ['CgroupParent', start({ CgroupParent: '/' }), 'cgroup-parent'],
    ['Runtime', start({ Runtime: 'evil' }), 'runtime'],
    ['log driver', start({ LogConfig: { Type: 'syslog' } }), 'log-driver'],
    ['volume driver', start({ VolumeDriver: 'convoy' }), 'volume-driver'],
    ['unversioned path too', rawFacts('ContainerStart', { Privileged: true }), 'privileged'],
    ['ſ-folded key', rawFacts('ContainerStart', { 'ſecurityOpt': ['apparmor=unconfined'] }), 'security-option'],
  ]);
});
