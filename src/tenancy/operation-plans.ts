/**
 * What tenancy does with each Engine API operation. Operations on owned kinds of objects that
 * are not in this table are refused to non-admins (fail closed): a new route must be
 * classified before tenants may use it.
 */
import type { ObjectKind } from '../policy/tenancy-schema.js';

/** Access an operation needs on the object it names: `read` is granted for shared/unowned objects too. */
export type AccessLevel = 'read' | 'modify';

/** One operation's treatment. */
export type OperationPlan =
  /** Resolve the object named by path parameter `param`, check access, pin the ID. */
  | { kind: 'object'; object: ObjectKind | 'exec'; param: string; level: AccessLevel }
  /** Creates an object: inject owner labels, check references and quotas. */
  | { kind: 'create'; object: ObjectKind }
  /** Lists objects: narrow to what the caller may see. */
  | { kind: 'list'; object: ObjectKind | 'df' | 'events' }
  /** Prunes objects: narrow to the caller's own. */
  | { kind: 'prune'; object: ObjectKind }
  /** Commit a container (`container` query parameter) into an owned image. */
  | { kind: 'commit' }
  /** `docker save` of several images (`names` query values). */
  | { kind: 'save' }
  /** Not an object operation (system info, version, ping, ...): the policy alone decides. */
  | { kind: 'pass' }
  /** Host-wide operations tenants may not run (build cache, swarm, services, plugins, ...). */
  | { kind: 'admin'; reason?: string; /** What a tenant may do instead, added to the refusal. */ advice?: string }
  /**
   * Host-wide objects that are no tenant's: the gateway answers itself (nothing is forwarded)
   * with `answer`, what dockerd answers when there are none to act on.
   */
  | { kind: 'none-owned'; answer: Readonly<Record<string, unknown>>; note: string };

const containerRead = ['ContainerChanges', 'ContainerInspect', 'ContainerTop', 'ContainerStats', 'ContainerLogs', 'ContainerWait'];
const containerModify = [
  'ContainerArchiveInfo', 'ContainerExport', 'ContainerAttachWebsocket', 'ContainerArchive', 'ContainerKill', 'ContainerPause',
  'ContainerUnpause', 'ContainerRestart', 'ContainerStart', 'ContainerStop', 'ContainerResize', 'ContainerAttach', 'ContainerCopy',
  'ContainerExec', 'ContainerRename', 'ContainerUpdate', 'PutContainerArchive', 'ContainerDelete',
  'ContainerCheckpointList', 'ContainerCheckpointCreate', 'ContainerCheckpointDelete',
];

