/**
 * Every guard with allowed and refused requests, including the attack classes: case-variant
 * and Unicode-folded keys, legacy top-level fields, path traversal, prefix confusion,
 * volume-option binds, capability spellings, namespace joins, inline seccomp profiles.
 */
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../../../src/core/types.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { guardCases, type GuardCase } from './guard-cases.js';
import { alice, guarded, identity, problems, rawFacts, req } from './fixtures.js';

const create = (body: unknown) => req('POST', '/v1.41/containers/create', body);
const hc = (hostConfig: Record<string, unknown>) => create({ Image: 'busybox', HostConfig: hostConfig });
const svcNet = (spec: unknown) => req('POST', '/v1.48/services/create', spec);
const svcMount = (mount: Record<string, unknown>) => req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [mount] } } });
/** `..` once swarm expands it, no `..` segment as written. */
const DOTS = '{{"."}}{{"."}}';
const A = 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

type Case = GuardCase;

function run(guards: string, cases: Case[], who = alice) {
  guardCases(guarded(guards), who, cases);
}

/** Each `guards:` text, in a rule allowing `op`, is refused at load with a problem containing the message. */
function refusedAtLoad(op: string, cases: [string, string][]) {
  it.each(cases)('%s is refused at load', (guards, message) => {
    const text = `version: 1\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: [${op}]\n    guards:\n      ${guards}\n`;
    expect(problems(text)).toContainEqual(expect.objectContaining({ message: expect.stringContaining(message) }));
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
    ['both copies: the HostConfig copy is named', create({ Privileged: true, HostConfig: { Privileged: true } }), 'privileged', 'HostConfig.Privileged is not allowed'],
    ['update, top-level copy', req('POST', '/containers/c/update', { Privileged: true }), 'privileged', 'Privileged is not allowed'],
    ['update, a HostConfig copy is no UpdateConfig field', req('POST', '/containers/c/update', { HostConfig: { Privileged: true } }), undefined],
    ['non-boolean fails closed', hc({ Privileged: 1 }), 'privileged', '1'],
    ['exec privileged', req('POST', '/containers/abc/exec', { Cmd: ['sh'], Privileged: true }), 'privileged', 'Privileged is not allowed'],
    ['exec plain', req('POST', '/containers/abc/exec', { Cmd: ['sh'] }), undefined],
    ['other operations untouched', req('GET', '/containers/json'), undefined],
  ]);
  run('privileged: true', [['permitted explicitly', hc({ Privileged: true }), undefined]]);
  // Only a YAML boolean is a switch: a string "false" would read as permitting.
  refusedAtLoad('ContainerCreate', [
    ['privileged: "false"', 'must be true (permit) or false (refuse)'],
    ['privileged: "no"', 'must be true (permit) or false (refuse)'],
    ['privileged: 0', 'must be true (permit) or false (refuse)'],
    ['privileged: null', 'must be true (permit) or false (refuse)'],
    ['privileged: {}', 'must be true (permit) or false (refuse)'],
  ]);
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
    // The deprecated top-level ServiceSpec.Networks: dockerd still moves it into the task template.
    ['service host network, top-level Networks', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x' } }, Networks: [{ Target: 'host' }] }), 'host-namespace', 'Networks[0].Target "host" is not allowed'],
    ['service update host network, top-level Networks', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x' } }, Networks: [{ Target: 'web' }, { Target: 'HOST' }] }), 'host-namespace', 'Networks[1].Target'],
    ['service top-level Networks, key folded', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x' } }, networks: [{ target: 'host' }] }), 'host-namespace'],
    ['service on an ordinary network, top-level Networks', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x' } }, Networks: [{ Target: 'web' }] }), undefined],
  ]);
});

/**
 * Local-driver option cases under `binds: { allow: ["/srv/dev/{user}", ...] }` for alice,
 * for each place local volume options go: `make` builds the request, `at` is the options' path.
 */
function localVolumeCases(where: string, make: (options: Record<string, unknown>) => RequestFacts, at: string): Case[] {
  // A shared prefix: a bind volume of a per-user directory is refused (last case).
  const own = '/data/shared/alice';
  const cases: Case[] = [
    // Repro of the review: a fresh procfs of the host pid namespace, writable core_pattern.
    ['type=proc with an allowed device', make({ type: 'proc', device: own }), 'bind-mount', `${at}.type "proc" is not allowed: a local volume may only be a tmpfs or a bind`],
    ['type=sysfs', make({ type: 'sysfs', device: own }), 'bind-mount', `${at}.type "sysfs"`],
    ['type=cgroup', make({ type: 'cgroup', device: own }), 'bind-mount', 'type "cgroup"'],
    ['type=cgroup2', make({ type: 'cgroup2', device: 'none' }), 'bind-mount', 'type "cgroup2"'],
    ['type=overlay with lowerdir=/etc', make({ type: 'overlay', o: 'lowerdir=/tmp:/etc', device: own }), 'bind-mount', 'type "overlay"'],
    ['type=ext4 of a file under the prefix', make({ type: 'ext4', device: `${own}/disk.img` }), 'bind-mount', 'type "ext4"'],
    ['type=nfs', make({ type: 'nfs', o: 'addr=127.0.0.1,rw', device: ':/export' }), 'bind-mount', 'type "nfs"'],
    ['type=cifs', make({ type: 'cifs', o: 'username=x', device: '//127.0.0.1/share' }), 'bind-mount', 'type "cifs"'],
    ['upper-case TYPE key', make({ TYPE: 'proc', device: own }), 'bind-mount', `${at}.TYPE "proc"`],
    ['device without a bind or a type', make({ device: own }), 'bind-mount', `${at}.device without o=bind is not allowed`],
    ['o without a type or device', make({ o: 'lowerdir=/etc' }), 'bind-mount', 'without type=tmpfs or o=bind'],
    ['unknown option key', make({ type: 'tmpfs', device: 'tmpfs', mountpoint: '/' }), 'bind-mount', `${at}.mountpoint is not a local volume option`],
    ['option value not a string', make({ type: 'tmpfs', device: 'tmpfs', o: ['size=1m'] }), 'bind-mount', `${at}.o is a list, not a string`],
    ['tmpfs with a host path device', make({ type: 'tmpfs', device: '/etc' }), 'bind-mount', `${at}.device is not allowed for a tmpfs volume`],
    ['tmpfs with lowerdir=', make({ type: 'tmpfs', o: 'size=1m,lowerdir=/etc', device: 'tmpfs' }), 'bind-mount', 'entry #2 "lowerdir=***" is not a tmpfs size'],
    ['tmpfs with remount', make({ type: 'tmpfs', o: 'remount,ro', device: 'tmpfs' }), 'bind-mount', 'entry #1 "remount"'],
    ['tmpfs with mpol=', make({ type: 'tmpfs', o: 'mpol=bind:0', device: 'tmpfs' }), 'bind-mount', 'entry #1 "mpol=***"'],
    ['bind with a data option', make({ type: 'none', o: 'bind,lowerdir=/etc', device: own }), 'bind-mount', 'entry #2 "lowerdir=***" is not allowed with a bind'],
    ['bind with remount', make({ type: 'none', o: 'remount,bind', device: own }), 'bind-mount', 'entry #1 "remount"'],
    ['bind of a path outside the prefixes', make({ type: 'none', o: 'bind', device: '/proc' }), 'bind-mount', 'outside the allowed host paths'],
    ['plain: no options', make({}), undefined],
    ['plain: only a size quota', make({ size: '10g' }), undefined],
    ['tmpfs with size, modes, ids and flags', make({ type: 'tmpfs', o: 'size=64m,mode=1777,uid=1000,gid=1000,nr_inodes=1k,nr_blocks=100,huge=never,noexec,nosuid,nodev,ro', device: 'tmpfs' }), undefined],
    ['tmpfs without a device', make({ type: 'tmpfs', o: 'size=1m' }), undefined],
    // dockerd matches `o` entries and the kernel the type exactly: odd spellings are not binds.
    ['TMPFS upper-case type', make({ type: 'TMPFS', device: 'tmpfs' }), 'bind-mount', 'type "TMPFS"'],
    ['debugfs with o=BIND (file-system data for dockerd, not a bind)', make({ type: 'debugfs', o: 'BIND', device: own }), 'bind-mount', 'entry #1 "BIND" is not spelled as a mount option'],
    ['debugfs with o=" bind"', make({ type: 'debugfs', o: ' bind', device: own }), 'bind-mount', 'entry #1 " bind"'],
    ['bind with an empty entry', make({ type: 'none', o: 'bind,,ro', device: own }), 'bind-mount', 'entry #2 ""'],
    ['tmpfs with device none', make({ type: 'tmpfs', device: 'none', o: 'size=1m' }), undefined],
    ['tmpfs size with a capital unit', make({ type: 'tmpfs', o: 'size=1M,mode=1777' }), undefined],
    ['bind with rshared propagation', make({ type: 'none', o: 'bind,rshared', device: own }), undefined],
    ['bind of the own dir', make({ type: 'none', o: 'bind,ro,nosuid', device: `${own}/v` }), undefined],
    // With MS_BIND the kernel ignores the fs type: this is a bind of the own directory.
    ['bind with any type', make({ type: 'proc', o: 'rbind', device: own }), undefined],
    // Anyone can mount a volume by name: it would hand the caller's own directory to everyone.
    ['bind of the per-user dir', make({ type: 'none', o: 'bind', device: '/srv/dev/alice/v' }), 'bind-mount', 'allowed only under a per-user prefix, and a volume can be mounted by name by anyone'],
  ];
  return cases.map(([name, ...rest]) => [`${where}: ${name}`, ...rest]);
}

describe('binds', () => {
  const bob = identity('bob');
  const vopt = (options: Record<string, unknown>) => hc({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: options } } }] });
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
    // A prefix matches at the start of the path only, never where it appears later in it.
    ['prefix inside another path', hc({ Binds: ['/tmp/srv/dev/alice/x:/x'] }), 'bind-mount', 'is outside the allowed host paths'],
    ['shared prefix inside another path', hc({ Binds: ['/home/bob/data/shared/x:/x'] }), 'bind-mount', 'is outside the allowed host paths'],
    ['mount bind: prefix inside another path', hc({ Mounts: [{ Type: 'bind', Source: '/tmp/data/shared/x', Target: '/x' }] }), 'bind-mount', 'HostConfig.Mounts[0].Source'],
    ['volume create bind: prefix inside another path', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/tmp/data/shared/v' } }), 'bind-mount', 'DriverOpts.device (a bind of a host path) is outside'],
    ['double slashes', hc({ Binds: ['//srv//dev/alice//:/x'] }), undefined],
    ['relative path', hc({ Binds: ['srv/dev/alice:/x'] }), 'bind-mount'],
    ['a NUL in an allowed path (no system call takes it: never walked, never allowed)', hc({ Binds: ['/srv/dev/alice/..\u0000/x:/h'] }), 'bind-mount', 'is outside the allowed host paths'],
    ['a NUL in a mount source', hc({ Mounts: [{ Type: 'bind', Source: '/data/shared/\u0000', Target: '/x' }] }), 'bind-mount', 'is outside the allowed host paths'],
    ['second entry', hc({ Binds: ['/srv/dev/alice:/a', '/etc:/b'] }), 'bind-mount', 'Binds[1]'],
    ['legacy top-level Binds', create({ Image: 'x', Binds: ['/etc:/etc'] }), 'bind-mount', 'Binds[0]'],
    ['case-variant binds key', create({ Image: 'x', hostCONFIG: { bInDs: ['/etc:/etc'] } }), 'bind-mount'],
    ['mount bind', hc({ Mounts: [{ Type: 'bind', Source: '/etc', Target: '/x' }] }), 'bind-mount', 'HostConfig.Mounts[0].Source "/etc"'],
    ['tmpfs with the usual options', hc({ Tmpfs: { '/run': 'rw,noexec,nosuid,size=65536k', '/tmp': '' } }), undefined],
    ['tmpfs rbind (runc would bind a host path)', hc({ Tmpfs: { '/run': 'rw', '/x': 'rw,rbind' } }), 'bind-mount', 'HostConfig.Tmpfs["/x"] option "rbind" is not allowed'],
    ['tmpfs bind with a space', hc({ Tmpfs: { '/x': 'size=1m, bind' } }), 'bind-mount', 'option "bind"'],
    ['tmpfs remount', hc({ Tmpfs: { '/proc/sys': 'remount,rw' } }), 'bind-mount', 'option "remount"'],
    ['tmpfs shared propagation', hc({ Tmpfs: { '/x': 'rshared' } }), 'bind-mount', 'option "rshared"'],
    ['tmpfs private propagation is harmless', hc({ Tmpfs: { '/x': 'rprivate,size=1m' } }), undefined],
    // Not a map: null is Go's nil map (no tmpfs), anything else dockerd refuses itself.
    ['tmpfs null', hc({ Tmpfs: null }), undefined],
    ['tmpfs a list (dockerd refuses it)', hc({ Tmpfs: ['/x'] }), undefined],
    ['tmpfs a string (dockerd refuses it)', hc({ Tmpfs: 'bind' }), undefined],
    ['legacy top-level Tmpfs', create({ Image: 'x', Tmpfs: { '/x': 'bind' } }), 'bind-mount', 'option "bind"'],
    ['case-variant Tmpfs key', create({ Image: 'x', HostConfig: { tMPFS: { '/x': 'bind' } } }), 'bind-mount', 'option "bind"'],
    ['mount bind allowed', hc({ Mounts: [{ Type: 'bind', Source: '/data/shared/x', Target: '/x' }] }), undefined],
    ['mount bind case-variant', hc({ Mounts: [{ type: 'BIND', source: '/etc', target: '/x' }] }), 'bind-mount'],
    ['mount volume named', hc({ Mounts: [{ Type: 'volume', Source: 'cache', Target: '/x' }] }), undefined],
    ['mount tmpfs', hc({ Mounts: [{ Type: 'tmpfs', Target: '/x' }] }), undefined],
    ['unknown mount type', hc({ Mounts: [{ Type: 'weird', Source: '/', Target: '/x' }] }), 'bind-mount', 'not a known mount type'],
    [
      'volume-opt bind trick',
      hc({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'none', o: 'bind', device: '/' } } } }] }),
      'bind-mount',
      'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device (a bind of a host path) is outside the allowed host paths',
    ],
    ['volume-opt device only', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { device: '/etc' } } } }] }), 'bind-mount'],
    ['volume-opt o=rbind,ro', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { o: 'ro,rbind', device: '/data/shared' } } } }] }), undefined],
    ['volume-opt o="ro, bind" (a space: no bind for dockerd)', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { o: 'ro, bind', device: '/srv/dev/alice' } } } }] }), 'bind-mount', 'entry #2 " bind"'],
    ['volume-opt upper-case key', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { DEVICE: '/' } } } }] }), 'bind-mount'],
    ['volume tmpfs options', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', device: 'tmpfs' } } } }] }), undefined],
    ['volume nfs', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { type: 'nfs', o: 'addr=10.0.0.1', device: ':/export' } } } }] }), 'bind-mount'],
    // rbind sets MS_BIND|MS_REC too, and with MS_BIND the kernel ignores type=tmpfs.
    ['volume-opt tmpfs with o=rbind', vopt({ type: 'tmpfs', o: 'rbind', device: '/' }), 'bind-mount', 'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device (a bind of a host path) is outside'],
    ['volume-opt tmpfs with o=bind', vopt({ type: 'tmpfs', o: 'bind', device: '/etc' }), 'bind-mount', 'Options.device (a bind of a host path)'],
    ['volume-opt rbind among options', vopt({ type: 'tmpfs', o: 'ro,rbind,nosuid', device: '/etc' }), 'bind-mount', 'Options.device (a bind of a host path)'],
    ['volume-opt RBIND upper-case', vopt({ type: 'none', o: 'RBIND', device: '/etc' }), 'bind-mount'],
    ['volume-opt rbind no type', vopt({ o: 'rbind', device: '/etc' }), 'bind-mount'],
    ['volume-opt rbind without a device', vopt({ type: 'tmpfs', o: 'rbind' }), 'bind-mount', 'with a bind option is not a host path'],
    ['volume-opt rbind shared dir', vopt({ type: 'tmpfs', o: 'rbind', device: '/data/shared' }), undefined],
    ['volume-opt rbind own dir (anyone could mount the volume)', vopt({ type: 'tmpfs', o: 'rbind', device: '/srv/dev/alice' }), 'bind-mount', 'per-user prefix'],
    ['volume-opt tmpfs unbindable is no bind', vopt({ type: 'tmpfs', o: 'unbindable,runbindable', device: 'tmpfs' }), undefined],
    ['volume-opt tmpfs size', vopt({ type: 'tmpfs', o: 'size=64m', device: 'tmpfs' }), undefined],
    ['volume create tmpfs rbind', req('POST', '/volumes/create', { Name: 'v', Driver: 'local', DriverOpts: { type: 'tmpfs', o: 'rbind', device: '/tmp/hostdir' } }), 'bind-mount', 'DriverOpts.device (a bind of a host path) is outside'],
    ['volume create tmpfs rbind,ro', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'tmpfs', o: 'rbind,ro', device: '/' } }), 'bind-mount', 'DriverOpts.device (a bind of a host path) is outside'],
    ['volume create tmpfs plain', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'tmpfs', o: 'size=1g', device: 'tmpfs' } }), undefined],
    ['service volume-opt rbind', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', o: 'rbind', device: '/' } } } }] } } }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0]'],
    ['legacy top-level Mounts rbind', create({ Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'tmpfs', o: 'rbind', device: '/' } } } }] }), 'bind-mount', 'Mounts[0]'],
    ['volume create bind', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/etc' } }), 'bind-mount', 'DriverOpts.device (a bind of a host path) is outside'],
    ['volume create shared dir', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/data/shared/v' } }), undefined],
    // The audit's finding: bob mounted alice-src by name and wrote in alice's directory.
    ['volume create own dir (anyone could mount it by name)', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'none', o: 'bind', device: '/srv/dev/alice/v' } }), 'bind-mount', 'per-user prefix'],
    ['volume create plain', req('POST', '/volumes/create', { Name: 'v' }), undefined],
    ['service bind', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] } } }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0].Source'],
    ['service update bind', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'bind', Source: '/', Target: '/h' }] } } }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0].Source "/" is outside the allowed host paths'],
    ['service update volume-opt bind', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'none', o: 'bind', device: '/' } } } }] } } }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0].VolumeOptions.DriverConfig.Options.device'],
    ['service update bind allowed', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'bind', Source: '/data/shared/x', Target: '/h' }] } } }), undefined],
    // The swarm agent expands templates in a service mount's Source and volume option values on the
    // node (swarmkit template/expand.go): this Source lies under /data/shared as written and is
    // the host's / once expanded (seen live: a task container of dockerd 20.10 bound /etc so).
    ['service bind source with a swarm template', svcMount({ Type: 'bind', Source: `/data/shared/${DOTS}/${DOTS}/etc`, Target: '/h' }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0].Source "/data/shared/{{\\".\\"}}'],
    ['service update bind source with a swarm template', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'bind', Source: '/data/shared/{{.Service.Labels.dir}}', Target: '/h' }] } } }), 'bind-mount', 'holds a template ({{ }}), which the swarm agent expands on the node'],
    ['service npipe source with a swarm template, keys folded', svcMount({ type: 'NPIPE', source: `/data/shared/${DOTS}` }), 'bind-mount', 'Mounts[0].Source'],
    ['service volume-opt device with a swarm template', svcMount({ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'none', o: 'bind', device: `/data/shared/${DOTS}/${DOTS}` } } } }), 'bind-mount', 'Mounts[0].VolumeOptions.DriverConfig.Options.device holds a template'],
    ['service volume-opt o with a swarm template (size=1m,rbind once expanded)', svcMount({ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Name: 'local', Options: { type: 'tmpfs', o: 'size={{printf "1m%crbind" 44}}', device: 'tmpfs' } } } }), 'bind-mount', 'Options.o holds a template'],
    ['service volume named per task slot', svcMount({ Type: 'volume', Source: 'data-{{.Task.Slot}}', Target: '/h' }), undefined],
    ['service plugin volume options are the plugin\'s', svcMount({ Type: 'volume', Source: 'v', Target: '/h', VolumeOptions: { DriverConfig: { Name: 'rexray', Options: { path: '{{.Task.Slot}}' } } } }), undefined],
    // dockerd expands nothing in a container's mounts: `{{` is part of the directory's name.
    ['container bind source with braces is a path as written', hc({ Mounts: [{ Type: 'bind', Source: `/data/shared/${DOTS}`, Target: '/h' }] }), undefined],
    // `docker run --mount type=volume,volume-opt=...` without volume-driver sends Name "": the local driver.
    ['volume-opt bind trick, DriverConfig.Name ""', hc({ Mounts: [{ Type: 'volume', Source: 'v', Target: '/x', VolumeOptions: { DriverConfig: { Name: '', Options: { type: 'none', o: 'bind', device: '/' } } } }] }), 'bind-mount', 'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options.device (a bind of a host path) is outside the allowed host paths'],
    ['volume-opt type=proc, DriverConfig.Name ""', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: '', Options: { type: 'proc', device: '/data/shared' } } } }] }), 'bind-mount', 'type "proc"'],
    ['volume create bind, Driver ""', req('POST', '/volumes/create', { Name: 'v', Driver: '', DriverOpts: { type: 'none', o: 'bind', device: '/' } }), 'bind-mount', 'DriverOpts.device (a bind of a host path) is outside the allowed host paths'],
    ['service volume-opt bind, DriverConfig.Name ""', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Name: '', Options: { type: 'none', o: 'bind', device: '/' } } } }] } } }), 'bind-mount', 'TaskTemplate.ContainerSpec.Mounts[0].VolumeOptions.DriverConfig.Options.device'],
    ['volume create shared dir, Driver ""', req('POST', '/volumes/create', { Name: 'v', Driver: '', DriverOpts: { type: 'none', o: 'bind', device: '/data/shared/v' } }), undefined],
    // dockerd mounts local volumes with mount(device, dir, type, o) in the host's mount
    // namespace: anything but a plain directory, a tmpfs or a bind is the host kernel's or a
    // device's file system, whatever `device` says.
    ...localVolumeCases('volume create', (options) => req('POST', '/volumes/create', { Name: 'v', Driver: 'local', DriverOpts: options }), 'DriverOpts'),
    ...localVolumeCases('mount volume-opt', vopt, 'HostConfig.Mounts[0].VolumeOptions.DriverConfig.Options'),
    ...localVolumeCases('service volume-opt', (options) => req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Name: 'local', Options: options } } }] } } }), 'TaskTemplate.ContainerSpec.Mounts[0].VolumeOptions.DriverConfig.Options'),
    ['legacy top-level Mounts proc', create({ Image: 'x', Mounts: [{ Type: 'volume', Target: '/h', VolumeOptions: { DriverConfig: { Options: { type: 'proc', device: '/srv/dev/alice' } } } }] }), 'bind-mount', 'Mounts[0].VolumeOptions.DriverConfig.Options.type "proc"'],
    // Driver options are a Go map: `type` and `Type` are two entries, and the second spelling is checked too.
    ['volume create type and Type both given', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'tmpfs', Type: 'proc', device: 'tmpfs' } }), 'bind-mount', 'DriverOpts.Type repeats option "type"'],
    ['volume create plugin driver options are the plugin\'s', req('POST', '/volumes/create', { Name: 'v', Driver: 'rexray', DriverOpts: { type: 'proc' } }), undefined],
  ]);
  run('binds: { allow: ["/srv/dev/{user}"] }', [['{user} is the caller', hc({ Binds: ['/srv/dev/alice:/x'] }), 'bind-mount']], bob);
  run('binds: { allow: ["/srv/dev/{user}"] }', [['a user name with a slash cannot widen the prefix', hc({ Binds: ['/srv/x:/x'] }), 'bind-mount']], identity('../x'));
  // External CAs may issue any CN: `..` would make the prefix /srv, `.` /srv/dev (every user's).
  run('binds: { allow: ["/srv/dev/{user}"] }', [
    ['user ".." cannot widen the prefix to its parent', hc({ Binds: ['/srv/x:/x'] }), 'bind-mount', 'outside the allowed host paths'],
    ['user ".." cannot reach the parent itself', hc({ Binds: ['/srv:/x'] }), 'bind-mount'],
    ['user ".." cannot reach another user', hc({ Binds: ['/srv/dev/bob:/x'] }), 'bind-mount'],
  ], identity('..'));
  run('binds: { allow: ["/srv/dev/{user}"] }', [
    ['user "." cannot reach every user\'s directory', hc({ Binds: ['/srv/dev/bob:/x'] }), 'bind-mount', 'outside the allowed host paths'],
    ['user "." cannot reach the base', hc({ Binds: ['/srv/dev:/x'] }), 'bind-mount'],
  ], identity('.'));
  run('binds: { allow: ["/srv/dev/{user}", /data/shared] }', [
    ['user ".." keeps the prefixes without {user}', hc({ Binds: ['/data/shared/x:/x'] }), undefined],
    ['user ".." still cannot widen {user}', hc({ Binds: ['/srv/x:/x'] }), 'bind-mount'],
  ], identity('..'));
  run('binds: false', [
    ['no host paths at all', hc({ Binds: ['/srv/dev/alice:/x'] }), 'bind-mount', 'none are allowed'],
    ['named volumes still fine', hc({ Binds: ['data:/x'] }), undefined],
    ['volume tmpfs still fine', vopt({ type: 'tmpfs', o: 'size=64m', device: 'tmpfs' }), undefined],
    ['volume create plain still fine', req('POST', '/volumes/create', { Name: 'v', DriverOpts: {} }), undefined],
    ['volume bind refused', vopt({ type: 'none', o: 'bind', device: '/srv/dev/alice' }), 'bind-mount', 'none are allowed'],
    ['volume proc refused', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'proc', device: 'proc' } }), 'bind-mount', 'DriverOpts.type "proc" is not allowed'],
    ['volume overlay refused', vopt({ type: 'overlay', o: 'lowerdir=/etc', device: 'overlay' }), 'bind-mount', 'type "overlay"'],
  ]);
  // true permits every host mount (as not listing the guard does), kernel file systems included.
  run('binds: true', [['volume proc permitted', req('POST', '/volumes/create', { Name: 'v', DriverOpts: { type: 'proc', device: 'proc' } }), undefined]]);
  refusedAtLoad('ContainerCreate', [
    ['binds: { allow: [srv/dev] }', 'host path prefix "srv/dev" must be absolute'],
    ['binds: { allow: ["/srv/*"] }', 'holds "*", which a prefix may not hold'],
    ['binds: { allow: ["/srv/{name}"] }', 'which a prefix may not hold'],
    ['binds: { allow: ["/srv/{user}/.."] }', 'must not hold ".."'],
    ['binds: { allow: [/srv/../etc] }', 'must not hold ".."'],
  ]);
});

