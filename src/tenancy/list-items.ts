/**
 * What a look-up keeps of a list item (list-reader.ts): the fields the gateway reads, with the
 * labels cut to the gateway's own (`dockgate.*`). A look-up that only decides (save, push, tag
 * and commit checks, quotas, name checks) keeps these summaries; a list passed on to the caller
 * keeps whole items, but only those the caller may see (visibility.ts). Another tenant's
 * megabytes of labels are then neither kept nor counted (rev-dos F1). The copies are objects
 * without a prototype (body-copy.ts): a key that is a daemon's map key (a network named
 * `__proto__` keying `NetworkSettings.Networks`) stays an own key, as JSON.parse made it. Pure.
 */
import type { JsonValue } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import { emptyObject } from './body-copy.js';
import { BUILDER_STEP_MARK, isBuilderStepContainer } from './container-seal.js';
import { RESERVED_PREFIX } from './labels.js';
import type { ItemSelect } from './list-reader.js';

/** The char code of `d`, the first of RESERVED_PREFIX: a key that starts otherwise is passed over without startsWith. */
const PREFIX_FIRST = RESERVED_PREFIX.charCodeAt(0);

/**
 * `labels` with only the gateway's keys (ownershipOf, container-seal.ts read no others); any
 * other value as it is. Only the keys are listed, and a value is read for a kept key alone:
 * `Object.entries` made a pair for each of a container's 300 000 labels, and a tenant's create
 * with such containers of theirs listed spent 763 ms of event loop here (rev-stall).
 */
export function gatewayLabels(labels: unknown): unknown {
  if (!isObject(labels as JsonValue)) return labels;
  const map = labels as Record<string, unknown>;
  const out: Record<string, unknown> = emptyObject();
  const keys = Object.keys(map);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i] as string;
    if (k.charCodeAt(0) === PREFIX_FIRST && k.startsWith(RESERVED_PREFIX)) out[k] = map[k];
  }
  return out;
}

/** Copy the fields `keys` of `item` that it has. */
function pick(item: Record<string, unknown>, keys: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = emptyObject();
  for (const k of keys) if (Object.hasOwn(item, k)) out[k] = item[k];
  return out;
}

/** `Labels`, and `Config.Labels` where an item has them (resolve.ts labelsOf reads that when `Labels` is absent), cut to the gateway's. */
function labelFields(item: Record<string, unknown>, out: Record<string, unknown>): void {
  if ('Labels' in item) out.Labels = gatewayLabels(item.Labels);
  const config = item.Config;
  if (isObject(config as JsonValue) && 'Labels' in (config as Record<string, unknown>)) out.Config = { Labels: gatewayLabels((config as Record<string, unknown>).Labels) };
}

/** An image list item as describeObject('images') and repositoryImages read it. */
export function imageSummary(item: Record<string, unknown>): Record<string, unknown> {
  const out = pick(item, ['Id', 'RepoTags', 'RepoDigests']);
  labelFields(item, out);
  return out;
}

/** A container's `NetworkSettings.Networks` with each endpoint's `NetworkID` only (network-aliases.ts reads no more). */
function endpointIds(settings: unknown): unknown {
  if (!isObject(settings as JsonValue)) return settings;
  const networks = (settings as Record<string, unknown>).Networks;
  if (!isObject(networks as JsonValue)) return { Networks: networks };
  const out: Record<string, unknown> = emptyObject();
  for (const [k, v] of Object.entries(networks as Record<string, unknown>)) out[k] = isObject(v as JsonValue) ? pick(v as Record<string, unknown>, ['NetworkID']) : v;
  return { Networks: out };
}

/**
 * A container list item as describeObject('containers'), describeContainers, quotas and name
 * and alias checks read it: its `Command` only as whether it holds the builder's mark
 * (isBuilderStepContainer), which a summary keeps by the mark alone.
 */
export function containerSummary(item: Record<string, unknown>): Record<string, unknown> {
  const out = pick(item, ['Id', 'Name', 'Names', 'ImageID', 'Image']);
  labelFields(item, out);
  if ('NetworkSettings' in item) out.NetworkSettings = endpointIds(item.NetworkSettings);
  if (isBuilderStepContainer(item)) out.Command = BUILDER_STEP_MARK;
  return out;
}

/** The ItemSelect of a container list look-up: every item, as its summary (one that is no object as it is). */
export const containerSummaries: ItemSelect = (_key, item) => (isObject(item as JsonValue) ? containerSummary(item as Record<string, unknown>) : item);
