/** `privileged: false` refuses privileged containers and privileged exec sessions. */
import { bodyField, hostConfigField, hostConfigName, isSet, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS, OP } from './operations.js';
import { parseSwitch } from './settings.js';

const PRIVILEGED = hostConfigName('Privileged');

/** The `privileged` guard, as this file's header describes it. */
export const privilegedGuard = defineGuard({
  key: 'privileged',
  summary: 'privileged containers and exec sessions (HostConfig.Privileged, exec Privileged)',
  operations: [...CONTAINER_OPS, OP.execCreate],
  parse: parseSwitch,
  check(config, { facts, op }) {
    if (!config.refuse) return undefined;
    const found = op === OP.execCreate ? bodyField(facts, 'Privileged') : hostConfigField(facts, PRIVILEGED);
    for (const f of found) {
      // Go refuses non-boolean values, but we fail closed on anything but false.
      if (isSet(f.value)) {
        const shown = f.value === true ? '' : ` ${show(f.value)}`;
        return { code: 'privileged', reason: `${f.path}${shown} is not allowed` };
      }
    }
    return undefined;
  },
});
