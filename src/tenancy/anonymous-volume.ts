/**
 * Volumes dockerd makes for an image's `VOLUME` paths (or a create's `Config.Volumes`) carry no
 * labels, so no owner. docker-compose recreates a service by naming the old container's
 * anonymous volume in the new container's binds (`<volume id>:/var/lib/data`); refused as
 * another tenant's, the recreate failed after compose had already stopped and renamed the old
 * container, and the data was stranded in a volume its user could neither see nor remove.
 */
import { containerSummaries } from './list-items.js';
import type { JsonValue } from '../core/types.js';
import { isObject } from '../facts/go-fold.js';
import { accessTo } from './access.js';
import type { TenancyContext } from './context.js';
import { getList, type DaemonAnswer } from './daemon-client.js';
import { describeContainers } from './resolve.js';
import { isAnonymousVolumeName } from './anonymous-volume-name.js';

export { isAnonymousVolumeName };

/**
 * Whether the volume without an owner named `volume` is the caller's by use: it is anonymous
 * (isAnonymousVolumeName), containers use it, and every one of them is the caller's (or its
 * team's) to change. A named one, an unused one, or one a container of someone else (an
 * admin's included) uses, is not. The daemon's own answer when it cannot list them.
 */
export async function usedOnlyByCaller(ctx: TenancyContext, volume: string): Promise<{ mine: boolean } | { answer: DaemonAnswer }> {
  if (!isAnonymousVolumeName(volume)) return { mine: false };
  const filters = JSON.stringify({ volume: [volume] });
  const answer = await getList(ctx.daemon, `/containers/json?all=1&filters=${encodeURIComponent(filters)}`, containerSummaries);
  if (answer.status !== 200 || !Array.isArray(answer.json)) return { answer };
  const users = await describeContainers(ctx.daemon, (answer.json as JsonValue[]).filter(isObject) as Record<string, unknown>[]);
  return { mine: users.length > 0 && users.every((c) => accessTo(ctx.spec, ctx.tenant, c, 'modify') !== 'none') };
}
