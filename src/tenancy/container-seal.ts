/**
 * A proof that the gateway created a container, which no image can carry into one dockerd
 * makes itself. dockerd gives a container the labels of its image under its own (the
 * container's win), and the classic builder's `RUN` containers have exactly the labels of the
 * image they run: the base image's and the Dockerfile's `LABEL`s, which the gateway never
 * reads. Their owner labels proved nothing (a Dockerfile `LABEL dockgate.owner=alice` plus a
 * long `RUN` made a live container that counted as alice's: in her `docker ps`, her quotas, her
 * `docker-compose exec`). So every container the gateway creates under tenancy also gets
 * `dockgate.created=<128 random bits>`, and its owner labels count only when that label is
 * there and differs from the `dockgate.created` label of the image it runs. Pure.
 */
import { randomBytes } from 'node:crypto';
import type { JsonValue } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import { ownershipOf, type Ownership } from './labels.js';

/** The label holding a container's proof of creation through the gateway. */
export const CREATED_LABEL = 'dockgate.created';

/** A fresh value for CREATED_LABEL: 128 random bits, hex. */
export function freshCreatedValue(): string {
  return randomBytes(16).toString('hex');
}

/** A container's own CREATED_LABEL value, when it has a non-empty one. */
function createdValue(labels: JsonValue | undefined): string | undefined {
  if (!isObject(labels)) return undefined;
  const v = labels[CREATED_LABEL];
  return typeof v === 'string' && v !== '' ? v : undefined;
}

/**
 * Whether a container's labels could make it someone's: an owner label and a CREATED_LABEL.
 * Without either it has no owner whatever its image says, and its image need not be looked up.
 */
export function mayBeOwned(labels: JsonValue | undefined): boolean {
  return createdValue(labels) !== undefined && ownershipOf(labels).owner !== undefined;
}

/**
 * Who owns a container with labels `labels` that runs an image with labels `imageLabels`
 * (undefined: the image was not found, or not looked up). Its owner labels count only when its
 * CREATED_LABEL is present and differs from the image's; otherwise it has no owner (`{}`).
 */
export function containerOwnership(labels: JsonValue | undefined, imageLabels: JsonValue | undefined): Ownership {
  const mark = createdValue(labels);
  if (mark === undefined || imageLabels === undefined) return {};
  const imageMark = isObject(imageLabels) ? imageLabels[CREATED_LABEL] : undefined;
  if (imageMark === mark) return {};
  return ownershipOf(labels);
}
