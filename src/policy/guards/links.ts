/**
 * `links: false` refuses legacy links (`--link prod:db`, HostConfig.Links and its legacy
 * top-level copy). On the default bridge dockerd copies the linked container's `Env` into the
 * new one (`DB_ENV_DB_PASSWORD=...`) and its address into `/etc/hosts`, and registers
 * `<new>/<alias>` as a second name of the linked container (such names are refused on the
 * container routes anyway: src/facts/link-name.ts). A switch, not an allow list: a link names
 * its target by name, ID or ID prefix, which no list of names could pin.
 * Endpoint links on user-defined networks (`NetworkingConfig.EndpointsConfig.<net>.Links`,
 * `network connect --link`) are DNS aliases only (no environment, no name) and are not read.
 */
import { hostConfigField, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/** `links`: refuse legacy links on container create (and a legacy start body). */
export const linksGuard = defineGuard({
  key: 'links',
  summary: "legacy links to another container, which copy its environment (HostConfig.Links)",
  // Not ContainerUpdate: its body (UpdateConfig) has no links. ContainerStart: a legacy start
  // body is a HostConfig dockerd applies (refused before the policy; read as a create's).
  operations: [OP.containerCreate, OP.containerStart],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const f of hostConfigField(facts, 'Links')) {
      if (isNonEmpty(f.value)) return { code: 'links', reason: `${f.path} ${show(f.value)} is not allowed (a link copies the linked container's environment)` };
    }
    return undefined;
  },
});
