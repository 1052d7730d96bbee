/**
 * `maskedPaths: false` refuses overriding the default masked and read-only paths (`/proc/kcore`,
 * `/sys/firmware`, ...). Any list replaces the defaults, and an empty one unmasks everything
 * (what `--security-opt systempaths=unconfined` sends); the CLI sends null otherwise.
 */
import { hostConfigField, hostConfigName, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

/** The fields that replace the default lists, and which paths each list holds. */
const OVERRIDES = [
  { name: hostConfigName('MaskedPaths'), paths: 'masked' },
  { name: hostConfigName('ReadonlyPaths'), paths: 'read-only' },
];

/** The `maskedPaths` guard, as this file's header describes it. */
export const maskedPathsGuard = defineGuard({
  key: 'maskedPaths',
  summary: 'overriding the default masked/read-only paths (HostConfig.MaskedPaths, ReadonlyPaths)',
  operations: CONTAINER_OPS,
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const { name, paths } of OVERRIDES) {
      const found = hostConfigField(facts, name)[0];
      if (found) return { code: 'masked-paths', reason: `${found.path} ${show(found.value)} overrides the default ${paths} paths` };
    }
    return undefined;
  },
});
