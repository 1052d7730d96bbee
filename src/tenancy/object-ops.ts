/**
 * Per-object operations: resolve the named object on the daemon, check the caller may act on
 * it, and pin the request to the resolved ID so a name deleted and recreated in between
 * cannot redirect it to someone else's object.
 */
import type { JsonValue } from '../core/types.js';
import type { ObjectKind } from '../policy/tenancy-schema.js';
import { field, isObject } from '../facts/go-fold.js';
import { accessTo, type ResolvedObject } from './access.js';
import { formBodyReplacement, tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { isPredefinedNetwork } from './create-body.js';
import { dnsNameRefusal, hostnameRefusal, othersNetworksOf } from './dns-names.js';
import { aliasRefusal } from './network-aliases.js';
import { underContainerLock } from './name-lock.js';
import { goSet } from './labels.js';
import type { OperationPlan } from './operation-plans.js';
import { pushReferences } from './image-set.js';
import { unownedRemoval } from './unowned-removal.js';
import { linkRemoval } from './link-removal.js';
import { resolveContainerAgain, resolveExec, resolveObject } from './resolve.js';
import { endpointLinkNames, endpointNames } from './references.js';
import { endpointAddresses } from './endpoint-addresses.js';
import { rebuildTarget } from './target.js';
import { serialiseWithin } from './rewritten-body.js';
import { copyBody } from './body-copy.js';
import { idLikeName } from './id-like-name.js';
import { updateWithinLimits } from './container-update.js';
import { daemonAnswer } from './daemon-answer.js';
import { ownImages } from './own-images.js';
import { ADMIN_MAY, notYours } from './ownership-refusals.js';
import { runningQuota } from './running-quota.js';
import { sharedNetworkAddress, sharedNetworkNames } from './shared-network-refusals.js';
import { tagOver } from './tag-over.js';

type ObjectPlan = Extract<OperationPlan, { kind: 'object' }>;
/** An object plan on a container, image, volume or network (not an exec instance). */
type ResourcePlan = ObjectPlan & { object: ObjectKind };

/**
 * What a tenant may do with a container without an owner that `unowned:` lists: read it only.
 * Everything else needs `modify` (operation-plans.ts), exec and attach included, and so do
 * references to it in a create (container-create.ts).
 */
const UNOWNED_CONTAINER = 'tenants may only read it (inspect, logs, top, stats, changes, wait); exec, attach and everything else need your own or your team\'s container';
/** Handle an operation on one named object. */
export async function objectOperation(ctx: TenancyContext, plan: ObjectPlan): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const name = facts.params[plan.param] ?? '';
  if (plan.object === 'exec') {
    const exec = await resolveExec(ctx.daemon, name);
    if ('answer' in exec) return daemonAnswer(exec.answer);
    const c = await resolveObject(ctx.daemon, 'containers', exec.container);
    if ('answer' in c) return daemonAnswer(c.answer);
    if (accessTo(ctx.spec, ctx.tenant, c.found, 'modify') === 'none') return notYours(ctx, 'exec instance', name, c.found.ownership);
    return forward({ target: rebuildTarget(facts, { params: { [plan.param]: exec.execId } }), execLookup: { exec: exec.raw, container: c.found.raw } });
  }
  const op = facts.operation?.name ?? '';
  // Save and push act on every tag a bare repository name stands for, and push on `tag`; images are not pinned.
  if (op === 'ImageGet') return (await ownImages(ctx, [name])) ?? forward();
  if (op === 'ImagePush') return (await ownImages(ctx, pushReferences(name, facts.query.tag))) ?? forward();
  if (op === 'ContainerDelete') {
    const unlink = await linkRemoval(ctx, name);
    if (unlink) return unlink;
  }
  const resource: ResourcePlan = { ...plan, object: plan.object };
  // A rename and a network connect of one container run one after another (name-lock.ts): the
  // container is found first, then looked up again by its ID under its lock.
  const container = op === 'ContainerRename' ? name : op === 'NetworkConnect' ? stringField(facts.body, 'Container') : undefined;
  if (container) {
    const c = await resolveObject(ctx.daemon, 'containers', container);
    if ('answer' in c) return daemonAnswer(c.answer);
    return underContainerLock(ctx, c.found.id, () => checkedOperation(ctx, resource, op, name, { id: c.found.id, reference: container }));
  }
  return checkedOperation(ctx, resource, op, name);
}

