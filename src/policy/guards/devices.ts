/**
 * `devices: false` refuses host devices, device cgroup rules and device requests (GPUs). A
 * device request is named, not quoted: its `Options` are driver options.
 */
import { hostConfigField, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

export const devicesGuard = defineGuard({
  key: 'devices',
  summary: 'host devices (HostConfig.Devices, DeviceCgroupRules, DeviceRequests)',
  operations: CONTAINER_OPS,
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const name of ['Devices', 'DeviceCgroupRules', 'DeviceRequests']) {
      for (const f of hostConfigField(facts, name)) {
        if (!isNonEmpty(f.value)) continue;
        const shown = name === 'DeviceRequests' ? '' : ` ${show(f.value)}`;
        return { code: 'device', reason: `${f.path}${shown} is not allowed` };
      }
    }
    return undefined;
  },
});
