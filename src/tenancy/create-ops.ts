/**
 * Operations that make objects: the owner labels are injected (a client may not set them),
 * referenced objects must be the caller's or shared, and quotas and limits apply.
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { accessTo } from './access.js';
import { addingHostConfig } from './added-host-config.js';
import { isAnonymousVolumeName, usedOnlyByCaller } from './anonymous-volume.js';
import { buildChange } from './build-ops.js';
import { buildResultCheck, buildTags } from './build-result-check.js';
import { formBodyReplacement, tenancyMessage, type TenancyContext } from './context.js';
import { anonymousVolumeMounts, mountVolumeLabels, ownAnonymousVolumes, isPredefinedNetwork, pinContainer, pinEndpointId, pinNetwork, PREDEFINED_NETWORKS } from './create-body.js';
import { deny, forward, type ForwardVerdict, type TenancyVerdict } from './hook.js';
import { idLikeName } from './id-like-name.js';
import { namesReservedLabel, unsafeChange } from './label-changes.js';
import { containerNameKey, underNameLock, underNameLocks } from './name-lock.js';
import { createHostname, dnsNameRefusal, hostnameRefusal } from './dns-names.js';
import { aliasRefusal, type JoinedNetwork } from './network-aliases.js';
import { promoteLegacyHostConfig } from './legacy-host-config.js';
import { goSet, isReservedLabel, ownerLabels, reservedKeys, withOwnerLabels } from './labels.js';
import { applyLimits, bodySwapProblem, restartPolicyProblem } from './limits.js';
import { tagReference } from './image-set.js';
import { daemonAnswer } from './daemon-answer.js';
import { sharedNetworkAddress, sharedNetworkNames } from './shared-network-refusals.js';
import { tagOver } from './tag-over.js';
import { addressOnPredefinedNetwork } from './endpoint-addresses.js';
import { memoryVolume, memoryVolumeMount } from './tmpfs-volumes.js';
import { countContainers, countNetworks, withinQuota } from './quota.js';
import { createReferences, type Reference } from './references.js';
import { resolveObject } from './resolve.js';
import { labelEntriesBytes, refuseAdding, serialiseWithin } from './rewritten-body.js';
import { rebuildTarget } from './target.js';
import { isVolumesFrom, sourceVolumes } from './volumes-from.js';
import { effectiveCommand } from './image-command.js';
import { BUILDER_STEP_MARK, CREATED_LABEL, freshCreatedValue, holdsBuilderMark, listedCommand } from './container-seal.js';

/**
 * The refusal of a volume in memory (tmpfs-volumes.ts) under a `memory` quota; `where` names
 * the options that ask for it.
 */
function memoryVolumeRefused(ctx: TenancyContext, where: string): TenancyVerdict {
  return deny(403, 'tmpfs-volume', tenancyMessage(ctx, `a volume in memory (local driver, type=tmpfs or ramfs, ${where}) is refused under your memory quota: dockerd keeps it mounted outside every container, so its memory counts against no container's limit; use --tmpfs or --mount type=tmpfs (counted in the container's memory) or a volume on disk`));
}

function reserved(ctx: TenancyContext, keys: string[]): TenancyVerdict {
  return deny(403, 'reserved-label', tenancyMessage(ctx, `label ${keys.map((k) => `"${k}"`).join(', ')} is reserved: the gateway sets the owner of what you create`));
}

