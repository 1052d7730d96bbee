/**
 * An image's `SharedSize` (the size of its layers that other images use too) is not told to
 * tenants. dockerd counts a layer as shared when any other image uses it, another tenant's
 * included: a tenant's own image showed a shared size once someone else built `FROM` it or
 * reused its build steps from the cache. The answers hold no layers to count it again among the
 * images the caller may see, so it is answered as dockerd's "not computed" (-1; the docker CLI
 * shows `N/A`), in `system/df` (df-counts.ts) and in image lists (list-ops.ts). Pure.
 */

/** dockerd's `SharedSize` of an image it did not compute it for. */
export const SHARED_SIZE_NOT_COMPUTED = -1;

/**
 * The query parameter of `GET /images/json` (API 1.42 and later) that has dockerd compute each
 * image's `SharedSize`, over every image of the daemon. Without it dockerd answers -1.
 */
export const SHARED_SIZE_QUERY = 'shared-size';

/** An image summary with its `SharedSize` answered as not computed, when it has one. */
export function withoutSharedSize(image: Record<string, unknown>): Record<string, unknown> {
  return 'SharedSize' in image ? { ...image, SharedSize: SHARED_SIZE_NOT_COMPUTED } : image;
}
