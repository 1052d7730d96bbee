/**
 * Tenancy: sharing one daemon between identities. Off unless the policy has a `tenancy:`
 * section; admins bypass it (but for the tags they write: admin-writes.ts, and the proof of
 * creation their containers get: admin-create.ts, and the owner labels their services' tasks
 * never get: admin-services.ts). For everyone else: rate limit, stream limit, then the
 * operation's plan (operation-plans.ts), with the tags it writes reserved until its exchange
 * ends (written-tags.ts).
 */
import type { Identity } from '../core/types.js';
import type { OperationalLog } from '../observe/logger.js';
import type { TenancySpec } from '../policy/tenancy-schema.js';
import { accessTo } from './access.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { createOperation } from './create-ops.js';
import { importOrCommit } from './import-or-commit.js';
import type { DaemonClient } from './daemon-client.js';
import { deny, forward, respondJson, type Tenancy, type TenancyRequest, type TenancyVerdict } from './hook.js';
import { KeyedMutex } from './keyed-mutex.js';
import { LiveSlots } from './live-slots.js';
import { BodyShapeError, ownerLabels, reservedKeys } from './labels.js';
import { listOperation, pruneOperation } from './list-ops.js';
import { daemonAnswer } from './daemon-answer.js';
import { objectOperation } from './object-ops.js';
import { ownImages } from './own-images.js';
import { tagOver } from './tag-over.js';
import { containerNameKey, underNameLock } from './name-lock.js';
import { planFor } from './operation-plans.js';
import { resolveObject } from './resolve.js';
import { StreamCounter } from './stream-counter.js';
import { holdsStream } from './stream-requests.js';
import { TagReservations } from './tag-reservations.js';
import { tenantOf } from './tenant.js';
import { TokenBuckets, type Clock } from './token-bucket.js';
import { withTagsReserved, writtenTags } from './written-tags.js';
import { adminWrite } from './admin-writes.js';
import { adminContainerCreate } from './admin-create.js';
import { adminServiceWrite } from './admin-services.js';
import { field } from '../facts/go-fold.js';

/** What tenancy needs, passed in once. */
export interface TenancyDeps {
  daemon: DaemonClient;
  /**
   * The current policy's `tenancy:` section (changes on reload); undefined = off. Read only for
   * a request that does not carry its own policy's (TenancyRequest.policy).
   */
  spec: () => TenancySpec | undefined;
  /** Effective groups of an identity under the current policy (the same fallback). */
  groups: (identity: Identity) => string[];
  clock?: Clock;
  /** The operational log (auto-remove.ts logs a removal that failed); none in most tests. */
  log?: OperationalLog;
}

/** Create the tenancy hook. */
export function createTenancy(deps: TenancyDeps): Tenancy {
  const buckets = new TokenBuckets(deps.clock ?? Date.now);
  const streams = new StreamCounter();
  const locks = new KeyedMutex();
  const starting = new LiveSlots();
  // Tags being written by operations in flight: one set for all policies, as the daemon is one.
  const tags = new TagReservations();
  let admitted = 0;

  return {
    active: (policy) => (policy ? policy.spec : deps.spec()) !== undefined,
    async admit(req: TenancyRequest): Promise<TenancyVerdict> {
      // The request's own policy when the data path passed it: read once, never after an await.
      const spec = req.policy ? req.policy.spec : deps.spec();
      const op = req.facts.operation;
      if (!spec || !op) return forward();
      const tenant = tenantOf(spec, req.identity, (req.policy?.groups ?? deps.groups)(req.identity));
      const ctx: TenancyContext = { spec, tenant, daemon: deps.daemon, req, locks, starting, log: deps.log };
      if (tenant.admin) {
        if (op.name === 'ContainerCreate') return adminContainerCreate(ctx);
        if (op.name === 'ServiceCreate' || op.name === 'ServiceUpdate') return adminServiceWrite(ctx);
        return adminWrite(ctx);
      }

      const rate = tenant.quota.rate;
      if (rate) {
        if (++admitted % 1024 === 0) buckets.sweep();
        const taken = buckets.take(tenant.name, rate.perSecond, rate.burst);
        if (!taken.ok) {
          return deny(429, 'rate-limit', tenancyMessage(ctx, `rate limit of ${rate.perSecond} requests/s exceeded; retry in ${taken.retryAfterSeconds}s`), {
            'Retry-After': String(taken.retryAfterSeconds),
          });
        }
      }
      let closeStream: (() => void) | undefined;
      if (tenant.quota.streams !== undefined && holdsStream(req.facts)) {
        closeStream = streams.tryOpen(tenant.name, tenant.quota.streams);
        if (!closeStream) {
          return deny(429, 'stream-limit', tenancyMessage(ctx, `${streams.count(tenant.name)} concurrent streams already open, the quota is ${tenant.quota.streams}; close one first`), { 'Retry-After': '1' });
        }
      }
      let verdict: TenancyVerdict;
      try {
        verdict = await withTagsReserved(ctx, tags, () => byPlan(ctx));
      } catch (err) {
        closeStream?.();
        if (err instanceof BodyShapeError) return deny(400, 'json-shape', tenancyMessage(ctx, err.message));
        throw err;
      }
      // Its release frees the tags' reservation (written-tags.ts): kept until dockerd is done.
      if (verdict.kind === 'forward' && writtenTags(req.facts).size > 0) verdict.writesTags = true;
      if (verdict.kind !== 'forward') closeStream?.();
      else if (closeStream) {
        const inner = verdict.release;
        const close = closeStream;
        verdict.release = () => {
          inner?.();
          close();
        };
      }
      return verdict;
    },
  };
}

