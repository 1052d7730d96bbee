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

/**
 * Who a container is counted for in quotas: as containerOwnership, but a container whose image
 * is not found (`imageLabels` undefined) keeps the owner its labels name when it has a
 * CREATED_LABEL. Its owner cannot be proved any more (docs/sharing.md: it has none), yet a
 * tenant who removed the image of their stopped containers (`docker rmi -f`) must not have
 * them drop out of the `containers` quota once the gateway forgets the image's labels (a
 * restart): rev-seal2 F3. Pure.
 */
export function quotaOwnership(labels: JsonValue | undefined, imageLabels: JsonValue | undefined): Ownership {
  if (createdValue(labels) === undefined) return {};
  return imageLabels === undefined ? ownershipOf(labels) : containerOwnership(labels, imageLabels);
}

/**
 * The mark the classic builder puts in the command of the containers it makes for a step that
 * runs nothing (`LABEL`, `ENV`, `COPY`, ... and `ONBUILD` ones): `[shell..., "#(nop) LABEL ..."]`.
 * A `LABEL` step's container has the step's new labels on the previous step's image, so its
 * labels differ from its image's and containerOwnership alone would take a Dockerfile's
 * `LABEL dockgate.owner=alice dockgate.created=x` for alice's container (found by a review:
 * with `--rm=false` it stayed, and alice's `docker-compose start` ran it).
 */
export const BUILDER_STEP_MARK = '#(nop) ';

/** Whether a command (a string, or a list of strings, as bodies and inspect answers hold it) holds BUILDER_STEP_MARK. */
export function holdsBuilderMark(command: JsonValue | undefined): boolean {
  if (typeof command === 'string') return command.includes(BUILDER_STEP_MARK);
  return Array.isArray(command) && command.some((part) => typeof part === 'string' && part.includes(BUILDER_STEP_MARK));
}

/**
 * The `Command` dockerd 20.10's container list shows for a container whose `Path` and `Args` are
 * `parts` (daemon/list.go): the path, then each argument, one holding a space in single quotes,
 * joined by spaces. The mark can appear there across arguments (`"#(nop)", "x"` lists as
 * `#(nop) x`): a container whose list entry holds it is no one's to every check, the lists'
 * included, so creates are refused on this string too (rev-fix-seal N1: split over two
 * arguments, a tenant's containers passed the create check and dropped out of her quotas). Pure.
 */
export function listedCommand(parts: readonly string[]): string {
  const [path = '', ...args] = parts;
  if (args.length === 0) return path;
  return `${path} ${args.map((a) => (a.includes(' ') ? `'${a}'` : a)).join(' ')}`;
}

/**
 * Whether a container (an inspect answer or a list item) is one the classic builder made for a
 * step: its command holds BUILDER_STEP_MARK (inspect: `Config.Cmd`, `Config.Entrypoint`, `Path`,
 * `Args`, and `Path` and `Args` as the list shows them; a list item: `Command`, the path and
 * arguments joined). Such a container has no owner.
 */
export function isBuilderStepContainer(doc: Record<string, unknown>): boolean {
  const config = isObject(doc.Config as JsonValue) ? (doc.Config as Record<string, JsonValue>) : {};
  if ([doc.Command, doc.Path, doc.Args, config.Cmd, config.Entrypoint].some((c) => holdsBuilderMark(c as JsonValue | undefined))) return true;
  if (typeof doc.Path !== 'string') return false;
  const args = Array.isArray(doc.Args) ? doc.Args.filter((a): a is string => typeof a === 'string') : [];
  return holdsBuilderMark(listedCommand([doc.Path, ...args]));
}
