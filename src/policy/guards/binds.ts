/**
 * `binds: { allow: [prefixes] }` limits host paths that containers, services and local
 * volumes mount; `binds: false` allows none (named volumes stay allowed); `{user}` in a
 * prefix is the caller's certificate CN. With either, a local-driver volume may only be
 * plain, a tmpfs, or a bind of an allowed path: other file system types (proc, sysfs,
 * overlay, nfs, a block device) are refused whatever the prefixes. A volume that binds a path
 * allowed only by a `{user}` prefix is refused too: anyone can mount a volume by name, so it
 * would hand the caller's own directory to everyone. A service's bind source or local volume
 * option holding a swarm template is refused (swarm-templates.ts). `binds: true` (like not
 * listing the guard) permits every host mount, those included.
 */
import { field } from '../../facts/go-fold.js';
import { containerSpecField, hostConfigField, hostConfigName, show } from './body.js';
import { defineGuard } from './guard.js';
import { cleanHostPath, hostPathAllowed } from './host-paths.js';
import { bindsHostPaths, localVolumeDevice, mountsHostPaths, type HostMount } from './mounts.js';
import { CONTAINER_OPS, isContainerOp, OP, SERVICE_OPS } from './operations.js';
import { parseAllowList } from './settings.js';
import { templatedServiceMount } from './swarm-templates.js';
import { tmpfsOptionProblem } from './tmpfs-options.js';

/** The first character of a prefix that globs would read (`{user}` aside). */
function reservedCharacter(item: string): string {
  return item.split('{user}').join('').match(/[*?[{}]/)?.[0] ?? '';
}

const TMPFS = hostConfigName('Tmpfs');
const BINDS = hostConfigName('Binds');
const MOUNTS = hostConfigName('Mounts');

/** The `binds` guard, as this file's header describes it. */
export const bindsGuard = defineGuard({
  key: 'binds',
  summary: 'host paths mounted by Binds, Mounts (bind, and local volumes: only plain, tmpfs or o=bind/rbind), service mounts and volume create; Tmpfs options that make a bind (bind, rbind, remount, propagation)',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS, OP.volumeCreate],
  parse: (value, at, problems) =>
    parseAllowList(value, at, problems, (item, itemAt) => {
      if (cleanHostPath(item.split('{user}').join('x')) === undefined) {
        problems.add(itemAt, `host path prefix ${JSON.stringify(item)} must be absolute`);
        return undefined;
      }
      // A prefix allows the directory and everything under it: a glob (or a placeholder other
      // than `{user}`) would be read literally and match nothing, refusing every bind the author
      // meant to allow.
      if (/[*?[{}]/.test(item.split('{user}').join(''))) {
        problems.add(itemAt, `host path prefix ${JSON.stringify(item)} holds ${JSON.stringify(reservedCharacter(item))}, which a prefix may not hold: a prefix is a directory, allowing everything under it, not a pattern (the one placeholder is {user})`);
        return undefined;
      }
      // `/srv/{user}/..` is `/srv` for every user.
      if (item.split('/').includes('..')) {
        problems.add(itemAt, `host path prefix ${JSON.stringify(item)} must not hold "..": write the directory it means (with {user}, ".." after it allows the same directory to every user)`);
        return undefined;
      }
      return item;
    }),
  check(config, { facts, op, identity }) {
    if (config.any) return undefined;
    const mounts: HostMount[] = [];
    if (isContainerOp(op)) {
      const tmpfs = tmpfsOptionProblem(hostConfigField(facts, TMPFS));
      if (tmpfs) return { code: 'bind-mount', reason: tmpfs };
      mounts.push(...bindsHostPaths(hostConfigField(facts, BINDS)), ...mountsHostPaths(hostConfigField(facts, MOUNTS)));
    } else if (op === OP.serviceCreate || op === OP.serviceUpdate) {
      const specMounts = containerSpecField(facts, 'Mounts');
      const templated = templatedServiceMount(specMounts);
      if (templated) return { code: 'bind-mount', reason: templated };
      mounts.push(...mountsHostPaths(specMounts));
    } else if (op === OP.volumeCreate) {
      mounts.push(...localVolumeDevice(field(facts.body, 'Driver'), field(facts.body, 'DriverOpts'), 'DriverOpts'));
    }
    for (const m of mounts) {
      if (m.kind === 'unreadable') return { code: 'bind-mount', reason: m.reason };
      if (!hostPathAllowed(m.value, config.allow, identity.name)) {
        const where = config.allow.length ? 'outside the allowed host paths' : 'a host path and none are allowed';
        // A volume's `device` option is named, never quoted (volume option values stay out of reasons).
        if (m.option) return { code: 'bind-mount', reason: `${m.path} (a bind of a host path) is ${where}` };
        const clean = cleanHostPath(m.value);
        const cleaned = clean !== undefined && clean !== m.value ? ` (${clean})` : '';
        return { code: 'bind-mount', reason: `${m.path} ${show(m.value)}${cleaned} is ${where}` };
      }
      // A volume is the daemon's, mountable by name by every user: a bind volume of a
      // per-user directory would hand that directory to all of them.
      if (m.option && !hostPathAllowed(m.value, config.allow.filter((p) => !p.includes('{user}')), identity.name)) {
        return { code: 'bind-mount', reason: `${m.path} (a bind of a host path) is allowed only under a per-user prefix, and a volume can be mounted by name by anyone: bind the directory itself (-v DIR:PATH) instead` };
      }
    }
    return undefined;
  },
});
