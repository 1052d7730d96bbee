/**
 * `devices: false` refuses host devices, device cgroup rules, device requests (GPUs) and block
 * I/O limits per host device (they name host paths). A
 * device request is named, not quoted: its `Options` are driver options.
 */
import { hostConfigField, hostConfigName, isNonEmpty, show } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

/**
 * Block I/O limits per host device (`--device-read-bps /dev/sda:1mb`): each names a host path
 * that dockerd stats when the container starts, and its error says whether the path exists.
 */
const BLKIO_DEVICES = ['BlkioWeightDevice', 'BlkioDeviceReadBps', 'BlkioDeviceWriteBps', 'BlkioDeviceReadIOps', 'BlkioDeviceWriteIOps'];

/** Every HostConfig field the guard refuses when it carries anything. */
const DEVICE_FIELDS = ['Devices', 'DeviceCgroupRules', 'DeviceRequests', ...BLKIO_DEVICES].map((name) => hostConfigName(name));

/** The `devices` guard, as this file's header describes it. */
export const devicesGuard = defineGuard({
  key: 'devices',
  summary: 'host devices (HostConfig.Devices, DeviceCgroupRules, DeviceRequests, Blkio*Device* paths)',
  operations: CONTAINER_OPS,
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    for (const name of DEVICE_FIELDS) {
      for (const f of hostConfigField(facts, name)) {
        if (!isNonEmpty(f.value)) continue;
        const shown = name.name === 'DeviceRequests' ? '' : ` ${show(f.value)}`;
        return { code: 'device', reason: `${f.path}${shown} is not allowed` };
      }
    }
    return undefined;
  },
});