/** A rewritten body for the daemon, held to the request's body limit (rewritten-body.ts). */
function json(ctx: TenancyContext, value: JsonValue): Buffer {
  return serialiseWithin(value, ctx.req.method, ctx.req.bodyLimit);
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
      const name = field(facts.body, 'Name');
      if (typeof name !== 'string' || name === '') return namedCreate(ctx, op, labels);
      return underNameLock(ctx, op === 'VolumeCreate' ? 'volume' : 'network', name, () => namedCreate(ctx, op, labels));
    }
    case 'ContainerCreate': {
      // The named volumes it mounts stay as checked until dockerd has answered (name-lock.ts).
      // Beyond MAX_REFERENCES the create is refused without a look-up: no locks then. Shared
      // names are not locked (only admins make them; creates mounting one need not queue), nor
      // the volumes of a VolumesFrom source, found during the check: its container uses them,
      // so they cannot be removed and made again while it exists.
      // A named create also holds its name's lock (its ASCII lower case, name-lock.ts) from the
      // check that no other container's name equals it ignoring case (dns-names.ts) until dockerd
      // has answered; taken before the volumes' locks, in every create alike.
      const volumes = createReferences(facts.body).filter((r) => r.kind === 'volumes' && !ctx.spec.shared.volumes.includes(r.name)).map((r) => r.name);
      const admit = (): Promise<TenancyVerdict> => (new Set(volumes).size > MAX_REFERENCES ? containerCreate(ctx, labels) : underNameLocks(ctx, 'volume', volumes, () => containerCreate(ctx, labels)));
      const name = facts.query.name;
      return name ? underNameLock(ctx, 'container', containerNameKey(name), admit) : admit();
    }
    case 'ImageBuild': {
      for (const t of facts.queryAll.t ?? []) {
        const over = await tagOver(ctx, t, undefined);
        if (over) return over;
      }
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
      const change = await buildChange(ctx);
      if ('verdict' in change) return change.verdict;
      // Build labels are applied after the Dockerfile's LABELs, so ours win on the built image.
      // The classic builder applies them one step per key: the image between the owner's and the
      // team's step keeps the team label it inherited, so `accessTo` lets an image's owner change
      // it (tag, rmi, push) only beside the owner's own team label.
      const target = rebuildTarget(facts, { query: { ...change.query, labels: JSON.stringify({ ...client, ...labels }) } });
      const verdict = forward(change.note === undefined ? { target } : { target, note: change.note });
      // A BuildKit frontend (`# syntax=`) may ignore those labels: its result is checked once
      // the build has ended (build-result-check.ts).
      if (facts.query.version === '2') verdict.answerCheck = buildResultCheck(ctx, await buildTags(ctx));
      return withForm(ctx, verdict);
    }
    case 'ImageCreate': {
      // dockerd pulls when fromImage is non-empty, and imports into `repo` otherwise.
      const fromImage = facts.query.fromImage ?? '';
      const pull = fromImage !== '';
      // dockerd's PullImage trims one trailing `:` first (`docker pull -a` may send `repo:`):
      // `fromImage=repo:` without a tag pulls every tag too.
      const pulled = fromImage.endsWith(':') ? fromImage.slice(0, -1) : fromImage;
      if (pull && !facts.query.tag && tagReference(pulled, undefined) === `${pulled}:latest`) {
        return deny(403, 'pull-all-tags', tenancyMessage(ctx, 'pulling every tag of a repository is not supported for tenants: name a tag'));
      }
      // An import from a URL (fromSrc other than `-`, even empty: dockerd then fetches `http://`)
      // is downloaded by dockerd with no cancellation: its client may leave, and the tag and
      // repository it writes stay reserved (written-tags.ts) for as long as the server is slow.
      if (!pull && (facts.query.fromSrc ?? '') !== '-') {
        return deny(403, 'admin-only', tenancyMessage(ctx, 'an import from a URL (fromSrc other than "-") is refused: dockerd downloads it with no way to cancel it, holding its tag meanwhile: only tenancy admins may run it; import an uploaded archive instead (`docker import FILE` or `-`)'));
      }
      const over = await tagOver(ctx, pull ? fromImage : facts.query.repo, facts.query.tag, !pull);
      if (over) return over;
      if (pull) return forward(); // registry images carry no owner
      return importOrCommit(ctx, labels, {});
    }
    default:
      return deny(403, 'unsupported', tenancyMessage(ctx, `${op} is not supported for tenants`));
  }
}