describe('volumesFrom', () => {
  run('volumesFrom: false', [
    ['none', hc({ VolumesFrom: [] }), undefined],
    ['set', hc({ VolumesFrom: ['other:ro'] }), 'volumes-from'],
    ['legacy top-level', create({ VolumesFrom: ['other'] }), 'volumes-from'],
  ]);
});

describe('links (rev-redteam F2b: a link copies the linked container\'s Env)', () => {
  run('links: false', [
    ['none', hc({}), undefined],
    ['empty list', hc({ Links: [] }), undefined],
    ['null', hc({ Links: null }), undefined],
    ['--link prod:db', hc({ Links: ['prod:db'] }), 'links', 'HostConfig.Links ["prod:db"] is not allowed'],
    ['a link by ID prefix', hc({ Links: ['7f53:db'] }), 'links'],
    ['case-variant keys', create({ Image: 'busybox', hostconfig: { LINKS: ['prod:db'] } }), 'links'],
    ['legacy top-level', create({ Image: 'busybox', Links: ['prod:db'] }), 'links', 'Links ["prod:db"] is not allowed'],
    ['legacy top-level beside an empty HostConfig', create({ Image: 'busybox', Links: ['prod:db'], HostConfig: { Links: [] } }), 'links'],
    ['wrong type carrying something fails closed', hc({ Links: 'prod:db' }), 'links'],
    ['legacy start body', rawFacts('ContainerStart', { Links: ['prod:db'] }), 'links'],
    // Endpoint links on a user-defined network are DNS aliases only: not this guard's.
    ['endpoint links', create({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { net: { Links: ['prod:db'] } } } }), undefined],
    ['network connect --link', req('POST', '/networks/net/connect', { Container: 'c', EndpointConfig: { Links: ['prod:db'] } }), undefined],
    ['update has no links', req('POST', '/containers/c/update', { Links: ['prod:db'] }), undefined],
    // dockerd registers a legacy link (Env copied, second name) unless NetworkMode is user-defined
    // by its string alone (checked on dockerd 20.10.24: a second name for none, default and bridge only).
    ['on a user-defined network (compose run)', hc({ NetworkMode: 'proj_default', Links: ['proj_app_1:app'] }), undefined],
    ['on a network named by ID prefix', hc({ NetworkMode: 'aada2a782145', Links: ['prod:db'] }), undefined],
    ['"Bridge" is user-defined to dockerd (exact compare)', hc({ NetworkMode: 'Bridge', Links: ['prod:db'] }), undefined],
    ['case-variant NetworkMode key still read', create({ Image: 'busybox', hostconfig: { networkmode: 'net', LINKS: ['prod:db'] } }), undefined],
    ['NetworkMode default', hc({ NetworkMode: 'default', Links: ['prod:db'] }), 'links', 'off a user-defined network'],
    ['NetworkMode bridge', hc({ NetworkMode: 'bridge', Links: ['prod:db'] }), 'links'],
    ['NetworkMode none (dockerd registers the link)', hc({ NetworkMode: 'none', Links: ['prod:db'] }), 'links'],
    ['NetworkMode ""', hc({ NetworkMode: '', Links: ['prod:db'] }), 'links'],
    ['NetworkMode null', hc({ NetworkMode: null, Links: ['prod:db'] }), 'links'],
    ['NetworkMode of another type fails closed', hc({ NetworkMode: ['net'], Links: ['prod:db'] }), 'links'],
    ['NetworkMode host', hc({ NetworkMode: 'host', Links: ['prod:db'] }), 'links'],
    ['NetworkMode container:x', hc({ NetworkMode: 'container:x', Links: ['prod:db'] }), 'links'],
    ['legacy top-level Links with the top-level NetworkMode', create({ Image: 'busybox', NetworkMode: 'net', Links: ['prod:db'] }), undefined],
    ['legacy top-level Links, user-defined only in HostConfig', create({ Image: 'busybox', Links: ['prod:db'], HostConfig: { NetworkMode: 'net' } }), 'links'],
    ['HostConfig Links, user-defined only at the top level', create({ Image: 'busybox', NetworkMode: 'net', HostConfig: { Links: ['prod:db'] } }), 'links'],
    ['legacy start body on a user-defined network still refused', rawFacts('ContainerStart', { NetworkMode: 'net', Links: ['prod:db'] }), 'links'],
  ]);
  run('links: true', [['permitted explicitly', hc({ Links: ['prod:db'] }), undefined]]);
  refusedAtLoad('ContainerCreate', [
    ['links: "false"', 'must be true (permit) or false (refuse)'],
    ['links: { allow: [prod] }', 'must be true (permit) or false (refuse)'],
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
  refusedAtLoad('ContainerCreate', [
    ['capabilities: { allow: ["NET BIND"] }', '"NET BIND" is not a capability name'],
    ['capabilities: { allow: ["cap_net-admin"] }', 'is not a capability name'],
  ]);
});

describe('devices', () => {
  run('devices: false', [
    ['empty', hc({ Devices: [], DeviceRequests: null }), undefined],
    ['device', hc({ Devices: [{ PathOnHost: '/dev/sda', PathInContainer: '/dev/sda', CgroupPermissions: 'rwm' }] }), 'device', 'HostConfig.Devices'],
    ['cgroup rule', hc({ DeviceCgroupRules: ['b 8:* rwm'] }), 'device', 'DeviceCgroupRules'],
    ['gpu request', hc({ DeviceRequests: [{ Driver: 'nvidia', Count: -1 }] }), 'device', 'DeviceRequests'],
    ['legacy top-level', create({ Devices: [{ PathOnHost: '/dev/mem' }] }), 'device'],
    // Each names a host path dockerd stats at start: its error tells whether the path exists.
    ['blkio read bps', hc({ BlkioDeviceReadBps: [{ Path: '/etc/shadow', Rate: 1 }] }), 'device', 'HostConfig.BlkioDeviceReadBps'],
    ['blkio weight device', hc({ BlkioWeightDevice: [{ Path: '/dev/sda', Weight: 10 }] }), 'device', 'BlkioWeightDevice'],
    ['blkio write iops, update', req('POST', '/containers/abc/update', { BlkioDeviceWriteIOps: [{ Path: '/dev/sda', Rate: 1 }] }), 'device', 'BlkioDeviceWriteIOps'],
    ['blkio lists empty', hc({ BlkioDeviceReadBps: [], BlkioDeviceWriteBps: null, BlkioWeight: 300 }), undefined],
  ]);
});

describe('securityOptions', () => {
  run('securityOptions: false', [
    ['no-new-privileges', hc({ SecurityOpt: ['no-new-privileges'] }), undefined],
    ['no-new-privileges=true', hc({ SecurityOpt: ['no-new-privileges=true'] }), undefined],
    ['label level', hc({ SecurityOpt: ['label=level:s0:c100'] }), 'security-option', 'SELinux level'],
    ['label level, whole range, legacy colon', hc({ SecurityOpt: ['label:level:s0-s0:c0.c1023'] }), 'security-option', 'SELinux level'],
    ['label level, key case', hc({ SecurityOpt: ['label=LEVEL:s0'] }), 'security-option', 'SELinux level'],
    ['label user and role', hc({ SecurityOpt: ['label=user:system_u', 'label=role:system_r'] }), undefined],
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
    ['service SELinux type spc_t', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { SELinuxContext: { Type: 'spc_t' } } } } }), 'security-option', 'TaskTemplate.ContainerSpec.Privileges.SELinuxContext.Type "spc_t" is not allowed'],
    ['service update SELinux type spc_t', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { SELinuxContext: { Type: 'spc_t', Level: 's0' } } } } }), 'security-option', 'SELinuxContext.Type'],
    ['service SELinux type, keys folded', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', privileges: { selinuxcontext: { type: 'unconfined_t' } } } } }), 'security-option', 'SELinuxContext.Type'],
    ['service SELinux disable', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { SELinuxContext: { Disable: true } } } } }), 'security-option', 'SELinuxContext.Disable'],
    ['service SELinux level', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { SELinuxContext: { Level: 's0:c100', Type: '', Disable: false } } } } }), 'security-option', 'SELinuxContext.Level "s0:c100" sets an SELinux level'],
    ['service SELinux user and role only', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Privileges: { SELinuxContext: { User: 'system_u', Role: 'system_r', Level: '', Type: '', Disable: false } } } } }), undefined],
  ]);
});

