/** Counting what a tenant owns on the daemon, for quotas. */
import { isObject } from '../facts/go-fold.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type ForwardVerdict, type TenancyVerdict } from './hook.js';
import { OWNER_LABEL } from './labels.js';
import { CREATED_LABEL, isBuilderStepContainer, mayBeOwned, quotaOwnership } from './container-seal.js';
import { imageLabelCache, isImageId } from './image-labels.js';
import type { JsonValue } from '../core/types.js';
import { getList } from './daemon-client.js';
import { containerSummaries } from './list-items.js';

/** Networks `owner` has (by owner label), as the daemon lists them. */
export async function countNetworks(ctx: TenancyContext, owner = ctx.tenant.name): Promise<number> {
  const filters = { label: [`${OWNER_LABEL}=${owner}`] };
  const answer = await ctx.daemon.get(`/networks?filters=${encodeURIComponent(JSON.stringify(filters))}`);
  if (answer.status !== 200 || !Array.isArray(answer.json)) throw new Error(`daemon answered ${answer.status} when counting networks`);
  return answer.json.length;
}

/**
 * The full IDs of the containers of `owner` (default: the caller): all of them, or only live
 * ones (running, paused or restarting: all hold their resources). The owner label selects them
 * on the daemon; only those it names as their owner with their proof of creation
 * (container-seal.ts) count: a classic build's `RUN` container labelled `owner` is nobody's.
 * One whose image is gone counts for the owner its labels name (quotaOwnership), whether or not
 * the gateway still knows the image's labels: removing the image frees no quota.
 */
export async function containerIds(ctx: TenancyContext, runningOnly: boolean, owner = ctx.tenant.name): Promise<string[]> {
  const filters: Record<string, string[]> = { label: [`${OWNER_LABEL}=${owner}`, CREATED_LABEL] };
  if (runningOnly) filters.status = ['running', 'paused', 'restarting'];
  // Summaries only (list-items.ts): a container's other labels and fields are not the count's.
  const answer = await getList(ctx.daemon, `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(filters))}`, containerSummaries);
  if (answer.status !== 200 || !Array.isArray(answer.json)) throw new Error(`daemon answered ${answer.status} when counting containers`);
  const items = (answer.json as unknown[]).map((c) => (isObject(c as JsonValue) ? (c as Record<string, unknown>) : {}));
  const cache = imageLabelCache(ctx.daemon);
  const ids: string[] = [];
  for (const c of items) {
    if (isBuilderStepContainer(c) || typeof c.Id !== 'string') continue;
    const labels = c.Labels as JsonValue | undefined;
    if (!mayBeOwned(labels)) continue;
    // Only a full image ID can be looked up (and found gone): any other proves no owner.
    const image = typeof c.ImageID === 'string' ? c.ImageID : '';
    if (!isImageId(image)) continue;
    if (quotaOwnership(labels, await cache.labelsOf(ctx.daemon, image)).owner === owner) ids.push(c.Id);
  }
  return ids;
}

/** How many containers containerIds finds. */
export async function countContainers(ctx: TenancyContext, runningOnly: boolean, owner = ctx.tenant.name): Promise<number> {
  return (await containerIds(ctx, runningOnly, owner)).length;
}

/**
 * A create counted against a quota: under the caller's lock of kind `lock`, `count()` objects exist; at `max`
 * the create is refused, else it goes on holding the lock until the daemon has answered it
 * (released through the verdict), so concurrent creates are counted in turn.
 */
export async function withinQuota(ctx: TenancyContext, lock: 'containers-quota' | 'networks-quota', max: number | undefined, what: string, count: () => Promise<number>, verdict: ForwardVerdict): Promise<TenancyVerdict> {
  if (max === undefined) return verdict;
  const release = await ctx.locks.acquire(lock, ctx.tenant.name);
  try {
    const n = await count();
    if (n >= max) {
      release();
      return deny(403, 'quota', tenancyMessage(ctx, `${what} quota reached (${n} of ${max}); remove ${what}s you no longer need`));
    }
  } catch (err) {
    release();
    throw err;
  }
  verdict.release = release;
  return verdict;
}
