/**
 * Engine API operation names the guards inspect, in one place so a rename in the operation
 * table is a one-line change here (the policy tests check every name exists in the table).
 */
export const OP = {
  containerCreate: 'ContainerCreate',
  containerUpdate: 'ContainerUpdate',
  /** POST /containers/{id}/exec: creates an exec instance (swagger calls it ContainerExec). */
  execCreate: 'ContainerExec',
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
  imageBuild: 'ImageBuild',
  imageCreate: 'ImageCreate',
  imageTag: 'ImageTag',
  imagePush: 'ImagePush',
  imageCommit: 'ImageCommit',
  swarmInit: 'SwarmInit',
  swarmJoin: 'SwarmJoin',
  swarmUpdate: 'SwarmUpdate',
} as const;

/** The container-writing operations whose HostConfig the container guards read. */
export const CONTAINER_OPS = [OP.containerCreate, OP.containerUpdate] as const;
/** Service create and update: swarm schedules their containers on this host. */
export const SERVICE_OPS = [OP.serviceCreate, OP.serviceUpdate] as const;
