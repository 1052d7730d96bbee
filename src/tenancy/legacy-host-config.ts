/**
 * The legacy top-level HostConfig of a container create (API < 1.24 clients put HostConfig
 * fields beside the Config ones). dockerd 20.10 decodes the top level into an embedded
 * HostConfig as well and uses it only when the body has no `HostConfig` (of it, with a
 * `HostConfig` present, it keeps only Memory, MemorySwap, CpuShares, CpusetCpus and
 * VolumeDriver, and only where the inner one leaves them unset). Tenancy's rewrites (pinned
 * references, injected limits) put a `HostConfig` in, so without this step a legacy body's
 * binds, volumes-from, links and every other host setting were dropped silently.
 */
import type { JsonObject } from '../core/types.js';
import { field } from '../facts/go-fold.js';
import { isLegacyHostKey } from '../facts/legacy-host-fields.js';
import { goSet } from './labels.js';
import { copyBody, emptyObject } from './body-copy.js';

/**
 * When `body` has no `HostConfig` (absent or null) but holds legacy top-level host fields,
 * set `HostConfig` to a copy of them: the HostConfig dockerd would have used. The top-level
 * copies stay (dockerd ignores them once `HostConfig` is set, but for the five merged fields,
 * which then equal the inner ones). Changes `body` in place.
 */
export function promoteLegacyHostConfig(body: JsonObject): void {
  const inner = field(body, 'HostConfig');
  if (inner !== undefined && inner !== null) return;
  const legacy = emptyObject();
  for (const [key, value] of Object.entries(body)) {
    if (isLegacyHostKey(key)) legacy[key] = copyBody(value);
  }
  if (Object.keys(legacy).length > 0) goSet(body, 'HostConfig', legacy);
}
