/**
 * `logDrivers: { allow: [json-file, local] }` limits the logging driver a container or service
 * names (drivers such as syslog, gelf or fluentd send logs to addresses the caller picks);
 * `false` allows only the daemon's default.
 *
 * Not container updates, as for `logOptions` (log-options.ts): dockerd decodes an update body into
 * UpdateConfig (resources and the restart policy), so a LogConfig there is ignored and the
 * container keeps its driver.
 */
import { field } from '../../facts/go-fold.js';
import { hostConfigField, hostConfigName, isNonEmpty, isServiceWrite, show, type Found } from './body.js';
import { defineGuard } from './guard.js';
import { OP, SERVICE_OPS } from './operations.js';
import { parseAllowList } from './settings.js';

const LOG_CONFIG = hostConfigName('LogConfig');

/** The `logDrivers` guard, as this file's header describes it. */
export const logDriversGuard = defineGuard({
  key: 'logDrivers',
  summary: 'the logging driver (HostConfig.LogConfig.Type, service TaskTemplate.LogDriver.Name) by allow list',
  // ContainerStart: dockerd 20.10 applies a start body's HostConfig, LogConfig included (API < 1.24).
  operations: [OP.containerCreate, OP.containerStart, ...SERVICE_OPS],
  parse: (value, at, problems) => parseAllowList(value, at, problems),
  check(config, { facts }) {
    if (config.any) return undefined;
    const found: Found[] = hostConfigField(facts, LOG_CONFIG).map((f) => ({ path: `${f.path}.Type`, value: field(f.value, 'Type') ?? null }));
    if (isServiceWrite(facts)) found.push({ path: 'TaskTemplate.LogDriver.Name', value: field(facts.body, 'TaskTemplate', 'LogDriver', 'Name') ?? null });
    for (const f of found) {
      if (isNonEmpty(f.value) && !(typeof f.value === 'string' && config.allow.includes(f.value))) {
        return { code: 'log-driver', reason: `${f.path} ${show(f.value)} is not an allowed logging driver` };
      }
    }
    return undefined;
  },
});