/** A container found before its lock was taken: its full ID and the reference that named it. */
interface LockedContainer {
  id: string;
  reference: string;
}

/** objectOperation past exec instances and images by name: `locked`, the container of a rename or connect. */
async function checkedOperation(ctx: TenancyContext, plan: ResourcePlan, op: string, name: string, locked?: LockedContainer): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const r = locked && op === 'ContainerRename' ? await resolveContainerAgain(ctx.daemon, locked.id, locked.reference) : await resolveObject(ctx.daemon, plan.object, name);
  if ('answer' in r) return daemonAnswer(r.answer);
  const obj = r.found;
  if (accessTo(ctx.spec, ctx.tenant, obj, plan.level) === 'none' && !builtinNetworkUse(op, obj)) {
    if (op === 'ImageDelete') {
      const removal = await unownedRemoval(ctx, name, obj);
      if (removal) return removal;
    }
    const what = plan.object.replace(/s$/, '');
    if (obj.ownership.owner === undefined && accessTo(ctx.spec, ctx.tenant, obj, 'read') !== 'none') {
      if (plan.object === 'containers') return deny(403, 'not-owner', tenancyMessage(ctx, `container "${name}" has no owner: ${UNOWNED_CONTAINER}`));
      return deny(403, 'not-owner', tenancyMessage(ctx, `${what} "${name}" has no owner: tenants may use it, not change or rename it${what === 'image' ? `; ${ADMIN_MAY}` : ''}`));
    }
    return notYours(ctx, what, name, obj.ownership);
  }

  const extra = await extraChecks(ctx, op, obj, locked);
  if (extra && 'kind' in extra) return extra;
  // Images keep their name: `rmi repo:tag` untags while `rmi <id>` deletes, so an ID would change the meaning.
  const pinned = plan.object === 'images' ? undefined : rebuildTarget(facts, { params: { [plan.param]: obj.id } });
  const result = forward();
  if (pinned !== undefined) {
    result.target = pinned;
    const replacement = extra?.body ?? formBodyReplacement(ctx);
    if (replacement) result.body = replacement;
  }
  if (op === 'ContainerUpdate') return updateWithinLimits(ctx, obj.id, result);
  if ((op === 'ContainerStart' || op === 'ContainerRestart' || op === 'ContainerUnpause') && ctx.tenant.quota.running !== undefined) {
    return runningQuota(ctx, obj, result);
  }
  return result;
}
/**
 * Checks beyond ownership of the named object: a verdict that ends the request, or the body
 * to forward instead of the client's.
 */
