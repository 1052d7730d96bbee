/**
 * What host paths a request mounts, read the way dockerd does:
 * - `Binds` entries `src:dst[:opts]` (Linux parser: split on `:`); a `src` without `/` is a
 *   named volume, anything else is a host path;
 * - `Mounts` entries of type `bind` (and `npipe`) by `Source`;
 * - `Mounts` of type `volume` with local-driver options, and volume create with the same
 *   options: an allow list (see `localVolumeDevice`), where a bind of `device` is a host path
 *   and anything that is neither a bind nor a plain tmpfs is refused.
 * Each yields the host path to check, or a problem when the entry cannot be allowed.
 * Reasons never quote a volume option's value (a CIFS `o` holds `password=`, a `device` may
 * hold an address): they name the option, an `o` entry by position and name, and give the
 * JSON type of a value that is not a string.
 */
import type { JsonValue } from '../../core/types.js';
import { field, isObject } from '../../facts/go-fold.js';
import { show, typeName, type Found } from './body.js';

/**
 * A host path a request would mount, or an entry we refuse (unreadable or not allowed).
 * `option` marks a path that is a volume option (`device`): reasons name it, never quote it.
 */
export type HostMount =
  | { kind: 'path'; path: string; value: string; option?: true }
  | { kind: 'unreadable'; path: string; reason: string };

const KNOWN_MOUNT_TYPES = new Set(['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image']);

/**
 * The `o` options that set MS_BIND: moby/sys/mount's flag table (`bind` = MS_BIND, `rbind` =
 * MS_BIND|MS_REC), which the local driver applies to the comma-separated `o`. With MS_BIND
 * the kernel ignores the fs type and the data options and bind-mounts `device`.
 */
const BIND_OPTIONS = new Set(['bind', 'rbind']);

/**
 * `o` entries that only set per-mount flags (moby/sys/mount's flag table, without `remount`
 * and the bind options) or narrow propagation. None names a path or an address.
 */
const FLAG_OPTIONS = new Set([
  'defaults', 'ro', 'rw', 'suid', 'nosuid', 'dev', 'nodev', 'exec', 'noexec', 'sync', 'async', 'dirsync',
  'mand', 'nomand', 'atime', 'noatime', 'diratime', 'nodiratime', 'relatime', 'norelatime',
  'strictatime', 'nostrictatime', 'private', 'rprivate', 'unbindable', 'runbindable',
]);

/**
 * Propagation options, allowed with a bind: they change how later mounts under the bound
 * directory propagate, which needs CAP_SYS_ADMIN in the container (the privileged guard).
 */
const BIND_PROPAGATION_OPTIONS = new Set(['shared', 'rshared', 'slave', 'rslave']);

/** Source names the kernel ignores for a tmpfs. */
const TMPFS_DEVICES = new Set(['tmpfs', 'none']);

/** tmpfs data options (the kernel's Documentation/filesystems/tmpfs.rst) that are sizes, modes, ids or memory flags. */
const TMPFS_KEY_OPTIONS = new Set(['size', 'nr_blocks', 'nr_inodes', 'mode', 'uid', 'gid', 'huge']);
const TMPFS_FLAG_OPTIONS = new Set(['inode32', 'inode64', 'noswap']);

/** The local driver's option keys (moby volume/local `validOpts`); `size` is a quota on the volume's own directory. */
const LOCAL_OPTION_KEYS = new Set(['type', 'o', 'device', 'size']);

const ONLY = 'a local volume may only be a tmpfs or a bind (o=bind/rbind) of an allowed host path';

/** Bind mounts in `Binds` values: host paths. */
export function bindsHostPaths(found: readonly Found[]): HostMount[] {
  const out: HostMount[] = [];
  for (const f of found) {
    if (!Array.isArray(f.value)) {
      out.push({ kind: 'unreadable', path: f.path, reason: `${f.path} ${show(f.value)} is not a list` });
      continue;
    }
    f.value.forEach((entry, i) => {
      const path = `${f.path}[${i}]`;
      if (typeof entry !== 'string') {
        out.push({ kind: 'unreadable', path, reason: `${path} ${show(entry)} is not a string` });
        return;
      }
      const parts = entry.split(':');
      if (parts.length < 2) return; // container path only: an anonymous volume
      const src = parts[0] ?? '';
      if (!src.includes('/')) return; // named volume
      out.push({ kind: 'path', path, value: src });
    });
  }
  return out;
}