/** A volume or network create (a named one runs under the name's lock, name-lock.ts). */
async function namedCreate(ctx: TenancyContext, op: 'VolumeCreate' | 'NetworkCreate', labels: Record<string, string>): Promise<TenancyVerdict> {
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

function withForm(ctx: TenancyContext, v: ReturnType<typeof forward>): TenancyVerdict {
  const replacement = formBodyReplacement(ctx);
  if (replacement) v.body = replacement;
  return v;
}

/** Instructions dockerd accepts in `changes` (moby's validCommitCommands). */
const CHANGE_INSTRUCTIONS = new Set(['cmd', 'entrypoint', 'env', 'expose', 'healthcheck', 'label', 'onbuild', 'stopsignal', 'user', 'volume', 'workdir']);

/**
 * How a refusal names a change: ` (ENV)` for its instruction keyword when that is one dockerd
 * accepts, ` (comment)` for a leading `#`, else nothing. Never any other text of the change.
 */
function changeInstruction(change: string): string {
  if (/^\s*#/.test(change)) return ' (comment)';
  const keyword = /^\s*([A-Za-z]+)(?=\s|$)/.exec(change)?.[1];
  return keyword !== undefined && CHANGE_INSTRUCTIONS.has(keyword.toLowerCase()) ? ` (${keyword.toUpperCase()})` : '';
}

/**
 * The `networks` quota: each network takes an address range from the daemon's pools (about 15
 * exhaust the defaults) and a bridge on the host. Counted under the caller's lock, held until
 * the daemon has answered, as containers are.
 */
function networkQuota(ctx: TenancyContext, verdict: ForwardVerdict): Promise<TenancyVerdict> {
  return withinQuota(ctx, 'networks-quota', ctx.tenant.quota.networks, 'network', () => countNetworks(ctx), verdict);
}

/**
 * Distinct objects one ContainerCreate body may name (each is looked up on the daemon), the
 * volumes mounted by the containers of its `VolumesFrom` counted in.
 */
export const MAX_REFERENCES = 256;

function referenceKey(ref: Reference): string {
  return `${ref.kind}\0${ref.name}`;
}

function tooManyReferences(ctx: TenancyContext, what: string): TenancyVerdict {
  return deny(400, 'too-many-references', tenancyMessage(ctx, `${what}; at most ${MAX_REFERENCES} are checked`));
}

/**
 * Why a create may not use an object without an owner that the policy does not give the caller
 * (not shared, its kind not in `unowned:`; a container reference needs `modify`, so never one
 * without an owner, whatever `unowned:` lists). Only an anonymous volume can be theirs by use.
 */
function unownedReason(kind: Reference['kind'], id: string): string {
  if (kind === 'containers') return "has no owner: only your own or your team's containers may be referenced";
  if (kind !== 'volumes') return 'has no owner';
  if (isAnonymousVolumeName(id)) return 'has no owner and is not only yours (no container of yours uses it, or a container of someone else does)';
  return 'has no owner and is not shared (only an anonymous volume, named by dockerd with 64 hex digits, may be used by the tenant whose containers use it)';
}

/** Import (`fromSrc`) and commit: owner labels via a `LABEL` change, client LABELs of ours refused. */
export function importOrCommit(ctx: TenancyContext, labels: Record<string, string>, params: Record<string, string>): TenancyVerdict {
  const { facts } = ctx.req;
  const changes = facts.queryAll.changes ?? [];
  const unsafe = changes.findIndex(unsafeChange);
  if (unsafe !== -1) {
    // Named by position and instruction only: a change such as `ENV TOKEN=...` carries a value.
    const what = `change #${unsafe + 1}${changeInstruction(changes[unsafe] ?? '')}`;
    return deny(403, 'unsafe-change', tenancyMessage(ctx, `${what} is refused: no line breaks, comments or parser directives, and no line continuation at the end`));
  }
  // A LABEL instruction can spell a key many ways (quotes, escapes): refuse any mention of ours.
  // A variable (`LABEL ${X}.owner=`) is let through: the gateway's own LABEL comes last and sets
  // both owner and team over whatever it expanded to (label-changes.ts).
  if (changes.some(namesReservedLabel)) return reserved(ctx, ['dockgate.*']);
  const result = forward({ target: rebuildTarget(facts, { params: {}, query: params, append: { changes: [labelChange(labels)] } }) });
  return withForm(ctx, result);
}

async function containerCreate(ctx: TenancyContext, labels: Record<string, string>): Promise<TenancyVerdict> {
  const { facts } = ctx.req;
  const idLike = await idLikeName(ctx, 'containers', facts.query.name);
  if (idLike) return idLike;
  const keys = [...reservedKeys(field(facts.body, 'Labels')), ...mountVolumeLabels(facts.body).flatMap(reservedKeys)];
  if (keys.length) return reserved(ctx, keys);
  const inMemory = ctx.tenant.quota.memory !== undefined ? memoryVolumeMount(facts.body) : undefined;
  if (inMemory !== undefined) return memoryVolumeRefused(ctx, inMemory);
  // Fixed addresses on the default bridge (or another predefined network's endpoint): the
  // references below name user networks only.
  const predefinedAddress = addressOnPredefinedNetwork(facts.body);
  if (predefinedAddress) return sharedNetworkAddress(ctx, predefinedAddress.network, predefinedAddress.where);
  // Each anonymous volume mount gets the labels (none has them: refused just above). When that
  // alone takes the body over the limit, it is refused before anything is copied or labelled.
  refuseAdding(anonymousVolumeMounts(facts.body).length * labelEntriesBytes(labels), ctx.req.method, ctx.req.bodyLimit);
  // The proof of creation (container-seal.ts) goes on the container only: its anonymous volumes get the owner labels.
  const body = withOwnerLabels(facts.body, ['Labels'], { ...labels, [CREATED_LABEL]: freshCreatedValue() });
  // Before anything puts a HostConfig in: dockerd would then ignore the legacy top level.
  promoteLegacyHostConfig(body);
  ownAnonymousVolumes(body, labels);

  // The image must be visible to the caller, as for image inspect (own, team's, unowned kind).
  const image = field(facts.body, 'Image');
  if (typeof image === 'string' && image !== '') {
    const r = await resolveObject(ctx.daemon, 'images', image);
    // A 404 goes back as dockerd's own "No such image", so the CLI pulls and retries.
    if ('answer' in r) return daemonAnswer(r.answer);
    if (accessTo(ctx.spec, ctx.tenant, r.found, 'read') === 'none') {
      const whose = r.found.ownership.owner !== undefined
        ? 'belongs to another tenant'
        : r.found.tagged === false
          ? 'has no owner and no tag (a build\'s intermediate image, or one whose tag was moved): usable by admins only'
          : 'has no owner, and tenancy lists no images in unowned: (images without an owner are usable by admins only)';
      return deny(403, 'not-owner', tenancyMessage(ctx, `image "${maskUrlCredentials(image)}" ${whose}`));
    }
    // A container whose command holds the classic builder's step mark has no owner
    // (container-seal.ts): refused rather than made for nobody. The command is the body's with
    // what dockerd's merge takes from the image (image-command.ts: `--entrypoint x` takes
    // neither; a Dockerfile CMD may spell the mark, rev-final F1), read as the container list
    // spells it (across arguments too: listedCommand).
    const config = isObject(r.found.raw.Config as JsonValue) ? (r.found.raw.Config as Record<string, JsonValue>) : {};
    if (holdsBuilderMark(listedCommand(effectiveCommand(facts.body, config)))) {
      const fromImage = !holdsBuilderMark(listedCommand(effectiveCommand(facts.body, {})));
      const what = fromImage ? `the command it takes from image "${maskUrlCredentials(image)}"` : 'the command (Entrypoint then Cmd)';
      return deny(403, 'builder-mark', tenancyMessage(ctx, `${what}, as dockerd's container list shows it (its arguments joined by spaces), holds "${BUILDER_STEP_MARK.trim()}", the classic builder's mark of its step containers, which belong to no one: such a container would not be yours${fromImage ? '; give a command of your own' : ''}`));
    }
  }

  // One daemon look-up per distinct object, and not more than MAX_REFERENCES of them: a body of
  // 20 000 binds of one volume cost 20 000 sequential look-ups, counted as one request. The
  // volumes a VolumesFrom source mounts join the list (and the count) once the source is found.
  const refs = createReferences(facts.body);
  const distinct = new Set(refs.map(referenceKey));
  if (distinct.size > MAX_REFERENCES) return tooManyReferences(ctx, `the body names ${distinct.size} containers, volumes and networks`);
  const resolved = new Map<string, Awaited<ReturnType<typeof resolveObject>>>();
  const byUse = new Map<string, boolean>();
  const expanded = new Set<string>();
  // Per endpoint key: whether every network it names is one the caller may change (its
  // network references come before its links in `refs`).
  const ownEndpoint = new Map<string, boolean>();
  // The user networks the body names that the caller may not change (NetworkMode,
  // EndpointsConfig keys and NetworkIDs: a superset of what dockerd joins; with both a
  // NetworkMode and an endpoint of another network, dockerd 20.10 joins the endpoint's): the
  // container's DNS names there (its name, its hostname) must not take other containers'
  // (dns-names.ts, network-aliases.ts).
  const othersNetworks = new Map<string, JoinedNetwork>();
  // `refs` grows while it is walked: the iterator reaches what a VolumesFrom source adds.
  for (const ref of refs) {
    const key = referenceKey(ref);
    const r = resolved.get(key) ?? (await resolveObject(ctx.daemon, ref.kind, ref.name));
    resolved.set(key, r);
    if ('answer' in r) {
      if (ref.kind === 'volumes' && r.answer.status === 404) {
        // dockerd would create it without an owner: the tenant could never see or remove it.
        return deny(403, 'unknown-volume', tenancyMessage(ctx, `volume "${ref.name}" (${ref.where}) does not exist: create it first with docker volume create`));
      }
      // An endpoint's link to a container that does not exist (yet) is accepted by dockerd: a
      // DNS name only the linking container resolves, on that network. Let through on a
      // network only the caller's team can put containers on, so no other tenant's container
      // can later answer to it (HostConfig.Links stay checked: a missing one is answered 404).
      if (ref.kind === 'containers' && ref.endpoint !== undefined && r.answer.status === 404 && ownEndpoint.get(ref.endpoint) === true) continue;
      return daemonAnswer(r.answer);
    }
    const level = ref.kind === 'containers' ? 'modify' : 'read';
    const endpointId = ref.where.endsWith('.NetworkID');
    const predefined = endpointId && r.found.ownership.owner === undefined && r.found.names.some((n) => PREDEFINED_NETWORKS.has(n));
    if (accessTo(ctx.spec, ctx.tenant, r.found, level) === 'none' && !predefined) {
      const unowned = r.found.ownership.owner === undefined;
      if (ref.kind === 'volumes' && unowned) {
        let mine = byUse.get(r.found.id);
        if (mine === undefined) {
          const use = await usedOnlyByCaller(ctx, r.found.id);
          if ('answer' in use) return daemonAnswer(use.answer);
          byUse.set(r.found.id, (mine = use.mine));
        }
        if (mine) continue;
      }
      const whose = unowned ? unownedReason(ref.kind, r.found.id) : 'belongs to another tenant';
      return deny(403, 'not-owner', tenancyMessage(ctx, `${ref.kind.replace(/s$/, '')} "${ref.name}" (${ref.where}) ${whose}`));
    }
    if (ref.kind === 'networks') {
      const mine = accessTo(ctx.spec, ctx.tenant, r.found, 'modify') !== 'none';
      if (ref.endpoint !== undefined) ownEndpoint.set(ref.endpoint, (ownEndpoint.get(ref.endpoint) ?? true) && mine);
      // The default bridge (by ID) serves no DNS names.
      if (!mine && !isPredefinedNetwork(r.found)) othersNetworks.set(r.found.id, { name: r.found.names[0] || ref.name, id: r.found.id });
    }
    if (ref.namesOnNetwork && accessTo(ctx.spec, ctx.tenant, r.found, 'modify') === 'none') return sharedNetworkNames(ctx, ref.name);
    if (ref.fixesAddress && accessTo(ctx.spec, ctx.tenant, r.found, 'modify') === 'none') return sharedNetworkAddress(ctx, ref.name, ref.where);
    // An endpoint's link names a DNS name on that network, looked up when it resolves, not a
    // container dockerd looks up at create: checked, kept as written (an ID is no DNS name).
    if (ref.kind === 'containers' && !ref.where.startsWith('NetworkingConfig.')) pinContainer(body, ref.where, ref.name, r.found.id);
    if (endpointId) pinEndpointId(body, ref.where, r.found.id);
    else if (ref.kind === 'networks') pinNetwork(body, ref.name, r.found.id);
    if (isVolumesFrom(ref) && !expanded.has(key)) {
      expanded.add(key);
      for (const v of sourceVolumes(ref, r.found.raw)) {
        if (distinct.has(referenceKey(v))) continue;
        distinct.add(referenceKey(v));
        refs.push(v);
      }
      if (distinct.size > MAX_REFERENCES) return tooManyReferences(ctx, `the body and the containers of its VolumesFrom name ${distinct.size} containers, volumes and networks`);
    }
  }

  const othersNetwork = [...othersNetworks.values()];
  if (othersNetwork[0] !== undefined) {
    const name = facts.query.name;
    const first = othersNetwork[0].name;
    const refused = hostnameRefusal(ctx, createHostname(facts.body), first) ?? (name ? ((await dnsNameRefusal(ctx, name, first)) ?? (await aliasRefusal(ctx, name, othersNetwork))) : undefined);
    if (refused) return refused;
  }

  // The legacy top level first: dockerd 20.10 reads it when the body has no HostConfig. The
  // limits may add the first HostConfig (nothing above does to a body without one).
  const problem =
    restartPolicyProblem(body, ctx.tenant.quota, [[], ['HostConfig']]) ??
    bodySwapProblem(body, ctx.tenant.quota, [[], ['HostConfig']]) ??
    addingHostConfig(body, facts.apiVersion, () => applyLimits(body, ctx.tenant.quota, true, ['HostConfig']));
  if (problem) return deny(403, 'limit', tenancyMessage(ctx, problem.message));
  return withinQuota(ctx, 'containers-quota', ctx.tenant.quota.containers, 'container', () => countContainers(ctx, false), forward({ body: json(ctx, body) }));
}
