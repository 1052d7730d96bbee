/**
 * `buildOptions: false` refuses build parameters that reach outside the build sandbox:
 * `networkmode` other than `default`, `bridge` or `none` (host, `container:<id>`, or a network
 * by name, possibly another user's), a `remote` context the daemon fetches (a URL or git
 * repository), `cgroupparent`, and `isolation` other than the default. Read with Go's
 * FormValue rule (first value; form body over query), as dockerd does. A `remote` URL is
 * quoted in the reason without its credentials.
 *
 * `remote=client-session` is not a fetch: it is how the docker CLI and buildx say that the
 * context comes over the client's own session (`/session`). dockerd compares it exactly
 * (moby's `remotecontext.ClientSessionRemote`): BuildKit then sets no `context` for its
 * frontend and reads the client's files through the session; the classic builder read them
 * through the session too (up to 19.03) or refuses the value (20.10 on). Any other spelling
 * is a remote and refused.
 */
import { maskUrlCredentials } from '../../observe/url-credentials.js';
import { defineGuard } from './guard.js';
import { OP } from './operations.js';
import { parseSwitch } from './settings.js';

/** The `remote` value that names the client's session, not a place the daemon fetches from. */
export const CLIENT_SESSION_REMOTE = 'client-session';

/** The build networks that are no one's: the daemon's default, its bridge, and none. */
const BUILD_NETWORKS = ['default', 'bridge', 'none'];

/** The `buildOptions` guard, as this file's header describes it. */
export const buildOptionsGuard = defineGuard({
  key: 'buildOptions',
  summary: 'build parameters networkmode (other than default/bridge/none), remote (URL or git; not client-session), cgroupparent, isolation',
  operations: [OP.imageBuild],
  parse: parseSwitch,
  check(config, { facts }) {
    if (!config.refuse) return undefined;
    const q = facts.query;
    const net = (q.networkmode ?? '').toLowerCase();
    if (net === 'host') return { code: 'build-option', reason: `query networkmode=${JSON.stringify(q.networkmode)} runs the build's RUN steps on the host's network` };
    if (net.startsWith('container:')) return { code: 'build-option', reason: `query networkmode=${JSON.stringify(q.networkmode)} runs the build's RUN steps in another container's network namespace` };
    // Any other name is a user-defined network, whoever's it is: the RUN steps join it, resolve
    // its containers' names and reach them. dockerd compares these three names exactly.
    if (q.networkmode && !BUILD_NETWORKS.includes(q.networkmode)) {
      return { code: 'build-option', reason: `query networkmode=${JSON.stringify(q.networkmode)} runs the build's RUN steps on that network (only default, bridge and none are allowed)` };
    }
    if (q.remote && q.remote !== CLIENT_SESSION_REMOTE) {
      return { code: 'build-option', reason: `query remote=${JSON.stringify(maskUrlCredentials(q.remote, true))} makes the daemon fetch the build context (a URL or git repository): send the context with the request or over the client's session` };
    }
    if (q.cgroupparent) return { code: 'build-option', reason: `query cgroupparent=${JSON.stringify(q.cgroupparent)} places the build's RUN steps in a cgroup of the caller's choosing` };
    if (q.isolation && q.isolation.toLowerCase() !== 'default') return { code: 'build-option', reason: `query isolation=${JSON.stringify(q.isolation)} is not allowed: only the daemon's default isolation` };
    return undefined;
  },
});
