/**
 * Starts, restarts and unpauses counted against the container owner's running quota, and the
 * refused start of a `--rm` container removed as dockerd would.
 */
import type { ResolvedObject } from './access.js';
import { autoRemoves, removalNote, removeRefusedStart } from './auto-remove.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type forward, type TenancyVerdict } from './hook.js';
import { containerIds } from './quota.js';

/** A teammate's refused start of a `--rm` container: what it says (see withAutoRemoval). */
const TEAMMATE_RM_NOTE = 'the container was created with --rm (AutoRemove) by its owner and is left as it is (only a start by its owner that tenancy refuses removes it): docker rm it, or stop the --rm client waiting for it';

/**
 * `reason`, the refusal of a start of a container the caller may modify, with what became of
 * it when it has `--rm` (auto-remove.ts): removed as dockerd removes it after a failed start,
 * when the caller is its owner (who asked for `--rm`, and whose own start and quota these are).
 * A teammate's refused start leaves it: removing it would be a removal the policy never judged
 * for them (a rule may deny them ContainerDelete), on a quota that is theirs, not the owner's.
 * Done under the owner's running lock, so no other counted start of it slips in between; a
 * removal that fails is logged and only changes the reason's wording.
 */
async function withAutoRemoval(ctx: TenancyContext, obj: ResolvedObject & { raw: Record<string, unknown> }, reason: string): Promise<string> {
  if (ctx.req.facts.operation?.name !== 'ContainerStart' || !autoRemoves(obj.raw)) return reason;
  if (obj.ownership.owner !== ctx.tenant.name) return `${reason}; ${TEAMMATE_RM_NOTE}`;
  const outcome = await removeRefusedStart(ctx.daemon, obj.id);
  if (!outcome.removed) ctx.log?.warn({ event: 'tenancy-auto-remove', container: obj.id, tenant: ctx.tenant.name, why: outcome.why }, 'could not remove a --rm container whose start tenancy refused');
  return `${reason}; ${removalNote(outcome)}`;
}

/**
 * Starting, restarting or unpausing a container counts against its owner's running containers
 * (a teammate may start it: counting the caller's own let a team run each member's quota of
 * one member's containers), with the caller's `running` quota as the limit. Counted under the
 * owner's lock: the daemon's live containers and those other starts, restarts and unpauses in
 * flight hold live (LiveSlots: a restart's container stays counted between its stop and its
 * start). A container not among them needs fewer than the quota; one among them changes no
 * count and is let through (a restart, a start dockerd answers 304, an unpause), also for an
 * owner over the quota (a lowered quota, a teammate's lower one). The container is then held
 * live until the daemon has answered; the lock only while counting.
 */
export async function runningQuota(ctx: TenancyContext, obj: ResolvedObject & { raw: Record<string, unknown> }, result: ReturnType<typeof forward>): Promise<TenancyVerdict> {
  const owner = obj.ownership.owner ?? ctx.tenant.name;
  const release = await ctx.locks.acquire('running-quota', owner);
  try {
    const live = new Set(await containerIds(ctx, true, owner));
    for (const id of ctx.starting.held(owner)) live.add(id);
    const max = ctx.tenant.quota.running ?? Infinity;
    if (!live.has(obj.id) && live.size >= max) {
      const reason =
        owner === ctx.tenant.name
          ? `running-container quota reached (${live.size} of ${max} running)`
          : `running-container quota reached for ${owner}, the container's owner (${live.size} running; your running quota, the limit a start of yours is held to, is ${max})`;
      return deny(403, 'quota', tenancyMessage(ctx, await withAutoRemoval(ctx, obj, reason)));
    }
    result.release = ctx.starting.hold(owner, obj.id);
    return result;
  } finally {
    release();
  }
}