/** Host paths in `Mounts` values (HostConfig.Mounts or a service ContainerSpec.Mounts). */
export function mountsHostPaths(found: readonly Found[]): HostMount[] {
  const out: HostMount[] = [];
  for (const f of found) {
    if (!Array.isArray(f.value)) {
      // Not quoted: a lone mount object would show its volume options.
      out.push({ kind: 'unreadable', path: f.path, reason: `${f.path} is ${typeName(f.value)}, not a list` });
      continue;
    }
    f.value.forEach((m, i) => {
      const path = `${f.path}[${i}]`;
      const type = field(m, 'Type');
      if (typeof type !== 'string' || !KNOWN_MOUNT_TYPES.has(type.toLowerCase())) {
        out.push({ kind: 'unreadable', path, reason: `${path}.Type ${showString(type)} is not a known mount type` });
        return;
      }
      const t = type.toLowerCase();
      if (t === 'bind' || t === 'npipe') {
        const source = field(m, 'Source');
        if (typeof source !== 'string') out.push({ kind: 'unreadable', path, reason: `${path}.Source is ${typeName(source)}, not a string` });
        else out.push({ kind: 'path', path: `${path}.Source`, value: source });
      } else if (t === 'volume') {
        const opts = field(m, 'VolumeOptions', 'DriverConfig', 'Options');
        const driver = field(m, 'VolumeOptions', 'DriverConfig', 'Name');
        out.push(...localVolumeDevice(driver, opts, `${path}.VolumeOptions.DriverConfig.Options`));
      }
    });
  }
  return out;
}

/**
 * What a local-driver volume mounts, from its options (`type`, `o`, `device`, `size`) at
 * `path`. dockerd runs `mount(device, volume dir, type, o)` in the host's mount namespace, so
 * `type=proc`/`sysfs`/`cgroup` mount the host kernel's views, `overlay` with `lowerdir=` any
 * host directory, `nfs`/`cifs` a network address, `ext4` a block device. Hence an allow list:
 * - no options (or only `size`): a plain directory;
 * - `type=tmpfs`, `device` `tmpfs` or absent, and `o` entries that are flags or tmpfs sizes,
 *   modes and ids: memory;
 * - `o` holding `bind` or `rbind` (any `type`: the kernel ignores it) with flag-only `o`
 *   entries: a bind of `device`, returned as a host path for the caller to check;
 * - everything else is refused.
 * Driver options are a Go map (exact keys, which the local driver checks exactly); we read
 * keys case-insensitively so a variant spelling is checked rather than ignored. `o` entries
 * are compared exactly, as moby/sys/mount looks them up in its flag table: ` bind` or `BIND`
 * is no bind for dockerd but file-system data, with `type` really mounted, so an entry
 * spelled with spaces or capitals in its name is refused, and `type` must be exactly `tmpfs`.
 * Reasons name options and `o` entries (`entryLabel`) and quote no value but a `type` that
 * reads as a file-system type name.
 */
