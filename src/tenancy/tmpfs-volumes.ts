/**
 * Local-driver volumes in memory (`type=tmpfs`, or `ramfs`): dockerd mounts one on the host
 * while a container uses it, and its pages stay charged to no limited cgroup once the container
 * that wrote them is gone (on cgroup v1 they move to the unlimited `docker` parent), so a
 * tenant's short containers, each within its `--memory` limit, fill it beside one container
 * that keeps it mounted. Under a `memory` quota tenancy refuses them (VolumeCreate, and a
 * volume mount's `VolumeOptions.DriverConfig` that makes one). A container's own `--tmpfs`
 * and `--mount type=tmpfs` live in its mount namespace, count in its memory cgroup and go with
 * it: those stay allowed. Pure.
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';

/** File-system types that keep their data in memory. */
const MEMORY_TYPES = new Set(['tmpfs', 'ramfs']);

/**
 * Whether a volume driver and its options make a volume in memory: the local driver (`local`
 * or none) with a `type` option (any case of the key, trimmed, any case of the value: the
 * binds guard refuses spellings dockerd would not read, tenancy does not rely on it) naming one.
 */
export function memoryVolume(driver: JsonValue | undefined, opts: JsonValue | undefined): boolean {
  if (driver !== undefined && driver !== null && driver !== '' && !(typeof driver === 'string' && driver.trim().toLowerCase() === 'local')) return false;
  if (!isObject(opts)) return false;
  return Object.entries(opts).some(([k, v]) => k.trim().toLowerCase() === 'type' && typeof v === 'string' && MEMORY_TYPES.has(v.trim().toLowerCase()));
}

/** Where a create body's volume mounts (both HostConfig copies) ask for a volume in memory, if any. */
export function memoryVolumeMount(body: JsonValue | undefined): string | undefined {
  for (const [mounts, at] of [[field(body, 'HostConfig', 'Mounts'), 'HostConfig.Mounts'], [field(body, 'Mounts'), 'Mounts']] as const) {
    if (!Array.isArray(mounts)) continue;
    for (const [i, m] of mounts.entries()) {
      const type = field(m, 'Type');
      if (typeof type !== 'string' || type.toLowerCase() !== 'volume') continue;
      const config = field(m, 'VolumeOptions', 'DriverConfig');
      if (memoryVolume(field(config, 'Name'), field(config, 'Options'))) return `${at}[${i}].VolumeOptions.DriverConfig`;
    }
  }
  return undefined;
}
