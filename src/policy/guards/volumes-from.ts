/** `volumesFrom: false` refuses mounting another container's volumes (and so its binds). */
import { hostConfigField, hostConfigName, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

const VOLUMES_FROM = hostConfigName('VolumesFrom');

/** The `volumesFrom` guard, as this file's header describes it. */
export const volumesFromGuard = defineGuard({
  key: 'volumesFrom',
  summary: "another container's volumes and binds (HostConfig.VolumesFrom)",
  operations: CONTAINER_OPS,
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of hostConfigField(facts, VOLUMES_FROM)) {
      if (isNonEmpty(f.value)) return { code: 'volumes-from', reason: `${f.path} ${show(f.value)} is not allowed` };
    }
    return undefined;
  },
});