async function extraChecks(ctx: TenancyContext, op: string, obj: ResolvedObject & { raw: Record<string, unknown> }, locked?: LockedContainer): Promise<TenancyVerdict | { body: Buffer } | undefined> {
  const { facts } = ctx.req;
  const raw = obj.raw;
  let pinnedBody: Buffer | undefined;
  let joining: (ResolvedObject & { raw: Record<string, unknown> }) | undefined;
  if (op === 'NetworkConnect' || op === 'NetworkDisconnect') {
    // The container joining or leaving must be the caller's, whatever the network.
    const container = field(facts.body, 'Container');
    if (typeof container === 'string' && container !== '') {
      // A connect's container was found before its lock (objectOperation): looked up again by ID.
      const c = locked ? await resolveContainerAgain(ctx.daemon, locked.id, locked.reference) : await resolveObject(ctx.daemon, 'containers', container);
      if ('answer' in c) return daemonAnswer(c.answer);
      if (accessTo(ctx.spec, ctx.tenant, c.found, 'modify') === 'none') return notYours(ctx, 'container', container, c.found.ownership);
      joining = c.found;
      // dockerd looks the container up again by name: pinned, a rename in between cannot turn it.
      if (isObject(facts.body)) {
        const body = copyBody(facts.body);
        goSet(body, 'Container', c.found.id);
        pinnedBody = serialiseWithin(body, ctx.req.method, ctx.req.bodyLimit);
      }
    }
  }
  if (op === 'NetworkConnect') {
    const endpoint = field(facts.body, 'EndpointConfig');
    const others = accessTo(ctx.spec, ctx.tenant, obj, 'modify') === 'none';
    if (endpointNames(endpoint) && others) return sharedNetworkNames(ctx, obj.names[0] ?? obj.id);
    if (endpointAddresses(endpoint) && others) return sharedNetworkAddress(ctx, obj.names[0] ?? obj.id, 'EndpointConfig');
    // The container's hostname becomes an alias there, and its name a DNS name (dns-names.ts)
    // that no other container there may have as an alias (network-aliases.ts); the default
    // bridge serves none.
    if (others && joining && !isPredefinedNetwork(obj)) {
      const network = obj.names[0] ?? obj.id;
      const name = joining.names[0];
      const refused =
        hostnameRefusal(ctx, stringField(joining.raw.Config as JsonValue, 'Hostname'), network, joining.id) ??
        (name ? ((await dnsNameRefusal(ctx, name, network, joining.id)) ?? (await aliasRefusal(ctx, name, [{ name: network, id: obj.id }], joining.id))) : undefined);
      if (refused) return refused;
    }
    const links = await endpointLinksRefusal(ctx, endpoint, others);
    if (links) return links;
    // dockerd joins EndpointConfig.NetworkID, when set, instead of the network in the path.
    const networkId = field(facts.body, 'EndpointConfig', 'NetworkID');
    if (networkId !== undefined && networkId !== null && networkId !== '' && networkId !== raw.Id) {
      return deny(403, 'network-id', tenancyMessage(ctx, 'EndpointConfig.NetworkID must be empty or the full ID of the network being connected'));
    }
  }
  if (op === 'ImageTag') return tagOver(ctx, facts.query.repo, facts.query.tag);
  if (op === 'ContainerRename') {
    const idLike = await idLikeName(ctx, 'containers', facts.query.name);
    if (idLike) return idLike;
    // On networks others use, the new name is a DNS name there (dns-names.ts), one no other
    // container there may have as an alias (network-aliases.ts).
    const name = facts.query.name;
    const networks = name ? await othersNetworksOf(ctx, raw) : [];
    if (!name || networks.length === 0) return undefined;
    return (await dnsNameRefusal(ctx, name, networks[0]?.name ?? '', obj.id)) ?? aliasRefusal(ctx, name, networks, obj.id);
  }
  return pinnedBody && { body: pinnedBody };
}
/**
 * The containers a connect's `EndpointConfig.Links` name must be the caller's or its team's,
 * as a create's links must (container-create.ts, same refusal). A missing one is let through, as
 * dockerd accepts it, on a network the caller may change (`others` false: only the caller's
 * team can put a container there that later answers to the name), and gets the daemon's 404
 * elsewhere. Not pinned: on a user network dockerd keeps the link's name as a DNS name.
 */
async function endpointLinksRefusal(ctx: TenancyContext, endpoint: JsonValue | undefined, others: boolean): Promise<TenancyVerdict | undefined> {
  for (const name of new Set(endpointLinkNames(endpoint))) {
    const c = await resolveObject(ctx.daemon, 'containers', name);
    if ('answer' in c && c.answer.status === 404 && !others) continue;
    if ('answer' in c) return daemonAnswer(c.answer);
    if (accessTo(ctx.spec, ctx.tenant, c.found, 'modify') !== 'none') continue;
    const whose = c.found.ownership.owner === undefined ? "has no owner: only your own or your team's containers may be referenced" : 'belongs to another tenant';
    return deny(403, 'not-owner', tenancyMessage(ctx, `container "${name}" (EndpointConfig.Links) ${whose}`));
  }
  return undefined;
}

/** Connecting one's own container to, or disconnecting it from, a predefined network. */
function builtinNetworkUse(op: string, obj: ResolvedObject): boolean {
  return (op === 'NetworkConnect' || op === 'NetworkDisconnect') && isPredefinedNetwork(obj);
}

/** A string field of a Go-decoded object, or undefined. */
function stringField(v: JsonValue | undefined, key: string): string | undefined {
  const f = field(v, key);
  return typeof f === 'string' ? f : undefined;
}
