/**
 * A container update, judged on the limits that result, one update of a container at a time.
 */
import type { JsonValue } from '../core/types.js';
import { apiVersionBelow } from '../facts/api-version.js';
import { goKey, isObject } from '../facts/go-fold.js';
import { copyBody, emptyObject } from './body-copy.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { daemonAnswer } from './daemon-answer.js';
import { deny, type forward, type TenancyVerdict } from './hook.js';
import { applyLimits, bodySwapProblem, restartPolicyProblem } from './limits.js';
import { resolveObject } from './resolve.js';

/**
 * A container update, judged on the limits that result: dockerd copies each non-zero field
 * over the current one. Two updates at once would each be judged against the settings before
 * either (a quota from one and a period from the other lifted the CPU limit), so updates of a
 * container run one at a time: under its lock the container is read again, and the lock is
 * held until the daemon has answered.
 */
export async function updateWithinLimits(ctx: TenancyContext, id: string, result: ReturnType<typeof forward>): Promise<TenancyVerdict> {
  const release = await ctx.locks.acquire('update', id);
  try {
    const fresh = await resolveObject(ctx.daemon, 'containers', id);
    if ('answer' in fresh) {
      release();
      return daemonAnswer(fresh.answer);
    }
    const hostConfig = fresh.found.raw.HostConfig as JsonValue;
    const current = isObject(hostConfig) ? hostConfig : {};
    const body = isObject(ctx.req.facts.body) ? copyBody(ctx.req.facts.body) : emptyObject();
    // dockerd 20.10 sets an update's PidsLimit to nil below API 1.40 (postContainerUpdate): it
    // changes nothing then, so it is not judged (it is forwarded as sent, and ignored).
    const pidsKey = apiVersionBelow(ctx.req.facts.apiVersion, '1.40') ? goKey(body, 'PidsLimit') : undefined;
    if (pidsKey !== undefined) delete body[pidsKey];
    const problem = restartPolicyProblem(body, ctx.tenant.quota, [[]]) ?? bodySwapProblem(body, ctx.tenant.quota, [[]]) ?? applyLimits(body, ctx.tenant.quota, false, [], current);
    if (problem) {
      release();
      return deny(403, 'limit', tenancyMessage(ctx, problem.message));
    }
  } catch (err) {
    release();
    throw err;
  }
  result.release = release;
  return result;
}
