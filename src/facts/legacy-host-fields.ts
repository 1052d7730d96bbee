/**
 * The legacy top-level HostConfig of a container create: API < 1.24 clients put HostConfig
 * fields beside the Config ones, and dockerd 20.10 decodes the top level into an embedded
 * HostConfig as well, which it uses when the body has no `HostConfig` (absent or null).
 */
import type { JsonObject } from '../core/types.js';
import { goFold } from './go-fold.js';

/**
 * Keys of the wrapper and of container.Config, which are no HostConfig fields: left out of the
 * copy to keep it small. Leaving one out is only tidiness: HostConfig ignores unknown keys,
 * so a Config key missing here is copied and ignored, never misread.
 */
const NOT_HOST_CONFIG = new Set(
  [
    'HostConfig', 'NetworkingConfig', 'Cpuset', 'Hostname', 'Domainname', 'User', 'AttachStdin', 'AttachStdout', 'AttachStderr',
    'ExposedPorts', 'Tty', 'OpenStdin', 'StdinOnce', 'Env', 'Cmd', 'Healthcheck', 'ArgsEscaped', 'Image', 'Volumes', 'WorkingDir',
    'Entrypoint', 'NetworkDisabled', 'MacAddress', 'OnBuild', 'Labels', 'StopSignal', 'StopTimeout', 'Shell',
  ].map(goFold),
);

/**
 * Whether top-level `key` of a create body is read into the legacy HostConfig, its name folded
 * as Go folds it (`Cpuſet` is the wrapper's `Cpuset`, not a host field).
 */
export function isLegacyHostKey(key: string): boolean {
  return !NOT_HOST_CONFIG.has(goFold(key));
}

/** Whether a create body holds legacy top-level host fields: dockerd then has a HostConfig without a `HostConfig` key. */
export function hasLegacyHostFields(body: JsonObject): boolean {
  return Object.keys(body).some(isLegacyHostKey);
}
