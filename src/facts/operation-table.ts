/**
 * Every route dockerd registers (20.10 through master), in dockerd's registration order,
 * which is also the order gorilla/mux tries them. Facts copied from the Engine API sources;
 * `power` and `body` are this project's classification:
 * - `read`: plain reads; `write`: anything that changes state or can write to a process
 *   (attach, exec start, websocket attach, the BuildKit `/session` and `/grpc` tunnels);
 *   `exfiltrate`: reads (or pushes) that move whole filesystems, images or secrets out, and
 *   reads that make the daemon fetch from a network address the caller chooses (registry
 *   look-ups on the host's network: SSRF, port scans, error bodies echoed back) or list a
 *   host directory the caller names.
 * - `json`: the JSON body carries power, so the gateway buffers and inspects it.
 */
import type { BodyKind, Operation, Power } from '../core/types.js';

/** Options of a table row that differ from the common case (stream body, no hijack, short response). */
interface RowOptions {
  body?: BodyKind;
  hijack?: boolean;
  streaming?: boolean;
  min?: string;
}

function row(
  name: string,
  method: string,
  pattern: string,
  section: string,
  power: Power,
  opts: RowOptions = {},
): Operation {
  const op: Operation = {
    name,
    method,
    pattern,
    section,
    power,
    body: opts.body ?? 'stream',
    hijack: opts.hijack ?? false,
    streaming: opts.streaming ?? false,
  };
  if (opts.min !== undefined) op.minApiVersion = opts.min;
  return Object.freeze(op);
}

const J = { body: 'json' } as const;
const S = { streaming: true } as const;
const HIJACK = { hijack: true, streaming: true } as const;

/** Method of the `/debug/*` routes: any method (dockerd up to 27 registered them without one). */
export const ANY_METHOD = '*';

