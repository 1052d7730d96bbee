/** Counting what a tenant owns on the daemon, for quotas. */
import type { TenancyContext } from './context.js';
import { OWNER_LABEL } from './labels.js';

/**
 * The containers of `owner` (default: the caller): all of them, or only live ones (running,
 * paused or restarting: all hold their resources).
 */
/** Networks `owner` has (by owner label), as the daemon lists them. */
export async function countNetworks(ctx: TenancyContext, owner = ctx.tenant.name): Promise<number> {
  const filters = { label: [`${OWNER_LABEL}=${owner}`] };
  const answer = await ctx.daemon.get(`/networks?filters=${encodeURIComponent(JSON.stringify(filters))}`);
  if (answer.status !== 200 || !Array.isArray(answer.json)) throw new Error(`daemon answered ${answer.status} when counting networks`);
  return answer.json.length;
}

export async function countContainers(ctx: TenancyContext, runningOnly: boolean, owner = ctx.tenant.name): Promise<number> {
  const filters: Record<string, string[]> = { label: [`${OWNER_LABEL}=${owner}`] };
  if (runningOnly) filters.status = ['running', 'paused', 'restarting'];
  const answer = await ctx.daemon.get(`/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify(filters))}`);
  if (answer.status !== 200 || !Array.isArray(answer.json)) throw new Error(`daemon answered ${answer.status} when counting containers`);
  return answer.json.length;
}