describe('maskedPaths', () => {
  run('maskedPaths: false', [
    ['null', hc({ MaskedPaths: null, ReadonlyPaths: null }), undefined],
    ['unmask all', hc({ MaskedPaths: [] }), 'masked-paths', 'HostConfig.MaskedPaths []'],
    ['readonly override', hc({ ReadonlyPaths: ['/proc/bus'] }), 'masked-paths', 'HostConfig.ReadonlyPaths ["/proc/bus"] overrides the default read-only paths'],
    ['legacy top-level masked', create({ MaskedPaths: ['/x'] }), 'masked-paths', 'MaskedPaths ["/x"] overrides the default masked paths'],
  ]);
});

describe('sysctls', () => {
  run('sysctls: { allow: ["net.ipv4.ping_group_range", "net.core.*"] }', [
    ['allowed', hc({ Sysctls: { 'net.ipv4.ping_group_range': '0 1000' } }), undefined],
    ['allowed by prefix', hc({ Sysctls: { 'net.core.somaxconn': '1024' } }), undefined],
    ['not allowed', hc({ Sysctls: { 'kernel.shm_rmid_forced': '1' } }), 'sysctl', 'kernel.shm_rmid_forced'],
    ['service', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Sysctls: { 'kernel.x': '1' } } } }), 'sysctl'],
    // API 1.46: per-interface sysctls as an endpoint driver option, at create and at connect.
    ['endpoint sysctls at create', create({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { mynet: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.ipv4.conf.IFNAME.route_localnet=1' } } } } }), 'sysctl', 'net.ipv4.conf.IFNAME.route_localnet'],
    ['endpoint sysctls at connect', req('POST', '/v1.48/networks/mynet/connect', { Container: 'c', EndpointConfig: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.core.x=1,net.ipv4.conf.IFNAME.forwarding=1' } } }), 'sysctl', 'net.ipv4.conf.IFNAME.forwarding'],
    ['endpoint sysctls allowed by prefix', req('POST', '/v1.48/networks/mynet/connect', { Container: 'c', EndpointConfig: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.core.somaxconn=1' } } }), undefined],
    // Service network attachments: the swarm executor copies their DriverOpts into the task
    // container's endpoint (`--network name=ov,driver-opt=...`), the legacy top-level Networks too.
    ['endpoint sysctls in a service attachment', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: 'ov', DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.ipv4.conf.IFNAME.forwarding=1' } }] } }), 'sysctl', 'TaskTemplate.Networks[0].DriverOpts["com.docker.network.endpoint.sysctls"] "net.ipv4.conf.IFNAME.forwarding" is not an allowed sysctl'],
    ['endpoint sysctls in a legacy top-level service attachment', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x' } }, Networks: [{ Target: 'web' }, { Target: 'ov', DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.core.x=1,kernel.x=1' } }] }), 'sysctl', 'Networks[1].DriverOpts["com.docker.network.endpoint.sysctls"] "kernel.x"'],
    ['endpoint sysctls in a service update, fields folded', req('POST', '/v1.48/services/s1/update?version=3', { Name: 's', taskTemplate: { ContainerSpec: { Image: 'x' }, networks: [{ target: 'ov', driverOpts: { 'com.docker.network.endpoint.sysctls': 'net.ipv6.conf.IFNAME.accept_ra=2' } }] } }), 'sysctl', 'net.ipv6.conf.IFNAME.accept_ra'],
    ['endpoint sysctls in a service attachment that are not a string', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: 'ov', DriverOpts: { 'com.docker.network.endpoint.sysctls': ['kernel.x=1'] } }] } }), 'sysctl', 'is a list, not a string'],
    // The swarm agent expands no template in network attachments (seen on dockerd 20.10: a
    // driver option keeps its braces in the task container's endpoint), so braces are text there.
    ['endpoint sysctls in a service attachment with braces are as written', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: 'ov', DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.core.somaxconn={{printf "1%ckernel.x=1" 44}}' } }] } }), undefined],
    ['endpoint sysctls in a service attachment with braces in the name', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x' } }, Networks: [{ Target: 'ov', DriverOpts: { 'com.docker.network.endpoint.sysctls': '{{"net.core.x"}}=1' } }] }), 'sysctl', 'Networks[0].DriverOpts["com.docker.network.endpoint.sysctls"] "{{\\"net.core.x\\"}}" is not an allowed sysctl'],
    ['endpoint sysctls with braces at network connect are as written', req('POST', '/v1.48/networks/mynet/connect', { Container: 'c', EndpointConfig: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.core.somaxconn={{1}}' } } }), undefined],
    ['endpoint sysctls in a service attachment allowed by prefix', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: 'ov', DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.core.somaxconn=1' } }] }, Networks: [{ Target: 'web', DriverOpts: { 'com.docker.network.driver.mtu': '1400' } }] }), undefined],
    ['other endpoint driver options', req('POST', '/v1.48/networks/mynet/connect', { Container: 'c', EndpointConfig: { DriverOpts: { 'com.example.x': 'net.ipv4.conf.all.forwarding=1' } } }), undefined],
  ]);
  // dockerd takes the 4th part `IFNAME` or `ifname` (exactly those) as the endpoint's interface,
  // and docker 28 lowercases driver-opts: either spelling, in the policy or the request, is one
  // sysctl there. Container and service `Sysctls` stay exact.
  const epSysctls = (value: string) => create({ Image: 'busybox', NetworkingConfig: { EndpointsConfig: { mynet: { DriverOpts: { 'com.docker.network.endpoint.sysctls': value } } } } });
  run('sysctls: { allow: ["net.ipv4.conf.IFNAME.forwarding", "net.ipv6.conf.ifname.accept_ra", "net.ipv4.conf.IFNAME.rp_*"] }', [
    ['endpoint IFNAME as the policy writes it', epSysctls('net.ipv4.conf.IFNAME.forwarding=1'), undefined],
    ['endpoint ifname as docker 28 sends it, policy IFNAME', epSysctls('net.ipv4.conf.ifname.forwarding=1'), undefined],
    ['service attachment ifname, policy IFNAME', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x' }, Networks: [{ Target: 'ov', DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.ipv4.conf.ifname.forwarding=1' } }] } }), undefined],
    ['connect ifname, policy IFNAME', req('POST', '/v1.48/networks/mynet/connect', { Container: 'c', EndpointConfig: { DriverOpts: { 'com.docker.network.endpoint.sysctls': 'net.ipv4.conf.ifname.forwarding=0' } } }), undefined],
    ['endpoint IFNAME, policy ifname', epSysctls('net.ipv6.conf.IFNAME.accept_ra=2'), undefined],
    ['endpoint ifname, policy ifname', epSysctls('net.ipv6.conf.ifname.accept_ra=2'), undefined],
    ['endpoint ifname, policy IFNAME prefix', epSysctls('net.ipv4.conf.ifname.rp_filter=1'), undefined],
    ['endpoint IfName (dockerd refuses it) is not IFNAME', epSysctls('net.ipv4.conf.IfName.forwarding=1'), 'sysctl', '"net.ipv4.conf.IfName.forwarding"'],
    ['endpoint ifname of another sysctl', epSysctls('net.ipv4.conf.ifname.forwarding=1,net.ipv4.conf.ifname.route_localnet=1'), 'sysctl', '"net.ipv4.conf.ifname.route_localnet"'],
    ['endpoint ifname in another part', epSysctls('net.ipv4.ifname.IFNAME.forwarding=1'), 'sysctl'],
    ['endpoint named interface', epSysctls('net.ipv4.conf.eth0.forwarding=1'), 'sysctl'],
    ['container Sysctls as written', hc({ Sysctls: { 'net.ipv4.conf.IFNAME.forwarding': '1', 'net.ipv6.conf.ifname.accept_ra': '2' } }), undefined],
    ['container Sysctls ifname stay exact', hc({ Sysctls: { 'net.ipv4.conf.ifname.forwarding': '1' } }), 'sysctl', '"net.ipv4.conf.ifname.forwarding"'],
    ['container Sysctls IFNAME stay exact', hc({ Sysctls: { 'net.ipv6.conf.IFNAME.accept_ra': '2' } }), 'sysctl'],
    ['service Sysctls stay exact', svcNet({ TaskTemplate: { ContainerSpec: { Image: 'x', Sysctls: { 'net.ipv4.conf.ifname.forwarding': '1' } } } }), 'sysctl'],
  ]);
});

