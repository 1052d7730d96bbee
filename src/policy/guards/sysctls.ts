/**
 * `sysctls: { allow: [net.ipv4.ping_group_range, "net.core.*"] }` limits namespaced sysctls a
 * container or service sets (a trailing `*` matches any suffix); `sysctls: false` allows none.
 */
import { containerSpecField, hostConfigField, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS, SERVICE_OPS } from './operations.js';
import { parseAllowList } from './settings.js';
import { isObject } from '../../facts/go-fold.js';

function allowed(name: string, allow: readonly string[]): boolean {
  return allow.some((a) => (a.endsWith('*') ? name.startsWith(a.slice(0, -1)) : name === a));
}

export const sysctlsGuard = defineGuard({
  key: 'sysctls',
  summary: 'kernel parameters (HostConfig.Sysctls, service ContainerSpec.Sysctls) by allow list',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS],
  parse: (value, at, problems) => parseAllowList(value, at, problems),
  check(config, { facts }) {
    if (config.any) return undefined;
    for (const f of [...hostConfigField(facts, 'Sysctls'), ...containerSpecField(facts, 'Sysctls')]) {
      if (!isObject(f.value)) return { code: 'sysctl', reason: `${f.path} ${show(f.value)} is not a map` };
      for (const name of Object.keys(f.value)) {
        if (!allowed(name, config.allow)) return { code: 'sysctl', reason: `${f.path} ${show(name)} is not an allowed sysctl` };
      }
    }
    return undefined;
  },
});
