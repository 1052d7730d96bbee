/**
 * The names dockerd gives anonymous volumes. Pure; its own file so that access.ts can use it
 * without importing the daemon look-ups of anonymous-volume.ts.
 */

/**
 * Whether `name` is one dockerd gives an anonymous volume: 64 lowercase hex digits (a random
 * ID). A named volume without an owner (an admin's, or one made while tenancy was off) is
 * never a tenant's by use, or dropping it from `shared.volumes` would leave it mountable by
 * every tenant whose container had mounted it while it was shared. Pure.
 */
export function isAnonymousVolumeName(name: string): boolean {
  return /^[0-9a-f]{64}$/.test(name);
}