describe('oomProtection and cpuRealtime (probe s31 F2: host settings no quota covers)', () => {
  run('oomProtection: false\ncpuRealtime: false', [
    ['defaults', hc({ OomScoreAdj: 0, OomKillDisable: false, CpuRealtimeRuntime: 0, CpuRealtimePeriod: 0 }), undefined],
    ['absent and null', hc({ OomKillDisable: null, CpuRealtimeRuntime: null }), undefined],
    ['a positive OomScoreAdj (killed first: harms only itself)', hc({ OomScoreAdj: 500 }), undefined],
    ['OomScoreAdj -1000', hc({ OomScoreAdj: -1000 }), 'oom-protection', 'HostConfig.OomScoreAdj -1000 is not allowed'],
    ['OomScoreAdj -1', hc({ oomscoreadj: -1 }), 'oom-protection', 'HostConfig.OomScoreAdj -1'],
    ['OomScoreAdj not a number (Go refuses it: fail closed)', hc({ OomScoreAdj: '-5' }), 'oom-protection'],
    ['legacy top-level OomScoreAdj', create({ Image: 'busybox', OomScoreAdj: -1000 }), 'oom-protection', 'OomScoreAdj -1000'],
    ['OomKillDisable', hc({ OomKillDisable: true }), 'oom-protection', 'HostConfig.OomKillDisable true is not allowed'],
    ['OomKillDisable, update', req('POST', '/containers/c/update', { OomKillDisable: true }), 'oom-protection', 'OomKillDisable true'],
    // API 1.46: a service's OomScoreAdj, which the swarm executor gives each task container (`docker service create --oom-score-adj`).
    ['service OomScoreAdj -1000', req('POST', '/v1.46/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', OomScoreAdj: -1000 } } }), 'oom-protection', 'TaskTemplate.ContainerSpec.OomScoreAdj -1000 is not allowed'],
    ['service update OomScoreAdj -1, fields folded', req('POST', '/v1.46/services/s1/update?version=2', { Name: 's', taskTemplate: { containerSpec: { Image: 'x', oomScoreAdj: -1 } } }), 'oom-protection', 'OomScoreAdj -1'],
    ['service OomScoreAdj 500', req('POST', '/v1.46/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', OomScoreAdj: 500 } } }), undefined],
    ['CpuRealtimeRuntime', hc({ CpuRealtimeRuntime: 950000 }), 'cpu-realtime', 'HostConfig.CpuRealtimeRuntime 950000 is not allowed'],
    ['CpuRealtimePeriod', hc({ CpuRealtimePeriod: 1000000 }), 'cpu-realtime', 'HostConfig.CpuRealtimePeriod'],
    ['CpuRealtimeRuntime, update', req('POST', '/containers/c/update', { cpurealtimeruntime: 10000 }), 'cpu-realtime'],
  ]);
  run('oomProtection: true\ncpuRealtime: true', [
    ['permitted when true', hc({ OomScoreAdj: -1000, OomKillDisable: true, CpuRealtimeRuntime: 950000 }), undefined],
  ]);
  refusedAtLoad('ContainerCreate', [
    ['oomProtection: { allow: [x] }', 'must be true (permit) or false (refuse)'],
    ['cpuRealtime: 0', 'must be true (permit) or false (refuse)'],
  ]);
});

