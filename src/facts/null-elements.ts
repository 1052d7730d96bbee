/**
 * Lists of pointers in dockerd's types, where a JSON `null` element decodes to a nil pointer
 * that dockerd uses without a check. `HostConfig.Ulimits: [null]` makes dockerd 20.10 panic in
 * mergeUlimits when the container starts and on every inspect; the inspect panic leaves the
 * container's lock held, so inspect and `rm -f` of it hang until the daemon restarts (seen on
 * the real daemon). A null element means nothing to any client, so a body with one is refused
 * for everyone, before any policy, in every place dockerd reads these lists from. Pure.
 */
import type { JsonValue } from '../core/types.js';
import { fieldAt, fieldPlace, type FieldPlace } from './go-fold.js';
import { queryJson } from './query-json.js';

/** `[]*T` fields of HostConfig's Resources (the swarm ContainerSpec has `Ulimits` only). */
const POINTER_LISTS = ['Ulimits', 'BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps'];

/** The pointer lists in the struct at `base` (a path of struct fields; none for the top level). */
function listsIn(...base: string[]): FieldPlace[] {
  return POINTER_LISTS.map((name) => fieldPlace(...base, name));
}

const SERVICE_LISTS = listsIn('TaskTemplate', 'ContainerSpec');

/**
 * Where an operation's body holds those lists, in the order they are checked: create's
 * `HostConfig` and legacy top level, update's top level, a service's container spec. Built
 * once: the check runs on every create.
 */
const LISTS_BY_OPERATION: ReadonlyMap<string, readonly FieldPlace[]> = new Map([
  ['ContainerCreate', [...listsIn('HostConfig'), ...listsIn()]],
  ['ContainerUpdate', listsIn()],
  ['ServiceCreate', SERVICE_LISTS],
  ['ServiceUpdate', SERVICE_LISTS],
]);

/**
 * A build's `ulimits` query value (JSON, `[]*Ulimit`) with a `null` element: the build's
 * intermediate containers reach the same nil pointer when they start (a panic per build, and
 * a wedged container when an inspect lands on it). Unparsable JSON is left to dockerd, which
 * refuses it as Go's json.Unmarshal does.
 */
export function nullBuildUlimit(ulimits: string | undefined): boolean {
  const parsed = queryJson(ulimits);
  return Array.isArray(parsed) && parsed.includes(null);
}

/** The path of the first pointer list in `body` that holds a `null` element, or undefined. */
export function nullPointerElement(operation: string, body: JsonValue | undefined): string | undefined {
  for (const { path, at } of LISTS_BY_OPERATION.get(operation) ?? []) {
    const list = fieldAt(body, at);
    if (Array.isArray(list) && list.includes(null)) return path;
  }
  return undefined;
}
