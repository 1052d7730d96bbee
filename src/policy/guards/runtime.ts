/** `runtimes: { allow: [runc] }` limits the OCI runtime a container names; `false` allows only the default. */
import { hostConfigField, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseAllowList } from './settings.js';

export const runtimeGuard = defineGuard({
  key: 'runtimes',
  summary: 'the OCI runtime (HostConfig.Runtime) by allow list',
  // A legacy start body (API < 1.24) replaces the HostConfig, Runtime included.
  operations: [OP.containerCreate, OP.containerStart],
  parse: (value, at, problems) => parseAllowList(value, at, problems),
  check(config, { facts }) {
    if (config.any) return undefined;
    for (const f of hostConfigField(facts, 'Runtime')) {
      if (isNonEmpty(f.value) && !(typeof f.value === 'string' && config.allow.includes(f.value))) {
        return { code: 'runtime', reason: `${f.path} ${show(f.value)} is not an allowed runtime` };
      }
    }
    return undefined;
  },
});