describe('cgroupParent, runtimes, logDrivers, volumeDrivers', () => {
  run('cgroupParent: false\nruntimes: { allow: [runc] }\nlogDrivers: { allow: [json-file] }\nvolumeDrivers: false', [
    ['defaults', hc({ CgroupParent: '', Runtime: '', LogConfig: { Type: '', Config: {} } }), undefined],
    ['cgroup parent', hc({ CgroupParent: '/system.slice' }), 'cgroup-parent'],
    ['runtime allowed', hc({ Runtime: 'runc' }), undefined],
    ['runtime not allowed', hc({ Runtime: 'io.containerd.runsc.v1' }), 'runtime'],
    // API 1.43: annotations go to the runtime unchecked (runc: org.systemd.property.*, org.criu.config).
    ['runtime annotations', hc({ Annotations: { 'org.systemd.property.Slice': "'system.slice'" } }), 'runtime', 'annotations for the runtime are not allowed'],
    ['legacy top-level annotations', create({ Image: 'busybox', Annotations: { 'org.criu.config': '/srv/x' } }), 'runtime'],
    ['empty annotations', hc({ Annotations: {} }), undefined],
    ['log driver allowed', hc({ LogConfig: { Type: 'json-file' } }), undefined],
    ['log driver not allowed', hc({ LogConfig: { Type: 'syslog', Config: { 'syslog-address': 'tcp://x:514' } } }), 'log-driver', 'HostConfig.LogConfig.Type "syslog"'],
    // dockerd ignores a LogConfig in an update body (UpdateConfig has none): the container keeps its driver.
    ['container update with a log driver', req('POST', '/containers/c1/update', { LogConfig: { Type: 'syslog' }, HostConfig: { LogConfig: { Type: 'gelf' } } }), undefined],
    ['volume driver', hc({ VolumeDriver: 'evil' }), 'volume-driver'],
    ['mount volume driver', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'evil' } } }] }), 'volume-driver'],
    ['volume create driver', req('POST', '/volumes/create', { Name: 'v', Driver: 'evil' }), 'volume-driver', 'Driver "evil"'],
    ['volume create local', req('POST', '/volumes/create', { Name: 'v', Driver: 'local' }), undefined],
    ['service log driver not allowed', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x' }, LogDriver: { Name: 'syslog', Options: { 'syslog-address': 'tcp://x:514' } } } }), 'log-driver', 'TaskTemplate.LogDriver.Name "syslog" is not an allowed logging driver'],
    ['service update log driver not allowed', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x' }, logdriver: { name: 'gelf' } } }), 'log-driver', 'TaskTemplate.LogDriver.Name "gelf"'],
    ['service log driver allowed', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x' }, LogDriver: { Name: 'json-file' } } }), undefined],
    ['service mount volume driver', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'evil' } } }] } } }), 'volume-driver', 'TaskTemplate.ContainerSpec.Mounts[0].VolumeOptions.DriverConfig.Name "evil" is not an allowed volume driver'],
    ['service update mount volume driver', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'evil' } } }] } } }), 'volume-driver', 'Mounts[0].VolumeOptions.DriverConfig.Name'],
    ['service mount local driver', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: 'local' } } }] } } }), undefined],
    // No driver named: the local driver.
    ['service mount volume options without a driver', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'x', Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { NoCopy: true, Labels: { a: 'b' } } }] } } }), undefined],
    ['mount driver config without a name', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Options: { size: '1g' } } } }] }), undefined],
    ['mount driver name null', hc({ Mounts: [{ Type: 'volume', Target: '/x', VolumeOptions: { DriverConfig: { Name: null } } }] }), undefined],
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
    // A digest is no tag: `alpine:3.*` says which tags, and a bare digest has none to match.
    ['alpine by digest only', create({ Image: 'alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }), 'image', '"alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" (docker.io/library/alpine@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa) is not an allowed image'],
    // With a tag and a digest dockerd acts on the digest alone (reference store favorDigest,
    // pulls by digest): the tag is decoration, so `alpine:3.*` does not allow it.
    ['alpine tag and digest', create({ Image: 'alpine:3.19@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }), 'image', 'dockerd acts on the digest alone (the tag is ignored)'],
    ['image mount with a tag and a digest', hc({ Mounts: [{ Type: 'image', Source: `alpine:3.19@${A}`, Target: '/a' }] }), 'image', 'the tag is ignored'],
    ['service with a tag and a digest', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: `alpine:3.19@${A}` } } }), 'image', '--no-resolve-image'],
    ['service update with a tag and a digest', req('POST', '/services/s1/update?version=1', { Name: 's', TaskTemplate: { ContainerSpec: { Image: `alpine:3.19@${A}` } } }), 'image', '--no-resolve-image'],
    ['service with the tag alone (--no-resolve-image)', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'alpine:3.19' } } }), undefined],
    ['pull with a tag and a digest in fromImage', req('POST', `/images/create?fromImage=alpine:3.19@${A}`), 'image', 'the tag is ignored'],
    ['pull with a tag in fromImage and a digest as tag', req('POST', `/images/create?fromImage=alpine:3.19&tag=${A}`), 'image', `"alpine@${A}"`],
    ['pull with a digest in fromImage and a tag', req('POST', `/images/create?fromImage=alpine@${A}&tag=3.19`), 'image', 'the tag is ignored'],
    // rev-fixes2 F2: what the client sent, then the guard's reading of it.
    ['pull with a digest in fromImage and a tag: the reading is said to be one', req('POST', `/images/create?fromImage=alpine@${A}&tag=3.19`), 'image', `query fromImage "alpine@${A}" with tag "3.19" (read as "alpine:3.19@sha256:aaa`],
    ['tag from a tag-and-digest source', req('POST', `/images/alpine:3.19@${A}/tag?repo=registry.example.com/x&tag=1`), 'image', 'image name'],
    // TagImage drops repo's digest and tag when `tag` is given: the name written is alpine:edge.
    ['tag into a repo with a digest and another tag', req('POST', `/images/busybox/tag?repo=alpine:3.19@${A}&tag=edge`), 'image', '"alpine:edge"'],
    ['tag into a repo with a digest and an allowed tag', req('POST', `/images/busybox/tag?repo=alpine@${A}&tag=3.20`), undefined],
    ['commit into a repo with a digest', req('POST', `/commit?container=c&repo=alpine:3.19@${A}`), 'image'],
    ['build t with a tag and a digest', req('POST', `/build?t=alpine:3.19@${A}`), 'image'],
    // A name alone pulls every tag (docker pull -a): only a pattern allowing every tag allows it.
    ['pull -a of a tag-restricted name', req('POST', '/images/create?fromImage=alpine&tag='), 'image', 'docker pull -a'],
    ['pull of a name alone, no tag parameter', req('POST', '/images/create?fromImage=alpine'), 'image', 'docker pull -a'],
    ['pull -a with a trailing colon', req('POST', '/images/create?fromImage=alpine:'), 'image', 'docker pull -a'],
    ['a trailing colon and a tag', req('POST', '/images/create?fromImage=alpine:&tag=3.19'), undefined],
    ['pull -a of a name allowed whole', req('POST', '/images/create?fromImage=busybox&tag='), undefined],
    ['pull -a under a registry glob', req('POST', '/images/create?fromImage=registry.example.com/team/app'), undefined],
    ['push -a of a tag-restricted name', req('POST', '/images/alpine/push'), 'image', 'docker push -a'],
    ['push -a of a name allowed whole', req('POST', '/images/registry.example.com/app/push'), undefined],
    ['alpine pulled by digest', req('POST', '/images/create?fromImage=alpine&tag=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'), 'image', 'query fromImage'],
    ['other image', create({ Image: 'ubuntu' }), 'image', '"ubuntu" (docker.io/library/ubuntu:latest) is not an allowed image'],
    ['lookalike registry', create({ Image: 'registry.example.com.evil.io/x' }), 'image'],
    ['user namespace lookalike', create({ Image: 'evil/busybox' }), 'image'],
    ['image ID', create({ Image: 'sha256:' + 'a'.repeat(64) }), 'image'],
    // API 1.48: Type image mounts an image's file system: it is run as much as Image is.
    ['image mount of another image', hc({ Mounts: [{ Type: 'image', Source: 'evil:latest', Target: '/evil' }] }), 'image', 'HostConfig.Mounts[0].Source "evil:latest"'],
    ['image mount of an allowed image', hc({ Mounts: [{ Type: 'image', Source: 'busybox', Target: '/bb' }] }), undefined],
    ['image mount by ID', hc({ Mounts: [{ Type: 'IMAGE', Source: '3407442', Target: '/x' }] }), 'image'],
    ['service image mount', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox', Mounts: [{ Type: 'image', Source: 'evil', Target: '/e' }] } } }), 'image', 'TaskTemplate.ContainerSpec.Mounts[0].Source'],
    // The swarm agent expands templates in a service mount's Source on the node: `{` is no reference character, so a templated source is never an allowed image.
    ['service image mount holding a swarm template under an allowed registry', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox', Mounts: [{ Type: 'image', Source: 'registry.example.com/{{"x"}}', Target: '/e' }] } } }), 'image', 'expands on the node'],
    ['service image mount holding a swarm template in an allowed tag', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox', Mounts: [{ Type: 'image', Source: 'alpine:3.{{.Task.Slot}}', Target: '/e' }] } } }), 'image', 'TaskTemplate.ContainerSpec.Mounts[0].Source "alpine:3.{{.Task.Slot}}" holds a template'],
    ['service image mount type spelled with a dotless i (Go upper-cases it to IMAGE)', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'busybox', Mounts: [{ Type: '\u0131mage', Source: 'evil', Target: '/e' }] } } }), 'image', 'TaskTemplate.ContainerSpec.Mounts[0].Source "evil"'],
    ['container image mount with braces (dockerd expands nothing there)', hc({ Mounts: [{ Type: 'image', Source: 'registry.example.com/{{x}}', Target: '/bb' }] }), undefined],
    ['case-variant key', create({ IMAGE: 'ubuntu' }), 'image'],
    ['pull allowed', req('POST', '/images/create?fromImage=busybox&tag=1.36'), undefined],
    ['pull other', req('POST', '/images/create?fromImage=ubuntu&tag=latest'), 'image', 'query fromImage'],
    ['import named busybox', req('POST', '/images/create?fromSrc=-&repo=busybox'), undefined],
    ['import under a name not allowed', req('POST', '/images/create?fromSrc=-&repo=adminonly/secret-app&tag=1'), 'image', 'query repo "adminonly/secret-app" with tag "1" (read as "adminonly/secret-app:1", docker.io/adminonly/secret-app:1) is not an allowed image'],
    ['import under a trusted name with a tag the pattern does not allow', req('POST', '/images/create?fromSrc=-&repo=alpine&tag=edge'), 'image', 'query repo "alpine" with tag "edge" (read as "alpine:edge"'],
    ['import under an allowed registry', req('POST', '/images/create?fromSrc=-&repo=registry.example.com/team/app&tag=2'), undefined],
    ['tag over a trusted name needs allow', req('POST', '/images/busybox/tag?repo=evil&tag=1'), 'image', 'query repo'],
    ['tag between allowed names', req('POST', '/images/registry.example.com/ci/app2/tag?repo=registry.example.com/ci/app3&tag=1'), undefined],
    ['tag a busybox tag', req('POST', '/v1.41/images/busybox:1.36/tag?repo=registry.example.com/mirror/busybox&tag=1.36'), undefined],
    // The source is checked too: tagging an image one may not run into an allowed name.
    ['tag from a disallowed image', req('POST', '/images/ubuntu/tag?repo=busybox&tag=latest'), 'image', 'image name "ubuntu" (docker.io/library/ubuntu:latest) is not an allowed image'],
    ['tag an admin image out to an allowed registry', req('POST', '/v1.41/images/adminonly/secret-app:1/tag?repo=registry.example.com/exfil2&tag=1'), 'image', 'image name "adminonly/secret-app:1"'],
    ['tag from an image ID', req('POST', `/images/sha256:${'b'.repeat(64)}/tag?repo=busybox`), 'image', 'image name "sha256:bbbb'],
    ['tag from a short image ID', req('POST', '/images/3f2a9c1d04be/tag?repo=registry.example.com/x&tag=1'), 'image', 'image name "3f2a9c1d04be"'],
    ['tag from a lookalike registry', req('POST', '/images/registry.example.com.evil.io/x/tag?repo=registry.example.com/x'), 'image', 'image name'],
    ['commit names only (the source is a container)', req('POST', '/commit?container=anything&repo=registry.example.com/c&tag=1'), undefined],
    ['build tag', req('POST', '/build?t=registry.example.com/app:1&t=evil:1'), 'image', 'query t'],
    ['BuildKit outputs naming an image (no t)', req('POST', '/build?version=2&outputs=%5B%7B%22type%22%3A%22moby%22%2C%22attrs%22%3A%7B%22name%22%3A%22docker.io%2Flibrary%2Falpine%3Alatest%22%7D%7D%5D'), 'image', 'query outputs[0] type "moby" would name or push images'],
    ['outputs of the image exporter (can push)', req('POST', '/build?version=2&outputs=%5B%7B%22Type%22%3A%22image%22%2C%22Attrs%22%3A%7B%22name%22%3A%22evil%2Fx%22%2C%22push%22%3A%22true%22%7D%7D%5D'), 'image', 'type "image"'],
    ['outputs with a case-variant type key', req('POST', '/build?version=2&outputs=%5B%7B%22TYPE%22%3A%22moby%22%2C%22Attrs%22%3A%7B%22name%22%3A%22alpine%22%7D%7D%5D'), 'image'],
    ['outputs exported to the client (local)', req('POST', '/build?version=2&outputs=%5B%7B%22Type%22%3A%22local%22%2C%22Attrs%22%3A%7B%22dest%22%3A%22out%22%7D%7D%5D'), undefined],
    ['outputs as a tar to the client', req('POST', '/build?version=2&outputs=%5B%7B%22type%22%3A%22tar%22%7D%5D'), undefined],
    ['cache-only outputs', req('POST', '/build?version=2&outputs=%5B%7B%22type%22%3A%22cacheonly%22%7D%5D'), undefined],
    ['outputs without a type', req('POST', '/build?version=2&outputs=%5B%7B%22Attrs%22%3A%7B%22name%22%3A%22alpine%22%7D%7D%5D'), 'image', 'type null'],
    ['outputs with duplicate type keys', req('POST', '/build?version=2&outputs=%5B%7B%22type%22%3A%22local%22%2C%22Type%22%3A%22moby%22%7D%5D'), 'image', 'query outputs is not a list dockerd would read the same way'],
    ['outputs that are not a list', req('POST', '/build?version=2&outputs=%7B%22type%22%3A%22moby%22%7D'), 'image'],
    ['empty outputs list', req('POST', '/build?version=2&outputs=%5B%5D'), undefined],
    ['push', req('POST', '/images/registry.example.com/app/push?tag=1'), undefined],
    ['push elsewhere', req('POST', '/images/evil.io/app/push'), 'image'],
    ['service image', req('POST', '/services/create', { TaskTemplate: { ContainerSpec: { Image: 'ubuntu' } } }), 'image'],
  ]);
  // Only `latest` of app: no pull or push of every tag, no other image under a `latest` spelling.
  run(`images: { allow: ["app:latest", "pinned@${A}", "any:*"] }`, [
    ['app:latest', create({ Image: 'app:latest' }), undefined],
    ['app:latest with a digest', create({ Image: `app:latest@${A}` }), 'image', 'pin it: name@sha256:'],
    ['pinned digest under any tag', create({ Image: `pinned:whatever@${A}` }), undefined],
    ['pull app:latest', req('POST', '/images/create?fromImage=app&tag=latest'), undefined],
    // The tag or digest in fromImage, no tag parameter: one reference, not every tag.
    ['pull app:latest in fromImage, no tag', req('POST', '/images/create?fromImage=app:latest'), undefined],
    ['pull pinned by digest in fromImage, no tag', req('POST', `/images/create?fromImage=pinned@${A}`), undefined],
    ['pull -a (empty tag, what CLI 28 sends)', req('POST', '/images/create?fromImage=app&tag='), 'image', 'query fromImage "app" names no tag or digest: dockerd pulls every tag of it (docker pull -a)'],
    ['pull -a (no tag)', req('POST', '/images/create?fromImage=app'), 'image', 'docker pull -a'],
    ['pull -a of a canonical name', req('POST', '/images/create?fromImage=docker.io/library/app&tag='), 'image', 'docker pull -a'],
    ['pull -a of a pinned name', req('POST', '/images/create?fromImage=pinned'), 'image', 'docker pull -a'],
    ['pull -a allowed by a tag of stars', req('POST', '/images/create?fromImage=any&tag='), undefined],
    ['push app:latest', req('POST', '/images/app/push?tag=latest'), undefined],
    ['push app:latest in the name', req('POST', '/images/app:latest/push'), undefined],
    ['push -a', req('POST', '/images/app/push'), 'image', 'image name "app" names no tag or digest: dockerd pushes every local tag of it (docker push -a)'],
    ['push -a, empty tag', req('POST', '/images/app/push?tag='), 'image', 'docker push -a'],
    ['push -a allowed by a tag of stars', req('POST', '/images/any/push'), undefined],
    ['push of a tag and a digest', req('POST', `/images/app:latest@${A}/push`), 'image', 'the tag is ignored'],
    ['push of a digest with a tag parameter', req('POST', `/images/app@${A}/push?tag=latest`), 'image'],
    // The pinned digest may be sent, but not written under a tag the patterns do not allow.
    // rev-fixes2 F2: the digest is pinned; what is missing is the tag written (not "pin it").
    ['push of the pinned digest under a tag', req('POST', `/images/pinned:latest@${A}/push`), 'image', `(docker.io/library/pinned@${A}) is not an allowed image: a push of name:tag@digest sends the digest's image and writes the tag in the registry, so "pinned:latest" must be allowed too`],
    ['push of the pinned digest with a tag parameter', req('POST', `/images/pinned@${A}/push?tag=1.0`), 'image', `image name "pinned@${A}" with tag "1.0" (read as "pinned:1.0@sha256:aaa`],
    ['push of the pinned digest with a tag parameter: the tag written', req('POST', `/images/pinned@${A}/push?tag=1.0`), 'image', `docker.io/library/pinned@${A}) is not an allowed image: a push of name:tag@digest sends the digest's image and writes the tag in the registry, so "pinned:1.0" must be allowed too`],
  ]);
  // A pinned pattern allows that digest only.
  run('images: { allow: ["busybox@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"] }', [
    ['the pinned digest', create({ Image: 'busybox@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }), undefined],
    ['the pinned digest, canonical name', create({ Image: 'docker.io/library/busybox@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa' }), undefined],
    ['another digest', create({ Image: 'busybox@sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb' }), 'image', 'is not an allowed image'],
    ['a tag', create({ Image: 'busybox:1.36' }), 'image'],
    ['no tag or digest (latest)', create({ Image: 'busybox' }), 'image'],
    ['pull of another digest', req('POST', '/images/create?fromImage=busybox&tag=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb'), 'image'],
  ]);
  // dockerd resolves ID prefixes of any length (also spelled sha256:<prefix>) when the name is
  // no known reference: with a pattern that matches any library name, they must still be IDs.
  run('images: { allow: ["docker.io/library/*"] }', [
    ['tag from an 11-digit image ID prefix', req('POST', '/images/34074428229/tag?repo=mytool&tag=1'), 'image', 'image name "34074428229"'],
    ['tag from a sha256: prefix', req('POST', '/images/sha256:3407442/tag?repo=mytool&tag=2'), 'image', 'image name "sha256:3407442"'],
    ['run a 7-digit image ID prefix', create({ Image: '3407442' }), 'image'],
    ['a library name with a letter past f is a name', create({ Image: 'cafez' }), undefined],
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
    // The group part too: GetExecUser takes an Atoi-able group as a gid, `root` from /etc/group.
    ['65534:0 (group root)', exec('65534:0'), 'exec-root', 'User "65534:0" runs the exec session in group root (gid 0)'],
    ['1000:+0', exec('1000:+0'), 'exec-root', 'group root'],
    ['1000:-00', exec('1000:-00'), 'exec-root', 'group root'],
    ['x:root', exec('x:root'), 'exec-root', 'group root'],
    ['nobody: 0 (spaces trimmed: refuses more)', exec('nobody: 0'), 'exec-root', 'group root'],
    ['1000:0:1000 (a third part is ignored, the group is 0)', exec('1000:0:1000'), 'exec-root', 'group root'],
    ['1000:1000:0 (a third part is ignored)', exec('1000:1000:0'), undefined],
    ['1000: (empty group: the user\'s own)', exec('1000:'), undefined],
    ['app:staff', exec('app:staff'), undefined],
    ['1000:ROOT is no group runc finds', exec('1000:ROOT'), undefined],
    ['1000:10', exec('1000:10'), undefined],
    ['1000:+-0 is not a number', exec('1000:+-0'), undefined],
    ['bare sign is a name', exec('+'), undefined],
    ['+-0 is not a number', exec('+-0'), undefined],
    ['case-variant key', req('POST', '/containers/abc/exec', { user: 'root' }), 'exec-root'],
    // dockerd keeps a non-empty User; GetExecUser leaves an empty user part at uid 0.
    [':', exec(':'), 'exec-root', 'User ":" runs the exec session as root'],
    [':0', exec(':0'), 'exec-root'],
    [':root', exec(':root'), 'exec-root'],
    [':staff', exec(':staff'), 'exec-root'],
    [' :1000', exec(' :1000'), 'exec-root'],
  ]);
});

describe('psArgs', () => {
  const top = (q: string) => req('GET', `/v1.41/containers/abc/top${q}`);
  run('psArgs: false', [
    ['no ps_args (dockerd runs -ef)', top(''), undefined],
    ['empty', top('?ps_args='), undefined],
    ['-ef', top('?ps_args=-ef'), undefined],
    ['aux', top('?ps_args=aux'), undefined],
    ['BSD e prints every environment', top('?ps_args=auxeww'), 'ps-args', 'ps_args "auxeww" is not allowed (only none, -ef or aux)'],
    ['e alone', top('?ps_args=e'), 'ps-args'],
    ['an output format that renames the PID column', top('?ps_args=' + encodeURIComponent('-oetimes=PID,pid f')), 'ps-args'],
    ['a safe first value does not hide a second', top('?ps_args=aux&ps_args=auxe'), 'ps-args'],
    ['a plus sign is a space (Go query decoding)', top('?ps_args=aux+e'), 'ps-args', 'ps_args "aux e"'],
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
    // libnetwork then names the bridge docker0: the network adopts and renumbers the default bridge.
    ['adopt the default bridge', net({ Name: 'n', Options: { 'com.docker.network.bridge.default_bridge': 'true' } }), 'network-option', 'default_bridge'],
    ['adopt the default bridge, key in upper case', net({ Name: 'n', Options: { 'COM.DOCKER.NETWORK.BRIDGE.DEFAULT_BRIDGE': 'false' } }), 'network-option'],
    ['trusted host interfaces', net({ Name: 'n', Options: { 'com.docker.network.bridge.trusted_host_interfaces': 'eth0:eth1' } }), 'network-option', 'Options "com.docker.network.bridge.trusted_host_interfaces" reaches host interfaces'],
    ['trusted host interfaces, key in upper case', net({ Name: 'n', Driver: 'bridge', Options: { 'COM.DOCKER.NETWORK.BRIDGE.TRUSTED_HOST_INTERFACES': 'eth0' } }), 'network-option'],
    ['parent', net({ Name: 'n', Options: { parent: 'eth0' } }), 'network-option', 'Options "parent"'],
    ['ingress', net({ Name: 'n', Ingress: true }), 'network-option', 'Ingress is not allowed'],
    ['ingress, key folded', net({ Name: 'n', ingress: true }), 'network-option', 'Ingress is not allowed'],
    ['Ingress false', net({ Name: 'n', Ingress: false }), undefined],
    ['Driver "" is the default bridge', net({ Name: 'n', Driver: '' }), undefined],
  ]);
});

describe('publishedPorts', () => {
  const ports = (bindings: unknown, extra: Record<string, unknown> = {}) => hc({ PortBindings: bindings, ...extra });
  const bind = (HostPort?: unknown, HostIp?: unknown) => ({ '80/tcp': [{ ...(HostIp === undefined ? {} : { HostIp }), ...(HostPort === undefined ? {} : { HostPort }) }] });
  const service = (...p: unknown[]) => req('POST', '/services/create', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'busybox' } }, EndpointSpec: { Ports: p } });
  run('publishedPorts: { allow: ["0", "8000-8999", "127.0.0.1:5000-5099", "[::1]:6000"] }', [
    ['no bindings', hc({}), undefined],
    ['PortBindings null', ports(null), undefined],
    ['empty map', ports({}), undefined],
    ['a port in range, every interface', ports(bind('8080')), undefined],
    ['a range inside', ports(bind('8000-8010')), undefined],
    ['the edges', ports({ '80/tcp': [{ HostPort: '8000' }, { HostPort: '8999' }] }), undefined],
    ['a picked port (empty HostPort)', ports(bind('')), undefined],
    ['a picked port (0)', ports(bind('0')), undefined],
    ['a picked port (no HostPort)', ports(bind(undefined, '127.0.0.1')), undefined],
    ['a null binding (a picked port on every interface)', ports({ '80/tcp': [null] }), undefined],
    ['leading zeros read away as dockerd does', ports(bind('08080')), undefined],
    ['many leading zeros (Go ParseUint reads them away)', ports(bind('0000008080')), undefined],
    ['loopback range on loopback', ports(bind('5050', '127.0.0.1')), undefined],
    ['IPv6 loopback', ports(bind('6000', '::1')), undefined],
    ['-P', hc({ PublishAllPorts: true }), undefined],
    ['PublishAllPorts false', hc({ PublishAllPorts: false }), undefined],
    ['a privileged port', ports(bind('22')), 'published-port', 'HostConfig.PortBindings["80/tcp"][0]: publishing port 22 with no HostIp (every interface, unless its network sets another default address) is not allowed (allowed here: 0, 8000-8999, 127.0.0.1:5000-5099, [::1]:6000)'],
    ['a range crossing the edge', ports(bind('8990-9010')), 'published-port', 'port 8990-9010'],
    ['loopback range on every interface', ports(bind('5050')), 'published-port', 'port 5050 with no HostIp'],
    ['loopback range on another address', ports(bind('5050', '192.0.2.2')), 'published-port', 'port 5050 on "192.0.2.2"'],
    ['loopback range on 127.0.0.2', ports(bind('5050', '127.0.0.2')), 'published-port'],
    ['IPv6 port on IPv4 loopback', ports(bind('6000', '127.0.0.1')), 'published-port'],
    ['second binding refused', ports({ '80/tcp': [{ HostPort: '8080' }], '443/tcp': [{ HostPort: '443' }] }), 'published-port', '["443/tcp"][0]'],
    ['a HostIp dockerd cannot read binds every interface', ports(bind('5050', 'localhost')), 'published-port', 'HostIp "localhost" is not an IP address dockgate reads'],
    ['IPv4-mapped HostIp (dockerd binds 127.0.0.1)', ports(bind('5050', '::ffff:127.0.0.1')), 'published-port', 'is not an IP address'],
    ['three-part range (dockerd reads 1-2)', ports(bind('8000-8001-9999')), 'published-port', 'is not a port or a port range'],
    ['reversed range (dockerd refuses)', ports(bind('8010-8000')), 'published-port'],
    ['port over 65535', ports(bind('65536')), 'published-port'],
    ['plus sign', ports(bind('+8080')), 'published-port'],
    ['HostPort a number', ports(bind(8080)), 'published-port', 'HostPort is a number, not a string'],
    ['HostIp a number', ports(bind('8080', 2130706433)), 'published-port', 'HostIp is a number'],
    ['binding list not a list (Go refuses; still read)', ports({ '80/tcp': { HostPort: '22' } }), 'published-port', 'port 22'],
    ['binding not a map', ports({ '80/tcp': ['22'] }), 'published-port', 'is a string, not a map'],
    ['PortBindings not a map', ports(['22:80']), 'published-port', 'not a map'],
    ['case-variant keys', create({ Image: 'busybox', hostconfig: { portbindings: { '80/tcp': [{ hostport: '22', hostip: '' }] } } }), 'published-port', 'port 22'],
    ['legacy top-level', create({ Image: 'busybox', PortBindings: bind('22') }), 'published-port', 'PortBindings["80/tcp"][0]'],
    ['PublishAllPorts not a boolean', hc({ PublishAllPorts: 'yes' }), 'published-port', 'is not a boolean'],
    ['service port in range', service({ TargetPort: 80, PublishedPort: 8080 }), undefined],
    ['service port swarm picks', service({ TargetPort: 80 }), undefined],
    ['service privileged port', service({ TargetPort: 80, PublishedPort: 443 }), 'published-port', 'EndpointSpec.Ports[0]: publishing port 443 on every interface is not allowed (allowed here: 0, 8000-8999, 127.0.0.1:5000-5099, [::1]:6000)'],
    ['service loopback range (no address on services)', service({ TargetPort: 80, PublishedPort: 5050 }), 'published-port'],
    ['service port not a number', service({ TargetPort: 80, PublishedPort: '8080' }), 'published-port', 'is not a port number'],
  ]);
  run('publishedPorts: { allow: ["127.0.0.1:0", "127.0.0.1:8000-8999"] }', [
    ['a picked port on loopback', ports(bind('', '127.0.0.1')), undefined],
    ['a picked port on every interface', ports(bind('')), 'published-port', 'publishing a port the daemon picks with no HostIp'],
    ['a null binding', ports({ '80/tcp': [null] }), 'published-port', 'a port the daemon picks, with no HostIp'],
    ['-P', hc({ PublishAllPorts: true }), 'published-port', 'HostConfig.PublishAllPorts: publishing every exposed port on ports the daemon picks, with no HostIp (every interface, unless its network sets another default address), is not allowed (allowed here: 127.0.0.1:0, 127.0.0.1:8000-8999)'],
    ['a null binding, the list named', ports({ '80/tcp': [null] }), 'published-port', 'is not allowed (allowed here: 127.0.0.1:0, 127.0.0.1:8000-8999)'],
    ['service (every interface)', service({ TargetPort: 80 }), 'published-port', 'a port swarm picks'],
  ]);
  run('publishedPorts: false', [
    ['no bindings', hc({}), undefined],
    ['empty binding list', ports({ '80/tcp': [] }), undefined],
    ['any binding', ports(bind('8080', '127.0.0.1')), 'published-port', 'publishing port 8080 on "127.0.0.1" is not allowed (allowed here: none)'],
    ['-P', hc({ PublishAllPorts: true }), 'published-port'],
  ]);
  run('publishedPorts: true', [['permitted explicitly', ports(bind('22')), undefined]]);
  // YAML reads `0` and `8080` unquoted as numbers: taken as their digits.
  run('publishedPorts: { allow: [0, 8080] }', [
    ['a picked port', ports(bind('')), undefined],
    ['8080', ports(bind('8080')), undefined],
    ['8081', ports(bind('8081')), 'published-port', '(allowed here: 0, 8080)'],
  ]);

  refusedAtLoad('ContainerCreate', [
    ['publishedPorts: { allow: ["80-"] }', 'is not a host port entry'],
    ['publishedPorts: { allow: ["localhost:80"] }', 'is not a host port entry'],
    ['publishedPorts: { allow: ["::1:80"] }', 'is not a host port entry'],
    ['publishedPorts: { allow: ["[127.0.0.1]:80"] }', 'is not a host port entry'],
    ['publishedPorts: { allow: ["9000-8000"] }', 'is not a host port entry'],
    ['publishedPorts: { allow: ["65536"] }', 'is not a host port entry'],
    ['publishedPorts: { allow: [80.5] }', 'must be a non-empty string'],
    ['publishedPorts: { allow: [-80] }', 'must be a non-empty string'],
  ]);
});

