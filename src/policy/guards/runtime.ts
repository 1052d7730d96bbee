/**
 * `runtimes: { allow: [runc] }` limits the OCI runtime a container names; `false` allows only
 * the default. Either way (anything but `true`) `HostConfig.Annotations` (API 1.43) are
 * refused: dockerd hands them to the runtime unchecked, and runtimes act on some of them
 * (runc: `org.systemd.property.*` for the container's systemd unit, `org.criu.config`; crun:
 * `run.oci.*`).
 */
import { hostConfigField, hostConfigName, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseAllowList } from './settings.js';

const RUNTIME = hostConfigName('Runtime');
const ANNOTATIONS = hostConfigName('Annotations');

/** The `runtimes` guard, as this file's header describes it. */
export const runtimeGuard = defineGuard({
  key: 'runtimes',
  summary: 'the OCI runtime (HostConfig.Runtime) by allow list, and runtime annotations (HostConfig.Annotations)',
  // A legacy start body (API < 1.24) replaces the HostConfig, Runtime included.
  operations: [OP.containerCreate, OP.containerStart],
  parse: (value, at, problems) => parseAllowList(value, at, problems),
  check(config, { facts }) {
    if (config.any) return undefined;
    for (const f of hostConfigField(facts, RUNTIME)) {
      if (isNonEmpty(f.value) && !(typeof f.value === 'string' && config.allow.includes(f.value))) {
        return { code: 'runtime', reason: `${f.path} ${show(f.value)} is not an allowed runtime` };
      }
    }
    for (const f of hostConfigField(facts, ANNOTATIONS)) {
      if (isNonEmpty(f.value)) return { code: 'runtime', reason: `${f.path} ${show(f.value)}: annotations for the runtime are not allowed` };
    }
    return undefined;
  },
});
