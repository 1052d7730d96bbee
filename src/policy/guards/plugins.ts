/**
 * `plugins: false` refuses installing, upgrading, configuring, creating and enabling plugins,
 * and services that deploy plugins: a plugin runs as root with the host privileges it asks for.
 */
import { field } from '../../facts/go-fold.js';
import { isSet, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP, SERVICE_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

const PLUGIN_OPS: readonly string[] = [OP.pluginPull, OP.pluginUpgrade, OP.pluginSet, OP.pluginCreate, OP.pluginEnable];

/** The `plugins` guard, as this file's header describes it. */
export const pluginsGuard = defineGuard({
  key: 'plugins',
  summary: 'plugin install/upgrade/set/create/enable and plugin services (plugins run with host privileges)',
  operations: [...PLUGIN_OPS, ...SERVICE_OPS],
  parse: parseSwitch,
  check(config, { facts, op }) {
    if (!config.refuse) return undefined;
    if (PLUGIN_OPS.includes(op)) return { code: 'plugin', reason: `${op} installs or configures a plugin, which runs with host privileges` };
    if (isSet(field(facts.body, 'TaskTemplate', 'PluginSpec'))) {
      return { code: 'plugin', reason: 'TaskTemplate.PluginSpec deploys a plugin, which runs with host privileges' };
    }
    // dockerd knows only `plugin` exactly (other cases are an unsupported runtime); folding refuses more.
    const runtime = field(facts.body, 'TaskTemplate', 'Runtime');
    if (typeof runtime === 'string' && runtime.toLowerCase() === 'plugin') {
      return { code: 'plugin', reason: `TaskTemplate.Runtime ${show(runtime)} asks for a plugin service, whose plugins run with host privileges` };
    }
    return undefined;
  },
});
