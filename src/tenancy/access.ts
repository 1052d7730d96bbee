/**
 * Whether a tenant may act on an object, from the object's labels and the policy. Pure.
 * Order: own objects, then the team's, then shared names and unowned kinds (read only). An
 * anonymous volume (64-hex name, anonymous-volume-name.ts) is never `unowned`: dockerd makes
 * those of `-v /path`, an image's `VOLUME` and compose services without labels, so they hold
 * tenants' data; they are reached only by use (anonymous-volume.ts), whatever `unowned:` says.
 * An image's own owner label gives `modify` only with the owner's team label beside it
 * (`ownImageToModify`).
 */
import type { ObjectKind, TenancySpec } from '../policy/tenancy-schema.js';
import type { Ownership } from './labels.js';
import type { AccessLevel } from './operation-plans.js';
import type { Tenant } from './tenant.js';
import { isAnonymousVolumeName } from './anonymous-volume-name.js';

/** Why access was granted, or `none`. */
export type AccessGrant = 'admin' | 'owner' | 'team' | 'shared' | 'unowned' | 'none';

/** The object as the daemon resolved it. */
export interface ResolvedObject {
  kind: ObjectKind;
  /** Full ID (volumes: the name). */
  id: string;
  /** Names the object answers to (container name without `/`, network/volume name, image tags). */
  names: string[];
  ownership: Ownership;
  /**
   * Images: whether it has a tag or a registry digest. The classic builder leaves untagged,
   * unlabelled intermediate images of every tenant's builds: those are never `unowned`.
   */
  tagged?: boolean;
}

/** How the tenant may access `obj` at `level`. */
export function accessTo(spec: TenancySpec, tenant: Tenant, obj: ResolvedObject, level: AccessLevel): AccessGrant {
  if (tenant.admin) return 'admin';
  const { owner, team } = obj.ownership;
  if (owner !== undefined && owner === tenant.name && (level === 'read' || ownImageToModify(obj, tenant))) return 'owner';
  if (owner !== undefined && team !== undefined && tenant.team !== undefined && team === tenant.team) return 'team';
  if (level === 'modify') return 'none';
  const sharedNames = obj.kind === 'networks' ? spec.shared.networks : obj.kind === 'volumes' ? spec.shared.volumes : [];
  if (obj.names.some((n) => sharedNames.includes(n))) return 'shared';
  if (owner === undefined && spec.unowned.includes(obj.kind) && obj.tagged !== false && !anonymousVolume(obj)) return 'unowned';
  return 'none';
}

/**
 * A volume dockerd named itself (64 hex digits): another tenant's `-v /data` or image `VOLUME`
 * as likely as an admin's. Such a volume is no base object to hand out under `unowned:`.
 */
function anonymousVolume(obj: ResolvedObject): boolean {
  return obj.kind === 'volumes' && isAnonymousVolumeName(obj.id);
}

/**
 * Whether an object whose owner label names the tenant is theirs to change. Containers,
 * volumes and networks get both labels in one create: always. An image only when its team
 * label is the tenant's team (no team: no team label): the classic builder applies a build's
 * labels one `LABEL` step per key, the owner's first, so the intermediate image between the two
 * steps has the caller as its owner and the team label the Dockerfile or the base image gave it
 * (`LABEL dockgate.team=web`, or `FROM` a web image). Tagging it would give that team an image
 * it lists and runs as its own while the caller can still re-point the tag. Such an image is
 * still the owner's to read (inspect, run); an image made before its owner changed teams is
 * also refused (its old team may still change it).
 */
function ownImageToModify(obj: ResolvedObject, tenant: Tenant): boolean {
  return obj.kind !== 'images' || obj.ownership.team === tenant.team;
}

/** True when the tenant may see `obj` in a list (the read rule). */
export function visibleTo(spec: TenancySpec, tenant: Tenant, obj: ResolvedObject): boolean {
  return accessTo(spec, tenant, obj, 'read') !== 'none';
}

/** The single label filter that selects exactly what a tenant may see, when one exists. */
export function visibilityLabel(spec: TenancySpec, tenant: Tenant, kind: ObjectKind): string | undefined {
  const extra = spec.unowned.includes(kind) || (kind === 'networks' && spec.shared.networks.length > 0) || (kind === 'volumes' && spec.shared.volumes.length > 0);
  if (extra) return undefined;
  return tenant.team !== undefined ? `dockgate.team=${tenant.team}` : `dockgate.owner=${tenant.name}`;
}