async function byPlan(ctx: TenancyContext): Promise<TenancyVerdict> {
  const op = ctx.req.facts.operation;
  if (!op) return forward();
  const plan = planFor(op.name, op.section);
  switch (plan.kind) {
    case 'pass':
      return forward();
    case 'none-owned':
      return respondJson(200, plan.answer, plan.note);
    case 'admin':
      return deny(403, 'admin-only', tenancyMessage(ctx, `${op.name} ${plan.reason ? `is refused: ${plan.reason}` : 'affects every tenant'}: only tenancy admins may run it${plan.advice ? `; ${plan.advice}` : ''}`));
    case 'object':
      // A volume remove waits for the creates that mount that volume name (name-lock.ts).
      if (op.name === 'VolumeDelete') return underNameLock(ctx, 'volume', ctx.req.facts.params[plan.param] ?? '', () => objectOperation(ctx, plan));
      // A rename's check that no other container's name equals the new one ignoring case
      // (dns-names.ts) runs under that name's lock, as a create's does.
      if (op.name === 'ContainerRename' && ctx.req.facts.query.name) return underNameLock(ctx, 'container', containerNameKey(ctx.req.facts.query.name), () => objectOperation(ctx, plan));
      return objectOperation(ctx, plan);
    case 'create':
      return createOperation(ctx, op.name);
    case 'list':
      return listOperation(ctx, plan.object);
    case 'prune':
      return pruneOperation(ctx, plan.object);
    case 'commit':
      return commit(ctx);
    case 'save':
      return save(ctx);
  }
}

/** `docker commit`: the container must be the caller's; the image gets the caller's labels. */
async function commit(ctx: TenancyContext): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const name = facts.query.container ?? '';
  const keys = reservedKeys(field(facts.body, 'Labels'));
  if (keys.length) return deny(403, 'reserved-label', tenancyMessage(ctx, `label ${keys.join(', ')} is reserved: the gateway sets the owner of what you create`));
  const r = await resolveObject(ctx.daemon, 'containers', name);
  if ('answer' in r) return daemonAnswer(r.answer);
  if (accessTo(ctx.spec, ctx.tenant, r.found, 'modify') === 'none') {
    return deny(403, 'not-owner', tenancyMessage(ctx, `container "${name}" ${r.found.ownership.owner === undefined ? 'has no owner' : 'belongs to another tenant'}`));
  }
  const over = await tagOver(ctx, facts.query.repo, facts.query.tag);
  if (over) return over;
  return importOrCommit(ctx, ownerLabels(ctx.tenant.name, ctx.tenant.team), { container: r.found.id });
}

/** `docker save a b c`: every image each name stands for must be the caller's (image-set.ts). */
async function save(ctx: TenancyContext): Promise<TenancyVerdict> {
  return (await ownImages(ctx, ctx.req.facts.queryAll.names ?? [])) ?? forward();
}
