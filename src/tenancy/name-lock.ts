/**
 * Gateway-wide locks on the name of a volume or network being created. The checks before such a
 * create ("exists and is someone else's", dockerd 20.10's CheckDuplicate) are not atomic with it:
 * two tenants creating one name at once both passed them (one was answered 201 with the other's
 * volume; two networks of one name were made). Under the name's lock, held from before the
 * checks until the daemon has answered the create, creates of one name run one after another.
 * Container names are locked by their ASCII lower case (`containerNameKey`): a create or rename
 * checks that no other container's name equals its new one ignoring case (dns-names.ts).
 * Containers themselves are locked by their ID for rename and network connect
 * (`underContainerLock`).
 */
import { asciiLower } from '../facts/ascii-lower.js';
import type { TenancyContext } from './context.js';
import type { TenancyVerdict } from './hook.js';
import type { LockKind } from './keyed-mutex.js';

/** Run `admit` under the lock of `kind` `name` (all tenants); a forward verdict keeps it until its release. */
export function underNameLock(ctx: TenancyContext, kind: 'volume' | 'network' | 'container', name: string, admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  return underLock(ctx, `${kind}-name`, name, admit);
}

/**
 * Run `admit` under the lock of one container (its full ID): a rename and a network connect of
 * one container run one after another, each from its check until dockerd has answered, so a
 * name checked for the networks the container is on cannot reach another network in between
 * (a connect checks the name it reads, a rename the networks it reads). Taken after a rename's
 * name lock, never before one.
 */
export function underContainerLock(ctx: TenancyContext, id: string, admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  return underLock(ctx, 'container-id', id, admit);
}

/** Run `admit` under the gateway-wide lock of `kind` `name`; a forward verdict keeps it until its release. */
async function underLock(ctx: TenancyContext, kind: LockKind, name: string, admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  const release = await ctx.locks.acquire(kind, name);
  let verdict: TenancyVerdict;
  try {
    verdict = await admit();
  } catch (err) {
    release();
    throw err;
  }
  if (verdict.kind !== 'forward') {
    release();
    return verdict;
  }
  const inner = verdict.release;
  verdict.release = () => {
    inner?.();
    release();
  };
  return verdict;
}

/**
 * Run `admit` under the locks of every name in `names` (duplicates once), taken in sorted
 * order so that two holders of several names never wait for each other in a cycle. A container
 * create holds the volume names it mounts from its check until dockerd has answered it, and a
 * volume create or remove of one of them waits: without that, a tenant's volume removed and
 * made again by another tenant between the check and the create would be mounted as checked.
 */
export function underNameLocks(ctx: TenancyContext, kind: 'volume' | 'network', names: readonly string[], admit: () => Promise<TenancyVerdict>): Promise<TenancyVerdict> {
  const sorted = [...new Set(names)].sort();
  const step = (i: number): Promise<TenancyVerdict> => {
    const name = sorted[i];
    return name === undefined ? admit() : underNameLock(ctx, kind, name, () => step(i + 1));
  };
  return step(0);
}

/** The lock name of a container name: without its leading `/`, in ASCII lower case (the DNS's comparison). */
export function containerNameKey(name: string): string {
  return asciiLower(name.replace(/^\//, ''));
}