describe('networkSubnets', () => {
  const net = (body: unknown) => req('POST', '/networks/create', body);
  const ipam = (...config: unknown[]) => net({ Name: 'n', IPAM: { Driver: 'default', Config: config, Options: {} } });
  run('networkSubnets: { allow: [10.200.0.0/16, "fd00:d0c::/48"] }', [
    ['no IPAM (the daemon picks)', net({ Name: 'n' }), undefined],
    ['IPAM null', net({ Name: 'n', IPAM: null }), undefined],
    ['the docker CLI without --subnet', ipam(), undefined],
    ['empty Subnet (the daemon picks)', ipam({ Subnet: '' }), undefined],
    ['null entry', ipam(null), undefined],
    ['subnet inside', ipam({ Subnet: '10.200.5.0/24', IPRange: '10.200.5.128/25', Gateway: '10.200.5.1', AuxiliaryAddresses: { a: '10.200.5.2' } }), undefined],
    ['the whole range', ipam({ Subnet: '10.200.0.0/16' }), undefined],
    ['IPv6 inside', ipam({ Subnet: 'fd00:d0c:0:5::/64', Gateway: 'fd00:d0c:0:5::1' }), undefined],
    ['host bits, network inside (dockerd uses 10.200.0.0/20)', ipam({ Subnet: '10.200.7.9/20' }), undefined],
    ['subnet over the host LAN', ipam({ Subnet: '10.99.5.0/24' }), 'network-subnet', 'IPAM.Config[0].Subnet "10.99.5.0/24" is outside the allowed network ranges'],
    ['public range', ipam({ Subnet: '8.8.8.0/24' }), 'network-subnet', '"8.8.8.0/24"'],
    ['larger than the range', ipam({ Subnet: '10.200.0.0/15' }), 'network-subnet'],
    ['host bits inside, network outside (dockerd uses 10.0.0.0/8)', ipam({ Subnet: '10.200.7.9/8' }), 'network-subnet', '"10.200.7.9/8"'],
    ['second entry outside', ipam({ Subnet: '10.200.5.0/24' }, { Subnet: '10.99.0.0/24' }), 'network-subnet', 'IPAM.Config[1].Subnet'],
    ['IPRange outside (dockerd 20.10 accepts one outside its subnet)', ipam({ Subnet: '10.200.5.0/24', IPRange: '10.85.0.0/24' }), 'network-subnet', 'IPAM.Config[0].IPRange "10.85.0.0/24"'],
    ['IPRange without Subnet', ipam({ IPRange: '10.85.0.0/24' }), 'network-subnet', 'IPRange'],
    ['Gateway outside', ipam({ Subnet: '10.200.5.0/24', Gateway: '10.87.0.1' }), 'network-subnet', 'Gateway "10.87.0.1"'],
    ['auxiliary address outside', ipam({ Subnet: '10.200.5.0/24', AuxiliaryAddresses: { a: '10.200.5.2', router: '10.83.0.1' } }), 'network-subnet', 'AuxiliaryAddresses["router"] "10.83.0.1"'],
    ['IPv6 outside', ipam({ Subnet: 'fd00:d0d::/64' }), 'network-subnet'],
    ['IPv6 the size of everything', ipam({ Subnet: '::/0' }), 'network-subnet'],
    ['case-variant keys (Go matches them)', net({ Name: 'n', ipam: { config: [{ subnet: '10.99.5.0/24' }] } }), 'network-subnet', '"10.99.5.0/24"'],
    ['IPv4-mapped IPv6 (dockerd 20.10 accepts it)', ipam({ Subnet: '::ffff:10.200.0.0/112' }), 'network-subnet', 'is not an IP prefix dockgate reads'],
    ['leading zero (dockerd refuses it too)', ipam({ Subnet: '010.200.0.0/16' }), 'network-subnet', 'is not an IP prefix'],
    ['gateway written as a prefix', ipam({ Subnet: '10.200.5.0/24', Gateway: '10.200.5.1/24' }), 'network-subnet', 'is not an IP address'],
    ['Subnet not a string', ipam({ Subnet: ['10.99.0.0/16'] }), 'network-subnet', 'is a list, not a string'],
    ['Config not a list (Go refuses; the entry is still read)', net({ Name: 'n', IPAM: { Config: { Subnet: '10.99.0.0/16' } } }), 'network-subnet', 'IPAM.Config.Subnet'],
    ['Config entry not a map', ipam('10.99.0.0/16'), 'network-subnet', 'IPAM.Config[0] is a string, not a map'],
    ['AuxiliaryAddresses not a map', ipam({ Subnet: '10.200.5.0/24', AuxiliaryAddresses: ['10.83.0.1'] }), 'network-subnet', 'not a map'],
    ['IPAM not a map', net({ Name: 'n', IPAM: 'default' }), 'network-subnet', 'IPAM is a string'],
    ['another IPAM driver', net({ Name: 'n', IPAM: { Driver: 'infoblox' } }), 'network-subnet', 'IPAM.Driver "infoblox"'],
    ['IPAM driver "" is the default', net({ Name: 'n', IPAM: { Driver: '' } }), undefined],
    // The review's bypass: a network made from an admin's config-only macvlan network on the LAN.
    ['from a config-only network', net({ Name: 'n', ConfigFrom: { Network: 'lancfg' } }), 'network-subnet', 'ConfigFrom {"Network":"lancfg"} is not allowed'],
    ['from a config-only network, key folded', net({ Name: 'n', configfrom: { network: 'lancfg' } }), 'network-subnet'],
    ['ConfigFrom with no network', net({ Name: 'n', ConfigFrom: { Network: '' } }), undefined],
    ['IPv6 with an IPv6 range allowed', net({ Name: 'n', EnableIPv6: true, IPAM: { Config: [{ Subnet: 'fd00:d0c:0:5::/64' }] } }), undefined],
    ['EnableIPv6 not a boolean', net({ Name: 'n', EnableIPv6: 'true' }), 'network-subnet', 'is not a boolean'],
    ['other operations untouched', req('POST', '/networks/abc/connect', { Container: 'c', EndpointConfig: { IPAMConfig: { IPv4Address: '10.99.0.7' } } }), undefined],
  ]);
  // The review found dockerd turning on net.ipv6.conf.all.forwarding for an IPv6 network.
  run('networkSubnets: { allow: [10.200.0.0/16] }', [
    ['IPv6 with no IPv6 range allowed', net({ Name: 'n', EnableIPv6: true }), 'network-subnet', 'EnableIPv6 is not allowed: no IPv6 range is allowed'],
    ['EnableIPv6 false', net({ Name: 'n', EnableIPv6: false, IPAM: { Config: [{ Subnet: '10.200.1.0/24' }] } }), undefined],
    ['key folded', net({ Name: 'n', enableipv6: true }), 'network-subnet'],
    // dockerd 27+ reads this driver option when EnableIPv6 is absent (the final review).
    ['IPv6 by driver option', net({ Name: 'n', Options: { 'com.docker.network.enable_ipv6': 'true' } }), 'network-subnet', 'Options["com.docker.network.enable_ipv6"] is not allowed'],
    ['IPv6 by driver option, any other spelling of true', net({ Name: 'n', Options: { 'COM.DOCKER.NETWORK.ENABLE_IPV6': '1' } }), 'network-subnet'],
    ['IPv6 by driver option, a value Go cannot read', net({ Name: 'n', Options: { 'com.docker.network.enable_ipv6': 'yes' } }), 'network-subnet'],
    ['IPv6 driver option false', net({ Name: 'n', Options: { 'com.docker.network.enable_ipv6': 'false' } }), undefined],
  ]);
  run('networkSubnets: false', [
    ['the docker CLI without --subnet', ipam(), undefined],
    ['IPv6 from the daemon\'s pools (dockerd 27 on)', net({ Name: 'n', EnableIPv6: true }), 'network-subnet', 'EnableIPv6'],
    ['any explicit subnet', ipam({ Subnet: '10.200.5.0/24' }), 'network-subnet', 'IPAM.Config[0].Subnet "10.200.5.0/24" is not allowed: no address may be named'],
    ['a gateway alone', ipam({ Gateway: '10.200.5.1' }), 'network-subnet'],
  ]);
  run('networkSubnets: true', [['permitted explicitly', ipam({ Subnet: '10.99.5.0/24' }), undefined]]);

  refusedAtLoad('NetworkCreate', [
    ['networkSubnets: { allow: [10.200.0.5/16] }', 'has host bits set: did you mean 10.200.0.0/16?'],
    ['networkSubnets: { allow: ["fd00:d0c:0:1::/48"] }', 'did you mean fd00:d0c::/48?'],
    ['networkSubnets: { allow: [10.200.0.0] }', 'is not an IP prefix in CIDR notation'],
    ['networkSubnets: { allow: ["::ffff:10.0.0.0/104"] }', 'IPv4-mapped IPv6 is not accepted'],
    ['networkSubnets: { allow: [10.200.0.0/33] }', 'is not an IP prefix'],
    ['networkSubnets: [10.200.0.0/16]', 'must be true, false or { allow: [...] }'],
  ]);
});

