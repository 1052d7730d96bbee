/**
 * What host paths a request mounts, read the way dockerd does:
 * - `Binds` entries `src:dst[:opts]` (Linux parser: split on `:`); a `src` without `/` is a
 *   named volume, anything else is a host path;
 * - `Mounts` entries of type `bind` (and `npipe`) by `Source`;
 * - `Mounts` of type `volume` whose local-driver options (`o` holding `bind` or `rbind`, or
 *   a `device`) make the volume a mount of `device` on the host;
 * - volume create with the same local-driver options.
 * Each yields the host path to check, or a problem when the entry cannot be read safely.
 */
import type { JsonValue } from '../../core/types.js';
import { field, isObject } from '../../facts/go-fold.js';
import { show, type Found } from './body.js';

/** A host path a request would mount, or an entry we refuse to interpret. */
export type HostMount =
  | { kind: 'path'; path: string; value: string }
  | { kind: 'unreadable'; path: string; reason: string };

const KNOWN_MOUNT_TYPES = new Set(['bind', 'volume', 'tmpfs', 'npipe', 'cluster', 'image']);

/**
 * The `o` options that set MS_BIND: moby/sys/mount's flag table (`bind` = MS_BIND, `rbind` =
 * MS_BIND|MS_REC), which the local driver applies to the comma-separated `o`. With MS_BIND
 * the kernel ignores the fs type and bind-mounts `device`.
 */
const BIND_OPTIONS = new Set(['bind', 'rbind']);

/** Host paths in `Binds` values. */
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
      out.push({ kind: 'unreadable', path: f.path, reason: `${f.path} ${show(f.value)} is not a list` });
      continue;
    }
    f.value.forEach((m, i) => {
      const path = `${f.path}[${i}]`;
      const type = field(m, 'Type');
      if (typeof type !== 'string' || !KNOWN_MOUNT_TYPES.has(type.toLowerCase())) {
        out.push({ kind: 'unreadable', path, reason: `${path}.Type ${show(type)} is not a known mount type` });
        return;
      }
      const t = type.toLowerCase();
      if (t === 'bind' || t === 'npipe') {
        const source = field(m, 'Source');
        if (typeof source !== 'string') out.push({ kind: 'unreadable', path, reason: `${path}.Source ${show(source)} is not a string` });
        else out.push({ kind: 'path', path: `${path}.Source`, value: source });
      } else if (t === 'volume') {
        const opts = field(m, 'VolumeOptions', 'DriverConfig', 'Options');
        const driver = field(m, 'VolumeOptions', 'DriverConfig', 'Name');
        out.push(...localVolumeDevice(driver, opts, `${path}.VolumeOptions.DriverConfig`));
      }
    });
  }
  return out;
}

/**
 * The host path a local-driver volume mounts, from its options (`type`, `o`, `device`).
 * Driver options are a Go map (exact keys, which the local driver checks exactly); we read
 * keys case-insensitively so a variant spelling is checked rather than ignored.
 * `type=tmpfs` without a bind option is memory, not a host path; any other `device` (nfs
 * `:/export`, a block device, a directory with `o=bind` or `o=rbind`, whatever the `type`)
 * must be an allowed host path. moby matches each `o` entry exactly; we trim and lower-case
 * it first, which can only add binds (`o=ro, BIND` is checked), never hide one.
 */
export function localVolumeDevice(driver: JsonValue | undefined, opts: JsonValue | undefined, path: string): HostMount[] {
  if (typeof driver === 'string' && driver !== '' && driver !== 'local') return []; // a plugin: the volumeDrivers guard
  if (opts === undefined || opts === null) return [];
  if (!isObject(opts)) return [{ kind: 'unreadable', path, reason: `${path}.Options ${show(opts)} is not a map` }];
  const get = (k: string): JsonValue | undefined => {
    for (const key of Object.keys(opts)) if (key.toLowerCase() === k) return opts[key];
    return undefined;
  };
  const type = get('type');
  const o = get('o');
  const device = get('device');
  const bindOpt = typeof o === 'string' && o.split(',').some((x) => BIND_OPTIONS.has(x.trim().toLowerCase()));
  if (device === undefined && !bindOpt) return [];
  if (typeof type === 'string' && type.toLowerCase() === 'tmpfs' && !bindOpt) return [];
  if (typeof device !== 'string') return [{ kind: 'unreadable', path, reason: `${path}.Options.device ${show(device)} with a bind option is not a host path` }];
  return [{ kind: 'path', path: `${path}.Options.device`, value: device }];
}
