/**
 * Operations that make objects: the owner labels are injected (a client may not set them),
 * referenced objects must be the caller's or shared, and quotas and limits apply.
 */
import type { JsonObject, JsonValue } from '../core/types.js';
import { field, goKey, isObject } from '../facts/go-fold.js';
import { accessTo } from './access.js';
import { formBodyReplacement, tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { goObjectAt, isReservedLabel, ownerLabels, reservedKeys, withOwnerLabels } from './labels.js';
import { applyLimits } from './limits.js';
import { daemonAnswer, tagOver } from './object-ops.js';
import { countContainers } from './quota.js';
import { createReferences } from './references.js';
import { resolveObject } from './resolve.js';
import { rebuildTarget } from './target.js';

function reserved(ctx: TenancyContext, keys: string[]): TenancyVerdict {
  return deny(403, 'reserved-label', tenancyMessage(ctx, `label ${keys.map((k) => `"${k}"`).join(', ')} is reserved: the gateway sets the owner of what you create`));
}

function json(value: JsonValue): Buffer {
  return Buffer.from(JSON.stringify(value));
}

/** `LABEL` instruction setting the owner labels (for `changes` of commit and import). */
export function labelChange(labels: Record<string, string>): string {
  return 'LABEL ' + Object.entries(labels).map(([k, v]) => `${JSON.stringify(k)}=${JSON.stringify(v)}`).join(' ');
}

/** Handle a create operation of `kind`. */
export async function createOperation(ctx: TenancyContext, op: string): Promise<TenancyVerdict> {
  const labels = ownerLabels(ctx.tenant.name, ctx.tenant.team);
  const { facts } = ctx.req;
  switch (op) {
    case 'VolumeCreate':
    case 'NetworkCreate': {
      const keys = reservedKeys(field(facts.body, 'Labels'));
      if (keys.length) return reserved(ctx, keys);
      return forward({ body: json(withOwnerLabels(facts.body, ['Labels'], labels)) });
    }
    case 'ContainerCreate':
      return containerCreate(ctx, labels);
    case 'ImageBuild': {
      let client: Record<string, unknown> = {};
      const raw = facts.query.labels;
      if (raw !== undefined && raw !== '') {
        try {
          client = JSON.parse(raw) as Record<string, unknown>;
        } catch {
          return deny(400, 'bad-labels', tenancyMessage(ctx, 'the labels parameter is not JSON'));
        }
        if (!isObject(client as JsonValue)) return deny(400, 'bad-labels', tenancyMessage(ctx, 'the labels parameter is not a JSON object'));
      }
      const keys = Object.keys(client).filter(isReservedLabel);
      if (keys.length) return reserved(ctx, keys);
      // Build labels are applied after the Dockerfile's LABELs, so ours win over a forged one.
      const target = rebuildTarget(facts, { query: { labels: JSON.stringify({ ...client, ...labels }) } });
      return withForm(ctx, forward({ target }));
    }
    case 'ImageCreate': {
      const over = await tagOver(ctx, facts.query.fromImage ?? facts.query.repo, facts.query.tag);
      if (over) return over;
      if (facts.query.fromSrc === undefined) return forward(); // a pull: registry images carry no owner
      return importOrCommit(ctx, labels, {});
    }
    default:
      return deny(403, 'unsupported', tenancyMessage(ctx, `${op} is not supported for tenants`));
  }
}

function withForm(ctx: TenancyContext, v: ReturnType<typeof forward>): TenancyVerdict {
  const replacement = formBodyReplacement(ctx);
  if (replacement) v.body = replacement;
  return v;
}

/** Import (`fromSrc`) and commit: owner labels via a `LABEL` change, client LABELs of ours refused. */
export function importOrCommit(ctx: TenancyContext, labels: Record<string, string>, params: Record<string, string>): TenancyVerdict {
  const { facts } = ctx.req;
  const changes = facts.queryAll.changes ?? [];
  // A LABEL instruction can spell a key many ways (quotes, escapes): refuse any mention of ours.
  if (changes.some((c) => /dockgate\./i.test(c))) return reserved(ctx, ['dockgate.*']);
  const result = forward({ target: rebuildTarget(facts, { params: {}, query: params, append: { changes: [labelChange(labels)] } }) });
  return withForm(ctx, result);
}

async function containerCreate(ctx: TenancyContext, labels: Record<string, string>): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const keys = reservedKeys(field(facts.body, 'Labels'));
  if (keys.length) return reserved(ctx, keys);
  const body = withOwnerLabels(facts.body, ['Labels'], labels);

  for (const ref of createReferences(facts.body)) {
    const r = await resolveObject(ctx.daemon, ref.kind, ref.name);
    if ('answer' in r) {
      if (ref.kind === 'volumes' && r.answer.status === 404) {
        // dockerd would create it without an owner: the tenant could never see or remove it.
        return deny(403, 'unknown-volume', tenancyMessage(ctx, `volume "${ref.name}" (${ref.where}) does not exist: create it first with docker volume create`));
      }
      return daemonAnswer(r.answer);
    }
    const level = ref.kind === 'containers' ? 'modify' : 'read';
    if (accessTo(ctx.spec, ctx.tenant, r.found, level) === 'none') {
      return deny(403, 'not-owner', tenancyMessage(ctx, `${ref.kind.replace(/s$/, '')} "${ref.name}" (${ref.where}) belongs to another tenant`));
    }
    if (ref.kind === 'containers') pinContainer(body, ref.where, ref.name, r.found.id);
  }

  const problem = applyLimits(body, ctx.tenant.quota, true, ['HostConfig']);
  if (problem) return deny(403, 'limit', tenancyMessage(ctx, problem.message));
  const verdict = forward({ body: json(body) });
  const max = ctx.tenant.quota.containers;
  if (max === undefined) return verdict;
  // Held until the daemon has answered the create, so concurrent creates are counted in turn.
  const release = await ctx.locks.acquire(ctx.tenant.name);
  try {
    const count = await countContainers(ctx, false);
    if (count >= max) {
      release();
      return deny(403, 'quota', tenancyMessage(ctx, `container quota reached (${count} of ${max}); remove containers you no longer need`));
    }
  } catch (err) {
    release();
    throw err;
  }
  verdict.release = release;
  return verdict;
}

/** Replace a container reference by the ID it resolved to, so the daemon acts on what was checked. */
function pinContainer(body: JsonObject, where: string, name: string, id: string): void {
  const host = goObjectAt(body, 'HostConfig');
  if (where === 'HostConfig.VolumesFrom') {
    const key = goKey(host, 'VolumesFrom');
    const list = key ? host[key] : undefined;
    if (Array.isArray(list)) {
      host[key as string] = list.map((v) => (typeof v === 'string' && (v === name || v.startsWith(`${name}:`)) ? id + v.slice(name.length) : v));
    }
  } else if (where.startsWith('HostConfig.') && where !== 'HostConfig.Links') {
    const key = goKey(host, where.slice('HostConfig.'.length));
    if (key && host[key] === `container:${name}`) host[key] = `container:${id}`;
  }
}
