/**
 * `links: false` refuses legacy links (`--link prod:db`, HostConfig.Links and its legacy
 * top-level copy). On the default bridge dockerd copies the linked container's `Env` into the
 * new one (`DB_ENV_DB_PASSWORD=...`) and its address into `/etc/hosts`, and registers
 * `<new>/<alias>` as a second name of the linked container (such names are refused on the
 * container routes anyway: src/facts/link-name.ts). A switch, not an allow list: a link names
 * its target by name, ID or ID prefix, which no list of names could pin.
 * dockerd makes a link legacy only when the container's NetworkMode is not a user-defined
 * network (its `registerLinks` returns early for `NetworkMode.IsUserDefined()`, a test of the
 * string alone: see userDefinedNetworkMode); on a user-defined network HostConfig.Links, like an
 * endpoint's links (`NetworkingConfig.EndpointsConfig.<net>.Links`, `network connect --link`),
 * are DNS aliases only (no environment, no second name), and are not refused. docker-compose v1
 * puts HostConfig.Links on the one-off containers of `compose run`, on the project's network.
 */
import type { JsonValue } from '../../core/types.js';
import { field } from '../../facts/go-fold.js';
import { hostConfigField, hostConfigName, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/**
 * Whether a NetworkMode value is what dockerd 20.10 calls user-defined
 * (`container.NetworkMode.IsUserDefined`): a string other than `default`, `bridge`, `host`,
 * `none` and `container:<x>`, compared exactly (`Bridge` is user-defined, as is the default
 * bridge's ID). Absent, null or "" is `default` to dockerd (SetDefaultNetModeIfBlank); any other
 * JSON type fails its decoding: neither is user-defined.
 */
export function userDefinedNetworkMode(mode: JsonValue | undefined): boolean {
  if (typeof mode !== 'string' || mode === '') return false;
  if (mode === 'default' || mode === 'bridge' || mode === 'host' || mode === 'none') return false;
  return !mode.startsWith('container:');
}

const LINKS = hostConfigName('Links');

/** `links`: refuse legacy links on container create (and a legacy start body). */
export const linksGuard = defineGuard({
  key: 'links',
  summary: "legacy links to another container, which copy its environment (HostConfig.Links off a user-defined network)",
  // Not ContainerUpdate: its body (UpdateConfig) has no links. ContainerStart: a legacy start
  // body is a HostConfig dockerd applies (refused before the policy; read as a create's, and
  // its links refused whatever its NetworkMode: the container's own network was set at create).
  operations: [OP.containerCreate, OP.containerStart],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    const create = facts.operation?.name === 'ContainerCreate';
    for (const f of hostConfigField(facts, LINKS)) {
      if (!isNonEmpty(f.value)) continue;
      // Each copy (HostConfig, the legacy top level) is dockerd's HostConfig with its own NetworkMode.
      const mode = f.path === 'Links' ? field(facts.body, 'NetworkMode') : field(facts.body, 'HostConfig', 'NetworkMode');
      if (create && userDefinedNetworkMode(mode)) continue;
      return { code: 'links', reason: `${f.path} ${show(f.value)} is not allowed (a link off a user-defined network copies the linked container's environment)` };
    }
    return undefined;
  },
});
