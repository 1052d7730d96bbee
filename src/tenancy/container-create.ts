/**
 * Container creates: owner labels injected, every object the body references checked to be
 * the caller's or shared, and the limits and quotas applied.
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { maskUrlCredentials } from '../observe/url-credentials.js';
import { accessTo } from './access.js';
import { addingHostConfig } from './added-host-config.js';
import { isAnonymousVolumeName, usedOnlyByCaller } from './anonymous-volume.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { anonymousVolumeMounts, mountVolumeLabels, ownAnonymousVolumes, isPredefinedNetwork, pinContainer, pinEndpointId, pinNetwork, PREDEFINED_NETWORKS } from './create-body.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { idLikeName } from './id-like-name.js';
import { createHostname, dnsNameRefusal, hostnameRefusal } from './dns-names.js';
import { aliasRefusal, type JoinedNetwork } from './network-aliases.js';
import { promoteLegacyHostConfig } from './legacy-host-config.js';
import { reservedKeys } from './labels.js';
import { withCreateLabels } from './label-overlay.js';
import { applyLimits, bodySwapProblem, restartPolicyProblem } from './limits.js';
import { daemonAnswer } from './daemon-answer.js';
import { sharedNetworkAddress, sharedNetworkNames } from './shared-network-refusals.js';
import { addressOnPredefinedNetwork } from './endpoint-addresses.js';
import { memoryVolumeMount } from './tmpfs-volumes.js';
import { countContainers, withinQuota } from './quota.js';
import { createReferences, type Reference } from './references.js';
import { resolveObject } from './resolve.js';
import { labelEntriesBytes, refuseAdding } from './rewritten-body.js';
import { isVolumesFrom, sourceVolumes } from './volumes-from.js';
import { effectiveCommand } from './image-command.js';
import { BUILDER_STEP_MARK, CREATED_LABEL, freshCreatedValue, holdsBuilderMark, listedCommand } from './container-seal.js';
import { json } from './create-forward.js';
import { memoryVolumeRefused, reserved } from './create-refusals.js';

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

/** A container create, under the locks createOperation takes (its name's, its named volumes'). */
export async function containerCreate(ctx: TenancyContext, labels: Record<string, string>): Promise<TenancyVerdict> {
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
  // The copy's labels map is an overlay (label-overlay.ts): nothing below reads it, json() writes it merged.
  const body = withCreateLabels(facts.body, { ...labels, [CREATED_LABEL]: freshCreatedValue() });
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
