/**
 * Volume and network creates: owner labels injected, shared and others' names refused, and the
 * `networks` quota.
 */
import { field } from '../facts/go-fold.js';
import { accessTo } from './access.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type ForwardVerdict, type TenancyVerdict } from './hook.js';
import { idLikeName } from './id-like-name.js';
import { goSet, reservedKeys, withOwnerLabels } from './labels.js';
import { daemonAnswer } from './daemon-answer.js';
import { memoryVolume } from './tmpfs-volumes.js';
import { countNetworks, withinQuota } from './quota.js';
import { resolveObject } from './resolve.js';
import { json } from './create-forward.js';
import { memoryVolumeRefused, reserved } from './create-refusals.js';

/** A volume or network create (a named one runs under the name's lock, name-lock.ts). */
export async function namedCreate(ctx: TenancyContext, op: 'VolumeCreate' | 'NetworkCreate', labels: Record<string, string>): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const keys = reservedKeys(field(facts.body, 'Labels'));
  if (keys.length) return reserved(ctx, keys);
  const name = field(facts.body, 'Name');
  const shared = op === 'VolumeCreate' ? ctx.spec.shared.volumes : ctx.spec.shared.networks;
  if (typeof name === 'string' && shared.includes(name)) {
    return deny(403, 'shared-name', tenancyMessage(ctx, `"${name}" is a shared name: only tenancy admins may create it`));
  }
  if (op === 'VolumeCreate' && ctx.tenant.quota.memory !== undefined && memoryVolume(field(facts.body, 'Driver'), field(facts.body, 'DriverOpts'))) {
    return memoryVolumeRefused(ctx, 'DriverOpts');
  }
  if (op === 'NetworkCreate' && typeof name === 'string') {
    const idLike = await idLikeName(ctx, 'networks', name);
    if (idLike) return idLike;
  }
  if (op === 'VolumeCreate' && typeof name === 'string' && name !== '') {
    // dockerd answers a create of an existing name with that volume (its labels, options,
    // mount point): only the caller's own may be answered so.
    const existing = await resolveObject(ctx.daemon, 'volumes', name);
    if ('found' in existing && accessTo(ctx.spec, ctx.tenant, existing.found, 'modify') === 'none') {
      return deny(403, 'not-owner', tenancyMessage(ctx, `volume "${name}" already exists and belongs to another tenant`));
    }
    if ('answer' in existing && existing.answer.status !== 404) return daemonAnswer(existing.answer);
  }
  const body = withOwnerLabels(facts.body, ['Labels'], labels);
  // A second network of the same name makes the name ambiguous for everyone using it.
  if (op === 'NetworkCreate') goSet(body, 'CheckDuplicate', true);
  const verdict = forward({ body: json(ctx, body) });
  return op === 'NetworkCreate' ? networkQuota(ctx, verdict) : verdict;
}

/**
 * The `networks` quota: each network takes an address range from the daemon's pools (about 15
 * exhaust the defaults) and a bridge on the host. Counted under the caller's lock, held until
 * the daemon has answered, as containers are.
 */
function networkQuota(ctx: TenancyContext, verdict: ForwardVerdict): Promise<TenancyVerdict> {
  return withinQuota(ctx, 'networks-quota', ctx.tenant.quota.networks, 'network', () => countNetworks(ctx), verdict);
}