describe('service rollback', () => {
  const rollback = (query: string) => req('POST', `/services/abc/update?version=7${query}`, { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'busybox' } } });
  // dockerd applies the service's previous spec and ignores the body the guards read.
  run('publishedPorts: false', [
    ['rollback=previous', rollback('&rollback=previous'), 'service-rollback', "makes dockerd apply the service's previous spec"],
    ['a value dockerd does not know', rollback('&rollback=x'), 'service-rollback', 'is not a rollback option dockerd knows'],
    ['compared exactly, as dockerd does', rollback('&rollback=Previous'), 'service-rollback', 'is not a rollback option dockerd knows'],
    ['first value decides (Go Form.Get)', rollback('&rollback=previous&rollback='), 'service-rollback', "makes dockerd apply the service's previous spec"],
    ['none after a previous is still a rollback', rollback('&rollback=previous&rollback=none'), 'service-rollback'],
    // dockerd's explicit "no rollback": the body is applied, and the guards read it.
    ['none', rollback('&rollback=none'), undefined],
    ['none: the guards read the body', req('POST', '/services/abc/update?version=7&rollback=none', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'busybox' } }, EndpointSpec: { Ports: [{ TargetPort: 80, PublishedPort: 8080 }] } }), 'published-port'],
    ['empty', rollback('&rollback='), undefined],
    ['absent', rollback(''), undefined],
  ]);
  // One guard that inspects service updates is enough, whatever the rule's other guards are.
  run('publishedPorts: false\nexecRoot: false', [['beside a guard that does not inspect services', rollback('&rollback=previous'), 'service-rollback', "makes dockerd apply the service's previous spec"]]);
  run('execRoot: false\npublishedPorts: false', [['after a guard that does not inspect services', rollback('&rollback=previous'), 'service-rollback']]);
  // A rule whose guards inspect no service update has nothing the rollback could bypass.
  run('privileged: false', [['no guard inspects services', rollback('&rollback=previous'), undefined]]);
});

