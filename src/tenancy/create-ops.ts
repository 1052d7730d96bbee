/**
 * Operations that make objects: the owner labels are injected (a client may not set them),
 * referenced objects must be the caller's or shared, and quotas and limits apply.
 */
import type { JsonValue } from '../core/types.js';
import { field, isObject } from '../facts/go-fold.js';
import { buildChange } from './build-ops.js';
import { buildResultCheck, buildTags } from './build-result-check.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, forward, type TenancyVerdict } from './hook.js';
import { containerNameKey, underNameLock, underNameLocks } from './name-lock.js';
import { isReservedLabel, ownerLabels } from './labels.js';
import { tagReference } from './image-set.js';
import { tagOver } from './tag-over.js';
import { createReferences } from './references.js';
import { rebuildTarget } from './target.js';
import { containerCreate, MAX_REFERENCES } from './container-create.js';
import { withForm } from './create-forward.js';
import { reserved } from './create-refusals.js';
import { importOrCommit } from './import-or-commit.js';
import { namedCreate } from './named-create.js';

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
