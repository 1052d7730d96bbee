/**
 * The labels of the image a container runs (container-seal.ts), looked up on the daemon by
 * ID. An image ID is the hash of the image's config, labels included, so an ID's labels never
 * change: found ones are kept in a bounded map per daemon client (a miss costs one image
 * inspect). An image that is not found is not kept (it has no labels to keep); any other answer
 * throws, and the request is refused (fail closed).
 */
import type { JsonValue } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import type { DaemonClient } from './daemon-client.js';

/** How many images' labels are kept per daemon client. */
export const IMAGE_LABELS_KEPT = 4096;

/** A full image ID, the only reference whose labels cannot change. */
const IMAGE_ID = /^sha256:[0-9a-f]{64}$/;

/** Whether `id` is a full image ID (the only kind ImageLabelCache looks up). */
export function isImageId(id: string): boolean {
  return IMAGE_ID.test(id);
}

/** Labels by image ID, oldest use first. */
export class ImageLabelCache {
  private readonly entries = new Map<string, Record<string, JsonValue>>();

  constructor(private readonly max = IMAGE_LABELS_KEPT) {}

  /** How many images' labels are kept. */
  get size(): number {
    return this.entries.size;
  }

  /**
   * The labels (`{}` for none) of the image with ID `id`; undefined when `id` is not a full
   * image ID or the daemon has no such image.
   */
  async labelsOf(daemon: DaemonClient, id: string): Promise<Record<string, JsonValue> | undefined> {
    if (!IMAGE_ID.test(id)) return undefined;
    const kept = this.entries.get(id);
    if (kept !== undefined) {
      this.entries.delete(id);
      this.entries.set(id, kept);
      return kept;
    }
    const answer = await daemon.get(`/images/${id}/json`);
    if (answer.status === 404) return undefined;
    const doc = answer.json as JsonValue;
    if (answer.status !== 200 || !isObject(doc)) throw new Error(`daemon answered ${answer.status} when looking up the labels of image ${id}`);
    // A daemon that answered for another image (it never should) proves nothing about this one.
    if (doc.Id !== id) throw new Error(`daemon answered image ${String(doc.Id)} when asked for ${id}`);
    const config = doc.Config;
    const labels = isObject(config) && isObject(config.Labels) ? config.Labels : {};
    this.entries.set(id, labels);
    if (this.entries.size > this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    return labels;
  }
}

const caches = new WeakMap<DaemonClient, ImageLabelCache>();

/** The cache for `daemon` (one per client: a test's fake daemon is not another's). */
export function imageLabelCache(daemon: DaemonClient): ImageLabelCache {
  let cache = caches.get(daemon);
  if (!cache) caches.set(daemon, (cache = new ImageLabelCache()));
  return cache;
}
