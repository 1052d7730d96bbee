/**
 * `volumeDrivers: { allow: [local] }` limits volume plugins (a third-party driver is a plugin
 * running with host privileges); `false` allows only the built-in `local` driver.
 */
import { field } from '../../facts/go-fold.js';
import { containerSpecField, hostConfigField, hostConfigName, isNonEmpty, show, type Found } from './body.js';
import { defineGuard } from './guard.js';
import { CONTAINER_OPS, OP, SERVICE_OPS } from './operations.js';
import { parseAllowList } from './settings.js';

const VOLUME_DRIVER = hostConfigName('VolumeDriver');
const MOUNTS = hostConfigName('Mounts');

/** The `volumeDrivers` guard, as this file's header describes it. */
export const volumeDriversGuard = defineGuard({
  key: 'volumeDrivers',
  summary: 'volume plugins (HostConfig.VolumeDriver, Mounts[*].VolumeOptions.DriverConfig.Name, volume create Driver)',
  operations: [...CONTAINER_OPS, ...SERVICE_OPS, OP.volumeCreate],
  parse: (value, at, problems) => parseAllowList(value, at, problems),
  check(config, { facts, op }) {
    if (config.any) return undefined;
    const found: Found[] = [...hostConfigField(facts, VOLUME_DRIVER)];
    for (const m of [...hostConfigField(facts, MOUNTS), ...containerSpecField(facts, 'Mounts')]) {
      if (!Array.isArray(m.value)) continue; // the binds guard refuses a non-list
      m.value.forEach((entry, i) => {
        const name = field(entry, 'VolumeOptions', 'DriverConfig', 'Name');
        if (name !== undefined && name !== null) found.push({ path: `${m.path}[${i}].VolumeOptions.DriverConfig.Name`, value: name });
      });
    }
    if (op === OP.volumeCreate) {
      const driver = field(facts.body, 'Driver');
      if (driver !== undefined && driver !== null) found.push({ path: 'Driver', value: driver });
    }
    for (const f of found) {
      if (!isNonEmpty(f.value) || f.value === 'local') continue;
      if (typeof f.value === 'string' && config.allow.includes(f.value)) continue;
      return { code: 'volume-driver', reason: `${f.path} ${show(f.value)} is not an allowed volume driver` };
    }
    return undefined;
  },
});
