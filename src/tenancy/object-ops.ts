/**
 * Per-object operations: resolve the named object on the daemon, check the caller may act on
 * it, and pin the request to the resolved ID so a name deleted and recreated in between
 * cannot redirect it to someone else's object.
 */
import type { JsonObject } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { accessTo } from './access.js';
import { formBodyReplacement, tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { applyLimits } from './limits.js';
import type { OperationPlan } from './operation-plans.js';
import { countContainers } from './quota.js';
import { resolveExec, resolveObject } from './resolve.js';
import { rebuildTarget } from './target.js';

type ObjectPlan = Extract<OperationPlan, { kind: 'object' }>;

/** Pass a daemon answer (404, 409) on unchanged, so the client sees what dockerd says. */
export function daemonAnswer(answer: { status: number; raw: Buffer; contentType: string }): TenancyVerdict {
  return { kind: 'respond', status: answer.status, headers: { 'Content-Type': answer.contentType || 'application/json', 'Content-Length': String(answer.raw.length) }, body: answer.raw };
}

function notYours(ctx: TenancyContext, what: string, name: string): TenancyVerdict {
  return deny(403, 'not-owner', tenancyMessage(ctx, `${what} "${name}" belongs to another tenant`));
}

/** Handle an operation on one named object. */
export async function objectOperation(ctx: TenancyContext, plan: ObjectPlan): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const name = facts.params[plan.param] ?? '';
  if (plan.object === 'exec') {
    const exec = await resolveExec(ctx.daemon, name);
    if ('answer' in exec) return daemonAnswer(exec.answer);
    const c = await resolveObject(ctx.daemon, 'containers', exec.container);
    if ('answer' in c) return daemonAnswer(c.answer);
    if (accessTo(ctx.spec, ctx.tenant, c.found, 'modify') === 'none') return notYours(ctx, 'exec instance', name);
    return forward({ target: rebuildTarget(facts, { params: { [plan.param]: exec.execId } }) });
  }
  const r = await resolveObject(ctx.daemon, plan.object, name);
  if ('answer' in r) return daemonAnswer(r.answer);
  const obj = r.found;
  if (accessTo(ctx.spec, ctx.tenant, obj, plan.level) === 'none') return notYours(ctx, plan.object.replace(/s$/, ''), name);

  const op = facts.operation?.name ?? '';
  const extra = await extraChecks(ctx, op, obj.raw);
  if (extra) return extra;
  // Images keep their name: `rmi repo:tag` untags while `rmi <id>` deletes, so an ID would change the meaning.
  const pinned = plan.object === 'images' ? undefined : rebuildTarget(facts, { params: { [plan.param]: obj.id } });
  const result = forward();
  if (pinned !== undefined) {
    result.target = pinned;
    const replacement = formBodyReplacement(ctx);
    if (replacement) result.body = replacement;
  }
  if (op === 'ContainerUpdate') {
    const body = isObject(facts.body) ? (structuredClone(facts.body) as JsonObject) : {};
    const problem = applyLimits(body, ctx.tenant.quota, false, []);
    if (problem) return deny(403, 'limit', tenancyMessage(ctx, problem.message));
  }
  if ((op === 'ContainerStart' || op === 'ContainerRestart' || op === 'ContainerUnpause') && ctx.tenant.quota.running !== undefined) {
    return runningQuota(ctx, obj.raw, result);
  }
  return result;
}

/** Checks beyond ownership of the named object. */
async function extraChecks(ctx: TenancyContext, op: string, _raw: Record<string, unknown>): Promise<TenancyVerdict | undefined> {
  const { facts } = ctx.req;
  if (op === 'NetworkConnect' || op === 'NetworkDisconnect') {
    // The container joining or leaving must be the caller's, whatever the network.
    const container = field(facts.body, 'Container');
    if (typeof container !== 'string' || container === '') return undefined;
    const c = await resolveObject(ctx.daemon, 'containers', container);
    if ('answer' in c) return daemonAnswer(c.answer);
    if (accessTo(ctx.spec, ctx.tenant, c.found, 'modify') === 'none') return notYours(ctx, 'container', container);
  }
  if (op === 'ImageTag') return tagOver(ctx, facts.query.repo, facts.query.tag);
  return undefined;
}

/** Refuse taking over a tag that names an image the caller does not own. */
export async function tagOver(ctx: TenancyContext, repo: string | undefined, tag: string | undefined): Promise<TenancyVerdict | undefined> {
  if (!repo) return undefined;
  const ref = repo.includes('@') ? repo : `${repo}:${tag || 'latest'}`;
  const existing = await resolveObject(ctx.daemon, 'images', ref);
  if ('answer' in existing) return undefined;
  if (accessTo(ctx.spec, ctx.tenant, existing.found, 'modify') === 'none') {
    return deny(403, 'not-owner', tenancyMessage(ctx, `tag "${ref}" names an image that belongs to another tenant`));
  }
  return undefined;
}

/** Starting a container counts against the running quota, checked under the tenant's lock. */
async function runningQuota(ctx: TenancyContext, raw: Record<string, unknown>, result: ReturnType<typeof forward>): Promise<TenancyVerdict> {
  const state = raw.State as Record<string, unknown> | undefined;
  if (state?.Running === true && state.Paused !== true) return result;
  const release = await ctx.locks.acquire(ctx.tenant.name);
  try {
    const running = await countContainers(ctx, true);
    const max = ctx.tenant.quota.running ?? Infinity;
    if (running >= max) {
      release();
      return deny(403, 'quota', tenancyMessage(ctx, `running-container quota reached (${running} of ${max} running)`));
    }
  } catch (err) {
    release();
    throw err;
  }
  result.release = release;
  return result;
}
