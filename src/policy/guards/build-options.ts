/**
 * `buildOptions: false` refuses build parameters that reach outside the build sandbox:
 * `networkmode` host or `container:<id>`, `remote` (the daemon fetches a URL or git
 * repository), `cgroupparent`, and `isolation` other than the default. Read with Go's
 * FormValue rule (first value; form body over query), as dockerd does. A `remote` URL is
 * quoted in the reason without its credentials.
 */
import { maskUrlCredentials } from '../../observe/url-credentials.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

export const buildOptionsGuard = defineGuard({
  key: 'buildOptions',
  summary: 'build parameters networkmode=host/container:, remote, cgroupparent, isolation',
  operations: [OP.imageBuild],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    const q = facts.query;
    const net = (q.networkmode ?? '').toLowerCase();
    if (net === 'host' || net.startsWith('container:')) return { code: 'build-option', reason: `query networkmode=${JSON.stringify(q.networkmode)} is not allowed` };
    if (q.remote) return { code: 'build-option', reason: `query remote=${JSON.stringify(maskUrlCredentials(q.remote, true))} makes the daemon fetch the build context` };
    if (q.cgroupparent) return { code: 'build-option', reason: `query cgroupparent=${JSON.stringify(q.cgroupparent)} is not allowed` };
    if (q.isolation && q.isolation.toLowerCase() !== 'default') return { code: 'build-option', reason: `query isolation=${JSON.stringify(q.isolation)} is not allowed` };
    return undefined;
  },
});
