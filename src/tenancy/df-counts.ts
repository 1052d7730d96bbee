/**
 * The counts in a `system/df` answer, taken again from the containers the caller may see
 * (the answer's `Containers`, already filtered): dockerd counts everyone's, which told a tenant
 * how many containers others run from a shared image, or have mounting a shared volume. An
 * image's `SharedSize` cannot be counted again: it is answered as not computed (shared-size.ts).
 */

import { withoutSharedSize } from './shared-size.js';

/** dockerd's value for a count it did not compute. */
const NOT_COMPUTED = -1;

/** A container's volume names, from its `Mounts` as `system/df` lists them. */
function volumeNames(container: Record<string, unknown>): Set<unknown> {
  const mounts = Array.isArray(container.Mounts) ? (container.Mounts as unknown[]) : [];
  return new Set(mounts.filter((m): m is Record<string, unknown> => typeof m === 'object' && m !== null && (m as Record<string, unknown>).Type === 'volume').map((m) => m.Name));
}

/**
 * Recount, in place, each image's `Containers` (containers by `ImageID`) and each volume's
 * `UsageData.RefCount` (containers that mount it, as dockerd counts references: one per
 * container, whatever its state) from `doc.Containers`. Without a `Containers` list (an answer
 * that left it out, as `?type=` of API 1.42 does) nothing can be counted: the counts become -1, dockerd's "not computed".
 * Each image's `SharedSize` becomes -1 too (shared-size.ts).
 * A volume's `UsageData.Size` is left as dockerd measured it: a shared volume's is everyone's
 * data (docs/sharing.md, "Lists").
 */
export function countVisibleContainers(doc: Record<string, unknown>): void {
  // dockerd 20.10 writes an empty list of its own as `null`; a newer one leaves out what it did not compute.
  const containers = doc.Containers === null ? [] : Array.isArray(doc.Containers) ? (doc.Containers as Record<string, unknown>[]) : undefined;
  const perImage = new Map<unknown, number>();
  const perVolume = new Map<unknown, number>();
  for (const c of containers ?? []) {
    perImage.set(c.ImageID, (perImage.get(c.ImageID) ?? 0) + 1);
    for (const name of volumeNames(c)) perVolume.set(name, (perVolume.get(name) ?? 0) + 1);
  }
  const count = (counts: Map<unknown, number>, key: unknown): number => (containers ? (counts.get(key) ?? 0) : NOT_COMPUTED);
  if (Array.isArray(doc.Images)) doc.Images = (doc.Images as Record<string, unknown>[]).map((i) => withoutSharedSize({ ...i, Containers: count(perImage, i.Id) }));
  if (Array.isArray(doc.Volumes)) {
    doc.Volumes = (doc.Volumes as Record<string, unknown>[]).map((v) => {
      const usage = v.UsageData;
      if (typeof usage !== 'object' || usage === null || Array.isArray(usage)) return v;
      return { ...v, UsageData: { ...(usage as Record<string, unknown>), RefCount: count(perVolume, v.Name) } };
    });
  }
}