describe('plugins, swarm, buildOptions, importUrls', () => {
  run('plugins: false\nswarm: false\nbuildOptions: false\nimportUrls: false', [
    ['plugin pull', req('POST', '/plugins/pull?remote=vieux/sshfs'), 'plugin'],
    ['plugin set', req('POST', '/plugins/x/set', ['mnt.source=/']), 'plugin'],
    ['plugin enable', req('POST', '/plugins/x/enable'), 'plugin'],
    ['plugin list is fine', req('GET', '/plugins'), undefined],
    ['service plugin', req('POST', '/services/create', { TaskTemplate: { Runtime: 'plugin', PluginSpec: { Remote: 'x' } } }), 'plugin', 'TaskTemplate.PluginSpec deploys a plugin'],
    ['service PluginSpec, fields folded', req('POST', '/services/create', { taskTemplate: { pluginSpec: { Remote: 'x' } } }), 'plugin', 'TaskTemplate.PluginSpec deploys a plugin'],
    // The runtime alone (no PluginSpec: dockerd would refuse the spec) is refused for what it asks.
    ['service runtime plugin without a PluginSpec', req('POST', '/services/create', { TaskTemplate: { Runtime: 'plugin' } }), 'plugin', 'TaskTemplate.Runtime "plugin" asks for a plugin service, whose plugins run with host privileges'],
    ['service runtime PLUGIN, any case', req('POST', '/services/s1/update?version=2', { Name: 's', TaskTemplate: { runtime: 'PLUGIN', ContainerSpec: { Image: 'x' } } }), 'plugin', 'TaskTemplate.Runtime "PLUGIN" asks for a plugin service'],
    ['service runtime container', req('POST', '/services/create', { TaskTemplate: { Runtime: 'container', ContainerSpec: { Image: 'x' } } }), undefined],
    // A secret driver is a plugin the swarm manager calls for every task that uses the secret.
    ['secret with a driver', req('POST', '/v1.41/secrets/create', { Name: 's', Driver: { Name: 'vault-secrets' } }), 'plugin', 'Driver.Name "vault-secrets" has the secret served by a secret-driver plugin'],
    ['secret driver, fields folded', req('POST', '/secrets/create', { name: 's', driver: { NAME: 'vault-secrets', options: {} } }), 'plugin', 'Driver.Name "vault-secrets"'],
    ['secret driver name of another type fails closed', req('POST', '/secrets/create', { Name: 's', Driver: { Name: 7 } }), 'plugin', 'Driver.Name 7'],
    ['secret with data only', req('POST', '/secrets/create', { Name: 's', Data: 'c2VjcmV0' }), undefined],
    ['secret with an empty driver name (no driver: dockerd refuses it)', req('POST', '/secrets/create', { Name: 's', Data: 'c2VjcmV0', Driver: { Name: '' } }), undefined],
    // Templating runs no plugin: swarmkit knows only `golang` and fails a task for any other name.
    ['secret templated by golang', req('POST', '/secrets/create', { Name: 's', Data: 'e3sgLlRhc2suU2xvdCB9fQ==', Templating: { Name: 'golang' } }), undefined],
    ['config templated by another name', req('POST', '/configs/create', { Name: 'c', Data: 'eA==', Templating: { Name: 'other' } }), undefined],
    // ConfigSpec has no Driver (Go's decoder drops it); updates apply only Labels.
    ['config with a Driver field', req('POST', '/configs/create', { Name: 'c', Data: 'eA==', Driver: { Name: 'vault-secrets' } }), undefined],
    ['secret update naming a driver', req('POST', '/secrets/abc/update?version=3', { Name: 's', Labels: { a: 'b' }, Driver: { Name: 'vault-secrets' } }), undefined],
    ['swarm init', req('POST', '/swarm/init', { ListenAddr: '0.0.0.0:2377' }), 'swarm'],
    ['swarm join', req('POST', '/swarm/join', { RemoteAddrs: ['10.0.0.1:2377'], JoinToken: 't' }), 'swarm'],
    ['build plain', req('POST', '/build?t=x'), undefined],
    ['build host network', req('POST', '/build?networkmode=host'), 'build-option', 'networkmode'],
    ['build container network', req('POST', '/build?networkmode=container:abc'), 'build-option'],
    ['build remote', req('POST', '/build?remote=https://example.com/ctx.tar'), 'build-option', 'remote'],
    ['build cgroupparent', req('POST', '/build?cgroupparent=/'), 'build-option'],
    ['build first value wins as in Go', req('POST', '/build?networkmode=host&networkmode=bridge'), 'build-option'],
    ['build default network', req('POST', '/build?networkmode=default'), undefined],
    ['build bridge', req('POST', '/build?networkmode=bridge'), undefined],
    ['build none', req('POST', '/build?networkmode=none'), undefined],
    // A network by name, whoever's it is: the RUN steps join it and reach its containers.
    ['build on a named network', req('POST', '/build?networkmode=admin-db'), 'build-option', 'query networkmode="admin-db" runs the build\'s RUN steps on that network'],
    ['build Default (dockerd compares exactly: a network named Default)', req('POST', '/build?networkmode=Default'), 'build-option'],
    ['import upload', req('POST', '/images/create?fromSrc=-&repo=x'), undefined],
    ['import url', req('POST', '/images/create?fromSrc=http://169.254.169.254/latest'), 'import-url'],
  ]);
});

describe('buildOptions: remote=client-session is the client\'s own context, not a fetch (review3 F4)', () => {
  run('buildOptions: false', [
    // What the docker CLI (DOCKER_BUILDKIT=1) and buildx send: the context comes over /session.
    ['BuildKit CLI build', req('POST', '/v1.41/build?remote=client-session&version=2&session=s1&t=a:3'), undefined],
    ['client-session with the classic builder (dockerd refuses or syncs it; fetches nothing)', req('POST', '/build?remote=client-session'), undefined],
    ['empty remote (context in the body)', req('POST', '/build?remote='), undefined],
    // dockerd compares the value exactly: any other spelling is a remote it hands on.
    ['another case', req('POST', '/build?remote=Client-Session&version=2'), 'build-option', 'query remote="Client-Session" makes the daemon fetch the build context (a URL or git repository)'],
    ['with a space', req('POST', '/build?remote=client-session%20'), 'build-option', 'makes the daemon fetch'],
    ['first value wins: a URL before client-session', req('POST', '/build?remote=https://example.com/c.tar&remote=client-session'), 'build-option', 'query remote="https://example.com/c.tar"'],
    ['first value wins: client-session before a URL', req('POST', '/build?remote=client-session&remote=https://example.com/c.tar'), undefined],
    ['git remote', req('POST', '/build?remote=git://example.com/r.git&version=2'), 'build-option', 'send the context with the request or over the client\'s session'],
    ['git@ remote', req('POST', '/build?remote=git@github.com:o/r.git'), 'build-option', 'query remote="***@github.com:o/r.git" makes the daemon fetch'],
    ['client-session does not excuse networkmode', req('POST', '/build?remote=client-session&version=2&networkmode=host'), 'build-option', 'query networkmode="host" runs the build\'s RUN steps on the host\'s network'],
    ['container network', req('POST', '/build?networkmode=container:db'), 'build-option', 'in another container\'s network namespace'],
    ['cgroupparent', req('POST', '/build?remote=client-session&cgroupparent=/x'), 'build-option', 'query cgroupparent="/x" places the build\'s RUN steps in a cgroup of the caller\'s choosing'],
    ['isolation', req('POST', '/build?isolation=hyperv'), 'build-option', 'query isolation="hyperv" is not allowed: only the daemon\'s default isolation'],
    ['isolation default', req('POST', '/build?isolation=Default'), undefined],
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

describe('legacy ContainerStart body (API < 1.24: a HostConfig, nested or top-level, dockerd 20.10 applies)', () => {
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
    // dockerd decodes a start body as a create body and applies its nested HostConfig first
    // (seen on dockerd 20.10.24: {"HostConfig":{"Privileged":true}} at /v1.23 set Privileged).
    ['nested HostConfig Privileged', start({ HostConfig: { Privileged: true } }), 'privileged', 'HostConfig.Privileged is not allowed'],
    // Both copies are checked, the nested one named first: neither hides the other.
    ['both copies set: the nested one named', start({ Privileged: true, HostConfig: { Privileged: true } }), 'privileged', 'HostConfig.Privileged is not allowed'],
    ['nested false, top-level set', start({ Privileged: true, HostConfig: { Privileged: false } }), 'privileged', 'Privileged is not allowed'],
    ['nested null, top-level set', start({ CapAdd: ['SYS_ADMIN'], HostConfig: { CapAdd: null } }), 'capability', 'CapAdd[0] "SYS_ADMIN"'],
    ['nested set, top-level null', start({ PidMode: null, HostConfig: { PidMode: 'host' } }), 'host-namespace', 'HostConfig.PidMode "host"'],
    ['nested case-folded HostConfig', start({ hOSTcONFIG: { CapAdd: ['SYS_ADMIN'] } }), 'capability', 'SYS_ADMIN'],
    ['nested bind root', start({ HostConfig: { Binds: ['/:/host'] } }), 'bind-mount'],
    ['nested host pid', start({ HostConfig: { PidMode: 'host' } }), 'host-namespace'],
    ['nested seccomp unconfined', start({ HostConfig: { SecurityOpt: ['seccomp=unconfined'] } }), 'security-option'],
    ['nested harmless HostConfig', start({ HostConfig: { Binds: ['/srv/dev/alice:/w'] } }), undefined],
  ]);
});

/**
 * dockerd gives a create below API 1.41 that leaves CgroupnsMode empty the host's cgroup
 * namespace on a cgroup v1 host (checked on dockerd 20.10 with default-cgroupns-mode private):
 * under hostNamespaces: false the gateway asks for "private" in the HostConfig dockerd reads.
 */
describe('hostNamespaces: the cgroup namespace below API 1.41', () => {
  const policy = guarded('hostNamespaces: false');
  const at = (version: string, body: unknown) => req('POST', `/v${version}/containers/create`, body);
  it.each([
    ['1.40, HostConfig without it', at('1.40', { Image: 'x', HostConfig: {} }), ['HostConfig', 'CgroupnsMode']],
    ['1.38 (docker-compose v1), empty value', at('1.38', { Image: 'x', HostConfig: { CgroupnsMode: '' } }), ['HostConfig', 'CgroupnsMode']],
    ['1.40, null value', at('1.40', { Image: 'x', HostConfig: { CgroupnsMode: null } }), ['HostConfig', 'CgroupnsMode']],
    ['1.040 is 1.40', at('1.040', { Image: 'x', HostConfig: {} }), ['HostConfig', 'CgroupnsMode']],
    ['1.24, legacy top level only', at('1.24', { Image: 'x', Memory: 0 }), ['CgroupnsMode']],
    ['1.40, HostConfig null and legacy fields', at('1.40', { Image: 'x', HostConfig: null, Memory: 0 }), ['CgroupnsMode']],
    ['1.40, HostConfig wins over a legacy private', at('1.40', { Image: 'x', HostConfig: {}, CgroupnsMode: 'private' }), ['HostConfig', 'CgroupnsMode']],
    ['1.40, private given', at('1.40', { Image: 'x', HostConfig: { CgroupnsMode: 'private' } }), undefined],
    ['1.40, folded key given', at('1.40', { Image: 'x', hostconfig: { cgroupnsmode: 'private' } }), undefined],
    // dockerd would force nothing, but tenancy's limits add a HostConfig it would force.
    ['1.40, no HostConfig at all', at('1.40', { Image: 'x' }), ['HostConfig', 'CgroupnsMode']],
    ['1.40, HostConfig null and no legacy field', at('1.40', { Image: 'x', HostConfig: null }), ['HostConfig', 'CgroupnsMode']],
    ['1.41, left to the daemon', at('1.41', { Image: 'x', HostConfig: {} }), undefined],
    ['no version prefix', req('POST', '/containers/create', { Image: 'x', HostConfig: {} }), undefined],
  ])('%s', (_name, facts, path) => {
    const d = decide(policy, alice, facts);
    expect(d.outcome).toBe('allow');
    if (path === undefined) expect(d.amendments).toBeUndefined();
    else {
      expect(d.amendments).toEqual([expect.objectContaining({ code: 'cgroupns-private', path, value: 'private' })]);
      expect(d.reason).toContain('set to "private"');
    }
  });

  it('an explicit host is still refused, a rule without the guard amends nothing, nor does a policy in audit mode', () => {
    expect(decide(policy, alice, at('1.40', { Image: 'x', HostConfig: { CgroupnsMode: 'host' } }))).toMatchObject({ outcome: 'deny', code: 'host-namespace' });
    expect(decide(guarded('privileged: false'), alice, at('1.40', { Image: 'x', HostConfig: {} })).amendments).toBeUndefined();
    const audit = loadPolicy('version: 1\nmode: audit\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: all\n    guards: { hostNamespaces: false }\n');
    expect(decide(audit, alice, at('1.40', { Image: 'x', HostConfig: {} })).amendments).toBeUndefined();
  });
});