export function localVolumeDevice(driver: JsonValue | undefined, opts: JsonValue | undefined, path: string): HostMount[] {
  if (typeof driver === 'string' && driver !== '' && driver !== 'local') return []; // a plugin: the volumeDrivers guard
  if (opts === undefined || opts === null) return [];
  if (!isObject(opts)) return [refuse(path, `${path} is ${typeName(opts)}, not a map`)];
  const byKey = new Map<string, { at: string; value: string }>();
  for (const [key, value] of Object.entries(opts)) {
    const k = key.toLowerCase();
    const at = `${path}.${key}`;
    if (!LOCAL_OPTION_KEYS.has(k)) return [refuse(at, `${at} is not a local volume option (type, o, device, size)`)];
    if (byKey.has(k)) return [refuse(at, `${at} repeats option ${JSON.stringify(k)} in another spelling`)];
    if (typeof value !== 'string') return [refuse(at, `${at} is ${typeName(value)}, not a string`)];
    byKey.set(k, { at, value });
  }
  const type = byKey.get('type');
  const o = byKey.get('o');
  const device = byKey.get('device');
  const entries = o === undefined || o.value === '' ? [] : o.value.split(',');
  const misspelt = entries.findIndex((x) => {
    const name = x.split('=')[0] ?? '';
    return name === '' || name !== name.trim().toLowerCase() || x !== x.trim();
  });
  if (o && misspelt !== -1) return [refuse(o.at, `${o.at} ${entryLabel(entries, misspelt)} is not spelled as a mount option (dockerd matches them exactly)`)];
  if (entries.some((x) => BIND_OPTIONS.has(x))) {
    const odd = entries.findIndex((x) => !BIND_OPTIONS.has(x) && !FLAG_OPTIONS.has(x) && !BIND_PROPAGATION_OPTIONS.has(x));
    if (o && odd !== -1) return [refuse(o.at, `${o.at} ${entryLabel(entries, odd)} is not allowed with a bind`)];
    if (!device) return [refuse(path, `${path}.device (missing) with a bind option is not a host path`)];
    return [{ kind: 'path', path: device.at, value: device.value, option: true }];
  }
  if (type === undefined && o === undefined && device === undefined) return [];
  if (type === undefined || type.value !== 'tmpfs') {
    if (type !== undefined) return [refuse(type.at, `${type.at}${fsTypeLabel(type.value)} is not allowed: ${ONLY}`)];
    if (device !== undefined) return [refuse(device.at, `${device.at} without o=bind is not allowed: ${ONLY}`)];
    return [refuse(path, `${path} without type=tmpfs or o=bind is not allowed: ${ONLY}`)];
  }
  if (device !== undefined && !TMPFS_DEVICES.has(device.value)) {
    return [refuse(device.at, `${device.at} is not allowed for a tmpfs volume (only "tmpfs" or "none")`)];
  }
  const odd = entries.findIndex((x) => !FLAG_OPTIONS.has(x) && !TMPFS_FLAG_OPTIONS.has(x) && !TMPFS_KEY_OPTIONS.has(x.split('=')[0] ?? ''));
  if (o && odd !== -1) return [refuse(o.at, `${o.at} ${entryLabel(entries, odd)} is not a tmpfs size, mode, id or flag option`)];
  return [];
}

/** `o` words without a value, in their exact spelling: the only `o` entries without `=` a reason quotes. */
const KNOWN_FLAGS = new Set([...BIND_OPTIONS, ...FLAG_OPTIONS, ...BIND_PROPAGATION_OPTIONS, ...TMPFS_FLAG_OPTIONS, 'remount']);

/**
 * How a reason names `o` entry `i`: its 1-based position and its option name, never its value
 * (`entry #3 "password=***"`). An entry without `=` is quoted only when it is a mount flag in
 * some spelling (`"BIND"`, `" ro"`): anything else may be a piece of a value cut at a comma
 * (`password=a,b`), so it gets its position only.
 */
function entryLabel(entries: readonly string[], i: number): string {
  const entry = entries[i] ?? '';
  const eq = entry.indexOf('=');
  if (eq !== -1) return `entry #${i + 1} ${show(`${entry.slice(0, eq)}=***`)}`;
  if (entry === '' || KNOWN_FLAGS.has(entry.trim().toLowerCase())) return `entry #${i + 1} ${show(entry)}`;
  return `entry #${i + 1} (not a known flag; not shown)`;
}

/** A plain file-system type name (`proc`, `cifs`, `fuse.sshfs`) may be quoted; anything else is not. */
const FS_TYPE_NAME = /^[A-Za-z0-9][A-Za-z0-9._+-]{0,31}$/;

/** How a reason shows a `type` option: ` "proc"` for a file-system type name, else a note that it is not shown. */
function fsTypeLabel(value: string): string {
  return FS_TYPE_NAME.test(value) ? ` ${show(value)}` : ' (not a file-system type name; not shown)';
}

/** A string value quoted (short, cut), anything else by its JSON type only. */
function showString(value: JsonValue | undefined): string {
  return typeof value === 'string' ? show(value) : `(${typeName(value)})`;
}

function refuse(path: string, reason: string): HostMount {
  return { kind: 'unreadable', path, reason };
}
