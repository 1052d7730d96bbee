/**
 * Engine API operation names the guards inspect, in one place so a rename in the operation
 * table is a one-line change here (the policy tests check every name exists in the table).
 */
export const OP = {
  containerCreate: 'ContainerCreate',
  containerUpdate: 'ContainerUpdate',
  /** POST /containers/{id}/start: on API < 1.24 dockerd 20.10 takes a whole HostConfig body and applies it. */
  containerStart: 'ContainerStart',
  /** POST /containers/{id}/exec: creates an exec instance (swagger calls it ContainerExec). */
  execCreate: 'ContainerExec',
  /**
   * POST /exec/{id}/start: runs an exec instance, which may be another identity's; the guards of
   * exec creates run on it too (src/policy/exec-start.ts), not listed in their `operations`.
   */
  execStart: 'ExecStart',
  /** GET /containers/{id}/top: dockerd runs the host's ps with the caller's `ps_args`. */
  containerTop: 'ContainerTop',
  volumeCreate: 'VolumeCreate',
  networkCreate: 'NetworkCreate',
  networkConnect: 'NetworkConnect',
  serviceCreate: 'ServiceCreate',
  serviceUpdate: 'ServiceUpdate',
  pluginPull: 'PluginPull',
  pluginUpgrade: 'PluginUpgrade',
  pluginSet: 'PluginSet',
  pluginCreate: 'PluginCreate',
  pluginEnable: 'PluginEnable',
  /** POST /secrets/create: a secret's `Driver` names a secret-driver plugin. */
  secretCreate: 'SecretCreate',
  imageBuild: 'ImageBuild',
  imageCreate: 'ImageCreate',
  imageTag: 'ImageTag',
  imagePush: 'ImagePush',
  imageCommit: 'ImageCommit',
  swarmInit: 'SwarmInit',
  swarmJoin: 'SwarmJoin',
  swarmUpdate: 'SwarmUpdate',
} as const;

/**
 * The container-writing operations whose HostConfig the container guards read. ContainerStart
 * is one of them: dockerd 20.10 replaces the container's HostConfig with a start body sent on
 * API < 1.24 (Privileged, Binds, CapAdd, ... all take effect).
 */
export const CONTAINER_OPS = [OP.containerCreate, OP.containerUpdate, OP.containerStart] as const;

/** True for the operations in CONTAINER_OPS. */
export function isContainerOp(op: string): boolean {
  return (CONTAINER_OPS as readonly string[]).includes(op);
}
/** Service create and update: swarm schedules their containers on this host. */
export const SERVICE_OPS = [OP.serviceCreate, OP.serviceUpdate] as const;
