/**
 * The volumes a `VolumesFrom` source container passes on. dockerd copies the source's mount
 * points as they are, so checking only that the source is the caller's let a tenant keep a
 * volume the policy no longer gives them: after a reload took bob out of team web, `--volumes-from`
 * a container he made while in it still mounted alice's volume in his new containers, though
 * `-v alicedata:/d` was refused. Each named volume the source mounts is checked like a `-v`
 * reference instead. Bind mounts are left: the source got them past the binds guard. Pure.
 */
import type { JsonValue } from '../core/types.js';
import { field } from '../facts/go-fold.js';
import type { Reference } from './references.js';

/** Whether `ref` is a `VolumesFrom` entry (of `HostConfig` or the legacy top level). */
export function isVolumesFrom(ref: Reference): boolean {
  return ref.kind === 'containers' && ref.where.replace(/^HostConfig\./, '') === 'VolumesFrom';
}

/**
 * The volume references a `VolumesFrom` source passes on: each `Mounts` entry of type `volume`
 * in its inspect answer `raw` (those it inherited through its own `VolumesFrom` included, as
 * dockerd lists every mount point), named in messages by the source and the field.
 */
export function sourceVolumes(ref: Reference, raw: Record<string, unknown>): Reference[] {
  const mounts = field(raw as JsonValue, 'Mounts');
  if (!Array.isArray(mounts)) return [];
  const refs: Reference[] = [];
  for (const m of mounts) {
    const name = field(m, 'Name');
    if (field(m, 'Type') === 'volume' && typeof name === 'string' && name !== '') {
      refs.push({ kind: 'volumes', name, where: `mounted by container "${ref.name}" of ${ref.where}` });
    }
  }
  return refs;
}
