/**
 * Which items of a list the gateway passes on may be the caller's to see, decided as each item
 * arrives (list-reader.ts), before the exact check (list-ops.ts visibleItems), which for a
 * container needs its image's labels (container-seal.ts): an item kept here may still be
 * dropped there, never the other way round. Another tenant's items are then neither held nor
 * counted against the answer cap (rev-dos F1). Pure.
 */
import type { ObjectKind, TenancySpec } from '../policy/tenancy-schema.js';
import type { JsonValue } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import { visibleTo, type ResolvedObject } from './access.js';
import { ownershipOf } from './labels.js';
import { DROP, type ItemSelect } from './list-reader.js';
import { describeObject } from './resolve.js';
import type { Tenant } from './tenant.js';

/**
 * Whether item `doc` of `kind` may be visible to `tenant`. A container's ownership is, once its
 * image's labels are known, either the one its labels name or none (containerOwnership): it may
 * be visible when either is.
 */
export function mayBeVisible(spec: TenancySpec, tenant: Tenant, kind: ObjectKind, doc: Record<string, unknown>): boolean {
  const described = describeObject(kind, doc);
  if (kind !== 'containers') return visibleTo(spec, tenant, described);
  const labels = doc.Labels as JsonValue | undefined;
  const candidates: ResolvedObject[] = [
    { ...described, ownership: ownershipOf(labels) },
    { ...described, ownership: {} },
  ];
  return candidates.some((c) => visibleTo(spec, tenant, c));
}

/** The keys of a `system/df` answer that hold lists of `kind`. */
const DF_KINDS: Record<string, ObjectKind> = { Containers: 'containers', Images: 'images', Volumes: 'volumes' };

/**
 * The ItemSelect of a list of `object` (or `system/df`) the gateway filters for the caller:
 * items that may be visible, whole; others dropped. Lists of other things in the answer (a
 * volume list's `Warnings`) are kept; `system/df`'s `BuildCache` (records with no owner) is not.
 */
export function visibleSelect(spec: TenancySpec, tenant: Tenant, object: ObjectKind | 'df'): ItemSelect {
  return (key, item) => {
    let kind: ObjectKind | undefined;
    if (object === 'df') {
      if (key === 'BuildCache') return DROP;
      kind = key === undefined ? undefined : DF_KINDS[key];
    } else kind = object === 'volumes' ? (key === 'Volumes' ? 'volumes' : undefined) : key === undefined ? object : undefined;
    if (kind === undefined || !isObject(item as JsonValue)) return item;
    return mayBeVisible(spec, tenant, kind, item as Record<string, unknown>) ? item : DROP;
  };
}