const table: Record<string, OperationPlan> = {
  ContainerCreate: { kind: 'create', object: 'containers' },
  VolumeCreate: { kind: 'create', object: 'volumes' },
  NetworkCreate: { kind: 'create', object: 'networks' },
  ImageBuild: { kind: 'create', object: 'images' },
  ImageCreate: { kind: 'create', object: 'images' },
  // Loaded images carry no owner label and may take over tags: admins only.
  ImageLoad: { kind: 'admin', advice: 'ask a tenancy admin to load it, or push and pull it through a registry' },
  // The BuildKit session tunnel serves the client's own files; /grpc is the whole BuildKit API
  // (builds the gateway never sees the options or the result of).
  Session: { kind: 'pass' },
  Grpc: { kind: 'admin' },
  ImageCommit: { kind: 'commit' },
  // A registry look-up by dockerd: no daemon object is read or changed (as DistributionInspect
  // and SystemAuth, in sections tenancy does not own): the policy alone decides.
  ImageSearch: { kind: 'pass' },
  ImageGetAll: { kind: 'save' },

  ContainerList: { kind: 'list', object: 'containers' },
  VolumeList: { kind: 'list', object: 'volumes' },
  NetworkList: { kind: 'list', object: 'networks' },
  ImageList: { kind: 'list', object: 'images' },
  SystemDataUsage: { kind: 'list', object: 'df' },
  SystemEvents: { kind: 'list', object: 'events' },

  ContainerPrune: { kind: 'prune', object: 'containers' },
  VolumePrune: { kind: 'prune', object: 'volumes' },
  NetworkPrune: { kind: 'prune', object: 'networks' },
  ImagePrune: { kind: 'prune', object: 'images' },
  // The build cache carries no owner, and pruning it removes every tenant's. `system df` shows
  // tenants none, and `docker system prune` ends with this prune: nothing of theirs to remove.
  BuildPrune: { kind: 'none-owned', answer: { CachesDeleted: null, SpaceReclaimed: 0 }, note: 'answered by the gateway, not forwarded: the build cache is no tenant\'s, nothing was deleted' },
  BuildCancel: { kind: 'admin' },

  ExecInspect: { kind: 'object', object: 'exec', param: 'id', level: 'modify' },
  ExecStart: { kind: 'object', object: 'exec', param: 'name', level: 'modify' },
  ExecResize: { kind: 'object', object: 'exec', param: 'name', level: 'modify' },

  ImageHistory: { kind: 'object', object: 'images', param: 'name', level: 'read' },
  ImageInspect: { kind: 'object', object: 'images', param: 'name', level: 'read' },
  ImageAttestations: { kind: 'object', object: 'images', param: 'name', level: 'read' },
  ImageGet: { kind: 'object', object: 'images', param: 'name', level: 'modify' },
  ImagePush: { kind: 'object', object: 'images', param: 'name', level: 'modify' },
  // A new name for an unowned image (a pulled `busybox`) would be everyone's: `docker run` of that
  // name by another tenant runs what the tagger chose. Only one's own images get new names.
  ImageTag: { kind: 'object', object: 'images', param: 'name', level: 'modify' },
  ImageDelete: { kind: 'object', object: 'images', param: 'name', level: 'modify' },

  VolumeInspect: { kind: 'object', object: 'volumes', param: 'name', level: 'read' },
  VolumeUpdate: { kind: 'object', object: 'volumes', param: 'name', level: 'modify' },
  VolumeDelete: { kind: 'object', object: 'volumes', param: 'name', level: 'modify' },

  NetworkInspect: { kind: 'object', object: 'networks', param: 'id', level: 'read' },
  NetworkConnect: { kind: 'object', object: 'networks', param: 'id', level: 'read' },
  NetworkDisconnect: { kind: 'object', object: 'networks', param: 'id', level: 'read' },
  NetworkDelete: { kind: 'object', object: 'networks', param: 'id', level: 'modify' },
};
for (const name of containerRead) table[name] = { kind: 'object', object: 'containers', param: 'name', level: 'read' };
for (const name of containerModify) table[name] = { kind: 'object', object: 'containers', param: 'name', level: 'modify' };

/** Sections whose operations touch owned objects: unclassified operations there are refused. */
export const OWNED_SECTIONS = new Set(['containers', 'exec', 'images', 'volumes', 'networks', 'build', 'checkpoints']);

/**
 * Sections tenants may not use at all: swarm services, tasks and plugins run containers the
 * gateway never sees created (no owner label, no reference checks, no quotas or limits), and
 * swarm, node, secret and config state is shared by every tenant.
 */
const ADMIN_SECTIONS = new Set(['swarm', 'services', 'tasks', 'nodes', 'secrets', 'configs', 'plugins']);

/** The operations this table classifies (the rest fall to their section's default). */
export const CLASSIFIED_OPERATIONS: ReadonlySet<string> = new Set(Object.keys(table));

/** The plan for an operation (by name and section). */
export function planFor(name: string, section: string): OperationPlan {
  if (ADMIN_SECTIONS.has(section)) return { kind: 'admin', reason: `${section === 'swarm' ? 'swarm is' : `${section} are`} outside tenancy's ownership checks, quotas and limits` };
  return table[name] ?? (OWNED_SECTIONS.has(section) ? { kind: 'admin' } : { kind: 'pass' });
}