/** The operation table, in registration order. Do not reorder: the first match wins. */
export const OPERATION_TABLE: readonly Operation[] = Object.freeze([
  // Checkpoint router first, so the greedy DELETE /containers/{name:.*} does not mask it.
  // The list reads `?dir=` as the directory to list: any host directory (experimental daemons).
  row('ContainerCheckpointList', 'GET', '/containers/{name:.*}/checkpoints', 'checkpoints', 'exfiltrate'),
  row('ContainerCheckpointCreate', 'POST', '/containers/{name:.*}/checkpoints', 'checkpoints', 'write', J),
  row('ContainerCheckpointDelete', 'DELETE', '/containers/{name}/checkpoints/{checkpoint}', 'checkpoints', 'write'),

  // Container router.
  row('ContainerArchiveInfo', 'HEAD', '/containers/{name:.*}/archive', 'containers', 'exfiltrate'),
  row('ContainerList', 'GET', '/containers/json', 'containers', 'read'),
  row('ContainerExport', 'GET', '/containers/{name:.*}/export', 'containers', 'exfiltrate', S),
  row('ContainerChanges', 'GET', '/containers/{name:.*}/changes', 'containers', 'read'),
  row('ContainerInspect', 'GET', '/containers/{name:.*}/json', 'containers', 'read'),
  row('ContainerTop', 'GET', '/containers/{name:.*}/top', 'containers', 'read'),
  row('ContainerLogs', 'GET', '/containers/{name:.*}/logs', 'containers', 'read', S),
  row('ContainerStats', 'GET', '/containers/{name:.*}/stats', 'containers', 'read', S),
  row('ContainerAttachWebsocket', 'GET', '/containers/{name:.*}/attach/ws', 'containers', 'write', HIJACK),
  row('ExecInspect', 'GET', '/exec/{id:.*}/json', 'exec', 'read'),
  row('ContainerArchive', 'GET', '/containers/{name:.*}/archive', 'containers', 'exfiltrate', S),
  row('ContainerCreate', 'POST', '/containers/create', 'containers', 'write', J),
  row('ContainerKill', 'POST', '/containers/{name:.*}/kill', 'containers', 'write'),
  row('ContainerPause', 'POST', '/containers/{name:.*}/pause', 'containers', 'write'),
  row('ContainerUnpause', 'POST', '/containers/{name:.*}/unpause', 'containers', 'write'),
  row('ContainerRestart', 'POST', '/containers/{name:.*}/restart', 'containers', 'write'),
  // API < 1.24 (20.10) accepts a HostConfig body on start: inspect it like create.
  row('ContainerStart', 'POST', '/containers/{name:.*}/start', 'containers', 'write', J),
  row('ContainerStop', 'POST', '/containers/{name:.*}/stop', 'containers', 'write'),
  row('ContainerWait', 'POST', '/containers/{name:.*}/wait', 'containers', 'read', S),
  row('ContainerResize', 'POST', '/containers/{name:.*}/resize', 'containers', 'write'),
  row('ContainerAttach', 'POST', '/containers/{name:.*}/attach', 'containers', 'write', HIJACK),
  // 20.10 only, API < 1.24 only (404 otherwise): copies a host-visible path out of a container.
  row('ContainerCopy', 'POST', '/containers/{name:.*}/copy', 'containers', 'exfiltrate', J),
  row('ContainerExec', 'POST', '/containers/{name:.*}/exec', 'exec', 'write', J),
  row('ExecStart', 'POST', '/exec/{name:.*}/start', 'exec', 'write', { body: 'json', ...HIJACK }),
  row('ExecResize', 'POST', '/exec/{name:.*}/resize', 'exec', 'write'),
  row('ContainerRename', 'POST', '/containers/{name:.*}/rename', 'containers', 'write'),
  row('ContainerUpdate', 'POST', '/containers/{name:.*}/update', 'containers', 'write', J),
  row('ContainerPrune', 'POST', '/containers/prune', 'containers', 'write', { min: '1.25' }),
  row('ImageCommit', 'POST', '/commit', 'images', 'write', J),
  row('PutContainerArchive', 'PUT', '/containers/{name:.*}/archive', 'containers', 'write'),
  row('ContainerDelete', 'DELETE', '/containers/{name:.*}', 'containers', 'write'),

  // Image router.
  row('ImageList', 'GET', '/images/json', 'images', 'read'),
  // `term=host:port/x` makes dockerd query that host as a registry.
  row('ImageSearch', 'GET', '/images/search', 'images', 'exfiltrate'),
  row('ImageGetAll', 'GET', '/images/get', 'images', 'exfiltrate', S),
  row('ImageGet', 'GET', '/images/{name:.*}/get', 'images', 'exfiltrate', S),
  row('ImageHistory', 'GET', '/images/{name:.*}/history', 'images', 'read'),
  row('ImageInspect', 'GET', '/images/{name:.*}/json', 'images', 'read'),
  row('ImageAttestations', 'GET', '/images/{name:.*}/attestations', 'images', 'read', { min: '1.55' }),
  row('ImageLoad', 'POST', '/images/load', 'images', 'write', S),
  row('ImageCreate', 'POST', '/images/create', 'images', 'write', S),
  // Pushing sends local image content to a registry the client names.
  row('ImagePush', 'POST', '/images/{name:.*}/push', 'images', 'exfiltrate', S),
  row('ImageTag', 'POST', '/images/{name:.*}/tag', 'images', 'write'),
  row('ImagePrune', 'POST', '/images/prune', 'images', 'write', { min: '1.25' }),
  row('ImageDelete', 'DELETE', '/images/{name:.*}', 'images', 'write'),

  // System router.
  row('CorsPreflight', 'OPTIONS', '/{anyroute:.*}', 'system', 'read'),
  row('SystemPing', 'GET', '/_ping', 'system', 'read'),
  row('SystemPingHead', 'HEAD', '/_ping', 'system', 'read'),
  row('SystemEvents', 'GET', '/events', 'system', 'read', S),
  row('SystemInfo', 'GET', '/info', 'system', 'read'),
  row('SystemVersion', 'GET', '/version', 'system', 'read'),
  row('SystemDataUsage', 'GET', '/system/df', 'system', 'read'),
  // Makes the daemon log in to a server the body names (credentials in the body: never log it):
  // a fetch from an address the caller chooses, answered with the server's verdict (SSRF, a
  // password-guessing oracle), so exfiltrate like the other registry look-ups.
  row('SystemAuth', 'POST', '/auth', 'system', 'exfiltrate', J),

  // Volume router.
  row('VolumeList', 'GET', '/volumes', 'volumes', 'read'),
  row('VolumeInspect', 'GET', '/volumes/{name:.*}', 'volumes', 'read'),
  row('VolumeCreate', 'POST', '/volumes/create', 'volumes', 'write', J),
  row('VolumePrune', 'POST', '/volumes/prune', 'volumes', 'write', { min: '1.25' }),
  row('VolumeUpdate', 'PUT', '/volumes/{name:.*}', 'volumes', 'write', { body: 'json', min: '1.42' }),
  row('VolumeDelete', 'DELETE', '/volumes/{name:.*}', 'volumes', 'write'),

  // Build router, then the BuildKit session (h2c hijack: full BuildKit API, so build power).
  row('ImageBuild', 'POST', '/build', 'build', 'write', S),
  row('BuildPrune', 'POST', '/build/prune', 'build', 'write', { min: '1.31' }),
  row('BuildCancel', 'POST', '/build/cancel', 'build', 'write'),
  row('Session', 'POST', '/session', 'build', 'write', HIJACK),

  // Swarm router.
  row('SwarmInit', 'POST', '/swarm/init', 'swarm', 'write', J),
  row('SwarmJoin', 'POST', '/swarm/join', 'swarm', 'write', J),
  row('SwarmLeave', 'POST', '/swarm/leave', 'swarm', 'write'),
  // Returns the join tokens.
  row('SwarmInspect', 'GET', '/swarm', 'swarm', 'exfiltrate'),
  row('SwarmUnlockkey', 'GET', '/swarm/unlockkey', 'swarm', 'exfiltrate'),
  row('SwarmUpdate', 'POST', '/swarm/update', 'swarm', 'write', J),
  row('SwarmUnlock', 'POST', '/swarm/unlock', 'swarm', 'write', J),
  row('ServiceList', 'GET', '/services', 'services', 'read'),
  row('ServiceInspect', 'GET', '/services/{id}', 'services', 'read'),
  row('ServiceCreate', 'POST', '/services/create', 'services', 'write', J),
  row('ServiceUpdate', 'POST', '/services/{id}/update', 'services', 'write', J),
  row('ServiceDelete', 'DELETE', '/services/{id}', 'services', 'write'),
  row('ServiceLogs', 'GET', '/services/{id}/logs', 'services', 'read', S),
  row('NodeList', 'GET', '/nodes', 'nodes', 'read'),
  row('NodeInspect', 'GET', '/nodes/{id}', 'nodes', 'read'),
  row('NodeDelete', 'DELETE', '/nodes/{id}', 'nodes', 'write'),
  row('NodeUpdate', 'POST', '/nodes/{id}/update', 'nodes', 'write', J),
  row('TaskList', 'GET', '/tasks', 'tasks', 'read'),
  row('TaskInspect', 'GET', '/tasks/{id}', 'tasks', 'read'),
  row('TaskLogs', 'GET', '/tasks/{id}/logs', 'tasks', 'read', S),
  row('SecretList', 'GET', '/secrets', 'secrets', 'read', { min: '1.25' }),
  row('SecretCreate', 'POST', '/secrets/create', 'secrets', 'write', { body: 'json', min: '1.25' }),
  row('SecretDelete', 'DELETE', '/secrets/{id}', 'secrets', 'write', { min: '1.25' }),
  row('SecretInspect', 'GET', '/secrets/{id}', 'secrets', 'read', { min: '1.25' }),
  row('SecretUpdate', 'POST', '/secrets/{id}/update', 'secrets', 'write', { body: 'json', min: '1.25' }),
  row('ConfigList', 'GET', '/configs', 'configs', 'read', { min: '1.30' }),
  row('ConfigCreate', 'POST', '/configs/create', 'configs', 'write', { body: 'json', min: '1.30' }),
  row('ConfigDelete', 'DELETE', '/configs/{id}', 'configs', 'write', { min: '1.30' }),
  row('ConfigInspect', 'GET', '/configs/{id}', 'configs', 'read', { min: '1.30' }),
  row('ConfigUpdate', 'POST', '/configs/{id}/update', 'configs', 'write', { body: 'json', min: '1.30' }),

  // Plugin router. Pull/upgrade bodies are the privileges the client grants: inspect them.
  row('PluginList', 'GET', '/plugins', 'plugins', 'read'),
  row('PluginInspect', 'GET', '/plugins/{name:.*}/json', 'plugins', 'read'),
  row('GetPluginPrivileges', 'GET', '/plugins/privileges', 'plugins', 'exfiltrate'), // fetches `remote` from its registry
  row('PluginDelete', 'DELETE', '/plugins/{name:.*}', 'plugins', 'write'),
  row('PluginEnable', 'POST', '/plugins/{name:.*}/enable', 'plugins', 'write'),
  row('PluginDisable', 'POST', '/plugins/{name:.*}/disable', 'plugins', 'write'),
  row('PluginPull', 'POST', '/plugins/pull', 'plugins', 'write', { body: 'json', streaming: true }),
  row('PluginPush', 'POST', '/plugins/{name:.*}/push', 'plugins', 'exfiltrate', S),
  row('PluginUpgrade', 'POST', '/plugins/{name:.*}/upgrade', 'plugins', 'write', {
    body: 'json',
    streaming: true,
    min: '1.26',
  }),
  row('PluginSet', 'POST', '/plugins/{name:.*}/set', 'plugins', 'write', J),
  row('PluginCreate', 'POST', '/plugins/create', 'plugins', 'write'),

  // Distribution router: fetches the manifest from the registry the name's host part names.
  row('DistributionInspect', 'GET', '/distribution/{name:.*}/json', 'distribution', 'exfiltrate', { min: '1.30' }),

  // gRPC router (h2c hijack to BuildKit): build power.
  row('Grpc', 'POST', '/grpc', 'build', 'write', HIJACK),

  // Network router (registered only when networking is enabled; harmless to match otherwise).
  row('NetworkList', 'GET', '/networks', 'networks', 'read'),
  row('NetworkList', 'GET', '/networks/', 'networks', 'read'),
  row('NetworkInspect', 'GET', '/networks/{id:.+}', 'networks', 'read'),
  row('NetworkCreate', 'POST', '/networks/create', 'networks', 'write', J),
  row('NetworkConnect', 'POST', '/networks/{id:.*}/connect', 'networks', 'write', J),
  row('NetworkDisconnect', 'POST', '/networks/{id:.*}/disconnect', 'networks', 'write', J),
  row('NetworkPrune', 'POST', '/networks/prune', 'networks', 'write', { min: '1.25' }),
  row('NetworkDelete', 'DELETE', '/networks/{id:.*}', 'networks', 'write'),

  // Debug routes, registered last: always on, any method up to docker 27, leak memory and args.
  row('DebugVars', ANY_METHOD, '/debug/vars', 'debug', 'exfiltrate'),
  row('DebugPprofIndex', ANY_METHOD, '/debug/pprof/', 'debug', 'exfiltrate'),
  row('DebugPprofCmdline', ANY_METHOD, '/debug/pprof/cmdline', 'debug', 'exfiltrate'),
  row('DebugPprofProfile', ANY_METHOD, '/debug/pprof/profile', 'debug', 'exfiltrate', S),
  row('DebugPprofSymbol', ANY_METHOD, '/debug/pprof/symbol', 'debug', 'exfiltrate'),
  row('DebugPprofTrace', ANY_METHOD, '/debug/pprof/trace', 'debug', 'exfiltrate', S),
  row('DebugPprof', ANY_METHOD, '/debug/pprof/{name}', 'debug', 'exfiltrate'),
]);
