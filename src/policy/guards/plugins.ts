/**
 * `plugins: false` refuses installing, upgrading, configuring, creating and enabling plugins,
 * services that deploy plugins, and secrets served by a secret-driver plugin: a plugin runs as
 * root with the host privileges it asks for.
 *
 * A secret's `Driver.Name` names such a plugin (there is no built-in secret driver): the swarm
 * manager calls it for the secret's value for every task that uses the secret (swarmkit
 * manager/drivers). Not refused, as no plugin is run: a secret's or config's `Templating.Name`
 * (swarmkit template/expand.go knows only `golang` and fails a task with any other name,
 * "unrecognized template type"); a config's `Driver` (ConfigSpec has no such field: Go's decoder
 * drops it); and the secret and config updates (swarmkit takes only their `Labels`).
 */
import { field } from '../../facts/go-fold.js';
import { isNonEmpty, isSet, show } from './body.js';
import { defineGuard } from './guard.js';
import { OP, SERVICE_OPS } from './operations.js';
import { parseSwitch } from './settings.js';

const PLUGIN_OPS: readonly string[] = [OP.pluginPull, OP.pluginUpgrade, OP.pluginSet, OP.pluginCreate, OP.pluginEnable];

/** The `plugins` guard, as this file's header describes it. */
export const pluginsGuard = defineGuard({
  key: 'plugins',
  summary: 'plugin install/upgrade/set/create/enable, plugin services and secrets served by a secret-driver plugin (plugins run with host privileges)',
  operations: [...PLUGIN_OPS, ...SERVICE_OPS, OP.secretCreate],
  parse: parseSwitch,
  check(config, { facts, op }) {
    if (!config.refuse) return undefined;
    if (PLUGIN_OPS.includes(op)) return { code: 'plugin', reason: `${op} installs or configures a plugin, which runs with host privileges` };
    if (op === OP.secretCreate) {
      // An empty name is no driver (the daemon refuses it); any other value, of any type, fails closed.
      const driver = field(facts.body, 'Driver', 'Name');
      if (isNonEmpty(driver)) return { code: 'plugin', reason: `Driver.Name ${show(driver)} has the secret served by a secret-driver plugin, which runs with host privileges for every task that uses the secret` };
      return undefined;
    }
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
