/**
 * Per-object operations: resolve the named object on the daemon, check the caller may act on
 * it, and pin the request to the resolved ID so a name deleted and recreated in between
 * cannot redirect it to someone else's object.
 */
import type { JsonValue } from '../core/types.js';
import type { ObjectKind } from '../policy/tenancy-schema.js';
import { apiVersionBelow } from '../facts/api-version.js';
import { field, goKey, isObject } from '../facts/go-fold.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { accessTo, type ResolvedObject } from './access.js';
import { formBodyReplacement, tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { isPredefinedNetwork } from './create-body.js';
import { dnsNameRefusal, hostnameRefusal, othersNetworksOf } from './dns-names.js';
import { aliasRefusal } from './network-aliases.js';
import { underContainerLock } from './name-lock.js';
import { goSet, type Ownership } from './labels.js';
import { applyLimits, bodySwapProblem, restartPolicyProblem } from './limits.js';
import type { OperationPlan } from './operation-plans.js';
import { containerIds } from './quota.js';
import { digestReference, imagesNamed, pushReferences, repositoryImages, shownDigestReference, shownTagReference, tagReference, type NamedImage } from './image-set.js';
import { isCallersRepository } from './caller-repository.js';
import { unownedRemoval } from './unowned-removal.js';
import { linkRemoval } from './link-removal.js';
import { resolveContainerAgain, resolveExec, resolveObject } from './resolve.js';
import { endpointLinkNames, endpointNames } from './references.js';
import { endpointAddresses } from './endpoint-addresses.js';
import { rebuildTarget } from './target.js';
import { serialiseWithin } from './rewritten-body.js';
import { copyBody, emptyObject } from './body-copy.js';
import { idLikeImageTag, idLikeName } from './id-like-name.js';
import { autoRemoves, removalNote, removeRefusedStart } from './auto-remove.js';

type ObjectPlan = Extract<OperationPlan, { kind: 'object' }>;
/** An object plan on a container, image, volume or network (not an exec instance). */
type ResourcePlan = ObjectPlan & { object: ObjectKind };

/** Pass a daemon answer (404, 409) on unchanged, so the client sees what dockerd says. */
export function daemonAnswer(answer: { status: number; raw: Buffer; contentType: string }): TenancyVerdict {
  return { kind: 'respond', status: answer.status, headers: { 'Content-Type': answer.contentType || 'application/json', 'Content-Length': String(answer.raw.length) }, body: answer.raw };
}

/**
 * What a tenant may do with a container without an owner that `unowned:` lists: read it only.
 * Everything else needs `modify` (operation-plans.ts), exec and attach included, and so do
 * references to it in a create (create-ops.ts).
 */
const UNOWNED_CONTAINER = 'tenants may only read it (inspect, logs, top, stats, changes, wait); exec, attach and everything else need your own or your team\'s container';

/** What a refusal over an image without an owner adds: who can undo it. */
const ADMIN_MAY = 'a tenancy admin can remove or re-tag it';

function notYours(ctx: TenancyContext, what: string, name: string, ownership?: Ownership): TenancyVerdict {
  return deny(403, 'not-owner', tenancyMessage(ctx, `${what} "${name}" ${ownership ? whose(ctx, ownership) : 'belongs to another tenant'}`));
}

/**
 * Whose an object the caller may not change is, as a refusal says it: no one's, another
 * tenant's, or (an image the classic builder left between its label steps, access.ts) labelled
 * the caller's but with another team than theirs.
 */
function whose(ctx: TenancyContext, ownership: Ownership): string {
  if (ownership.owner === undefined) return 'has no owner';
  if (ownership.owner !== ctx.tenant.name) return 'belongs to another tenant';
  return `is labelled yours but with ${labelTeam(ownership)}, not your own team's label (the classic builder leaves such images between its label steps): you may run it, not change it`;
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
 * Refuse unless every image the references stand for (image-set.ts) is the caller's to export
 * or push. A bare name of the caller's repository that also holds images without an owner
 * (pulled, or put there by the classic builder's `FROM` pull) says how to go on: by tag, or
 * after removing those (unownedRemoval).
 */
export async function ownImages(ctx: TenancyContext, refs: string[]): Promise<TenancyVerdict | undefined> {
  for (const ref of refs) {
    const named = await imagesNamed(ctx.daemon, ref);
    if ('answer' in named) return daemonAnswer(named.answer);
    for (const image of named.images) {
      if (accessTo(ctx.spec, ctx.tenant, image.found, 'modify') !== 'none') continue;
      const via = image.ref === ref ? '' : ` (${ref} stands for every tag of the repository)`;
      if (image.found.ownership.owner !== undefined) return deny(403, 'not-owner', tenancyMessage(ctx, `image "${image.ref}" ${whose(ctx, image.found.ownership)}${via}`));
      const advice = via !== '' && isCallersRepository(ctx, named.images) ? `${via}: save or push your tags by name, or remove the tags without an owner from your repository (rmi without -f)` : `; ${ADMIN_MAY}${via}`;
      return deny(403, 'not-owner', tenancyMessage(ctx, `image "${image.ref}" has no owner: tenants may use it, not export or push it${advice}`));
    }
  }
  return undefined;
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
 * Extra DNS names (aliases, links) on a network others use too (shared, unowned, predefined):
 * dockerd's DNS answers a name with every endpoint that has it, so an alias equal to another
 * tenant's container name (or short ID) would take a share of that tenant's traffic.
 */
export function sharedNetworkNames(ctx: TenancyContext, network: string): TenancyVerdict {
  return deny(403, 'network-alias', tenancyMessage(ctx, `aliases and links on network "${network}" are not allowed: other tenants use it, and an alias can take another container's name`));
}

/**
 * A fixed MAC or IP address (endpoint-addresses.ts, `where` names it) on a network others use
 * too (shared, unowned, predefined): a network is one L2 segment, and an address equal to
 * another tenant's container's takes its traffic, or keeps it from starting.
 */
export function sharedNetworkAddress(ctx: TenancyContext, network: string, where: string): TenancyVerdict {
  return deny(403, 'network-address', tenancyMessage(ctx, `a fixed MAC or IP address (${where}) on network "${network}" is not allowed: other tenants use it, and an address can take another container's; fixed addresses are allowed on your own or your team's networks`));
}

/**
 * The containers a connect's `EndpointConfig.Links` name must be the caller's or its team's,
 * as a create's links must (create-ops.ts, same refusal). A missing one is let through, as
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

/**
 * Refuse a tag (tag, commit, import, build, pull) that takes over a tag naming an image the
 * caller does not own (one without an owner may be re-pointed in the caller's repository,
 * caller-repository.ts: a refresh pull, `compose up --build` after a pull), that dockerd would read in place of an image ID (idLikeImageTag), or
 * that joins a repository it may not join (strangerInRepository): a bare repository name
 * stands for all its tags in a save or push, so a stranger's tag there made the owner's
 * `docker save <repo>` refused, with a tag the owner could neither see nor remove. `owned`:
 * the caller will own the tag (all but pulls, whose images carry no owner). A pull by digest
 * moves no tag but adds `name@digest` to the repository (digestReference): only the
 * repository check applies (it once skipped every check, so `docker pull R@sha256:…` put an
 * unowned image into another team's repository R).
 */
export async function tagOver(ctx: TenancyContext, repo: string | undefined, tag: string | undefined, owned = true): Promise<TenancyVerdict | undefined> {
  const ref = tagReference(repo, tag);
  if (ref === undefined) {
    const digest = owned ? undefined : digestReference(repo, tag);
    return digest === undefined ? undefined : strangerInRepository(ctx, digest, `reference "${shownDigestReference(repo, tag)}"`, false);
  }
  // Deny reasons reach the audit log: `fromImage` may be a URL with a token in its userinfo or
  // query, which the reference cuts at its `@`, so the reason is built from masked parts.
  const shown = shownTagReference(repo, tag);
  const idLike = await idLikeImageTag(ctx, ref, shown);
  if (idLike) return idLike;
  const existing = await resolveObject(ctx.daemon, 'images', ref);
  if ('answer' in existing) {
    // Fail closed: a reference the daemon cannot look up is one the gateway cannot vouch for.
    if (existing.answer.status !== 404) return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns tag "${shown}" (the daemon answered ${existing.answer.status})`));
  } else if (accessTo(ctx.spec, ctx.tenant, existing.found, 'modify') === 'none') {
    const ownership = existing.found.ownership;
    if (ownership.owner !== undefined) return deny(403, 'not-owner', tenancyMessage(ctx, `tag "${shown}" names an image that ${whose(ctx, ownership)}`));
    // A tag without an owner may be re-pointed in the caller's repository only (a refresh pull, `compose up --build` after a pull).
    const named = await repositoryImages(ctx.daemon, ref);
    if ('answer' in named) return unlistable(ctx, `tag "${shown}"`, named.answer.status);
    if (!isCallersRepository(ctx, named.images)) {
      const advice = owned ? ADMIN_MAY : "refreshing shared images is an admin's job: ask a tenancy admin to pull it";
      return deny(403, 'not-owner', tenancyMessage(ctx, `tag "${shown}" names an image that has no owner, outside a repository of yours; ${advice}`));
    }
    return strangerIn(ctx, named.images, `tag "${shown}"`, owned);
  }
  return strangerInRepository(ctx, ref, `tag "${shown}"`, owned);
}

/**
 * Refuse adding `what` (`tag "app:1"`, `reference "app@sha256:…"`, as a refusal shows it;
 * `ref` unmasked) to a repository it may not join (strangerIn).
 */
async function strangerInRepository(ctx: TenancyContext, ref: string, what: string, owned: boolean): Promise<TenancyVerdict | undefined> {
  const named = await repositoryImages(ctx.daemon, ref);
  if ('answer' in named) return unlistable(ctx, what, named.answer.status);
  return strangerIn(ctx, named.images, what, owned);
}

/** The refusal of a write whose repository could not be listed (fail closed). */
function unlistable(ctx: TenancyContext, what: string, status: number): TenancyVerdict {
  return deny(403, 'tag-unchecked', tenancyMessage(ctx, `cannot check who owns the repository of ${what} (the daemon answered ${status})`));
}

/**
 * Refuse adding `what` to the repository of `images` (repositoryImages) when it holds an image
 * the caller may not modify, except: a pull (not `owned`: its image carries no owner) is
 * stopped only by an image with an owner (another tenant's or team's, or the caller's own
 * labelled with another team), never by images without one (pulls of a public repository go
 * together), nor by the caller's own or team's; and images without an owner do not stop a tag
 * the caller will own (`owned`) in the caller's repository (caller-repository.ts). A
 * repository of images without an owner only still takes no tag with an owner: no tenant may
 * claim a public repository and block others' saves. Before, a pull's tag could join any
 * repository (`alice pull reg/carolapp:zz` planted an unowned tag in carol's repository), and
 * f6b439b's refusal of pulls into the caller's own repository locked teams out of pulling
 * their own pushed images back (they keep their owner labels through a registry).
 */
function strangerIn(ctx: TenancyContext, images: readonly NamedImage[], what: string, owned: boolean): TenancyVerdict | undefined {
  const barred = images.filter((i) => accessTo(ctx.spec, ctx.tenant, i.found, 'modify') === 'none');
  const callers = barred.length < images.length;
  const stranger = barred.find((i) => (i.found.ownership.owner === undefined ? owned && !callers : true));
  if (stranger === undefined) return undefined;
  const { ownership } = stranger.found;
  const advice = !owned
    ? "a pull may not add an image without an owner to another tenant's repository: pull it under a repository name that holds no other tenant's images"
    : ownership.owner === undefined
      ? 'a repository of images without an owner only takes no tags with an owner: tag into a repository of your own'
      : 'tag into a repository of your own';
  return deny(403, 'not-owner', tenancyMessage(ctx, `${what} would join a repository that holds ${strangerImage(ctx, ownership)} (${maskUrlCredentials(stranger.ref)}): ${advice}`));
}

/** An image in a repository that the caller may not change, as strangerInRepository names it. */
function strangerImage(ctx: TenancyContext, ownership: Ownership): string {
  if (ownership.owner === undefined) return 'an image that has no owner';
  if (ownership.owner !== ctx.tenant.name) return "another tenant's image";
  return `an image labelled yours but with ${labelTeam(ownership)}, not your own team's label`;
}

/** The team label of an image as a refusal says it: `team "web"`, or `no team`. */
function labelTeam(ownership: Ownership): string {
  return ownership.team === undefined || ownership.team === '' ? 'no team' : `team "${ownership.team}"`;
}

/**
 * A container update, judged on the limits that result: dockerd copies each non-zero field
 * over the current one. Two updates at once would each be judged against the settings before
 * either (a quota from one and a period from the other lifted the CPU limit), so updates of a
 * container run one at a time: under its lock the container is read again, and the lock is
 * held until the daemon has answered.
 */
async function updateWithinLimits(ctx: TenancyContext, id: string, result: ReturnType<typeof forward>): Promise<TenancyVerdict> {
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
/** A teammate's refused start of a `--rm` container: what it says (see withAutoRemoval). */
const TEAMMATE_RM_NOTE = 'the container was created with --rm (AutoRemove) by its owner and is left as it is (only a start by its owner that tenancy refuses removes it): docker rm it, or stop the --rm client waiting for it';

async function runningQuota(ctx: TenancyContext, obj: ResolvedObject & { raw: Record<string, unknown> }, result: ReturnType<typeof forward>): Promise<TenancyVerdict> {
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
