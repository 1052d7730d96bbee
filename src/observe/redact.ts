/**
 * What an audit record says about a request body, query and path: a per-operation allow-list
 * of the few fields that matter, never anything else. Secrets stay out by construction: only
 * listed fields are copied, `Env` gives names only, nothing under `Secrets`, `JoinToken`,
 * `Data`, `DriverOpts` values (but `device` and `type`), registry-auth headers or a login's
 * credentials (its `serveraddress` only) is ever read,
 * and URL-valued fields lose their userinfo, query values and fragment
 * (`https://***@host/p?sig=***`); a commit's or import's `changes` give their instruction
 * keywords only; a prune's `label` filters their keys only (prune-filters.ts). Fields are read
 * where dockerd reads them (the HostConfig copy a container create acts on, every spelling of a
 * map key, the first or every value of a query key as its handler reads it, booleans as
 * httputils.BoolValue reads them). Pure functions.
 *
 * The shapes of audit values and the readers that reduce a value to one are in audit-value.ts;
 * the path a record shows is audit-path.ts's, its User-Agent audit-user-agent.ts's.
 */
import type { JsonValue, RequestFacts } from '../core/types.js';
import { apiVersionBelow } from '../facts/api-version.js';
import { changeInstructions } from '../facts/change-instructions.js';
import { field, isObject, mapEntries } from '../facts/go-fold.js';
import { goBoolValue } from '../facts/query.js';
import { pruneFilters } from './prune-filters.js';
import { truncate } from './escape.js';
import { maskRegistryAddress } from './registry-address.js';
import { maskNameCredentials, maskUrlCredentials } from './url-credentials.js';
import { auditValue, buildArgNames, each, envNames, keys, type AuditFields, type AuditValue } from './audit-value.js';

/**
 * A URL-valued query field, or a body's image reference (dockerd refuses one shaped like a URL,
 * but the value a client sent reaches the record first), with its userinfo and query values
 * masked and its fragment dropped (maskUrlCredentials), also each string of a list (a body may
 * send `"Image": ["https://u:p@h/i"]`: dockerd refuses it, the record still shows it); other
 * values as they are. Masked before auditValue truncates, so a long password cannot push its
 * `@` past the cut and escape the mask.
 */
function url(raw: JsonValue | undefined, schemeless = false): JsonValue | undefined {
  if (typeof raw === 'string') return maskUrlCredentials(raw, schemeless);
  return Array.isArray(raw) ? raw.map((item) => (typeof item === 'string' ? maskUrlCredentials(item, schemeless) : item)) : raw;
}

/**
 * A registry address dockerd contacts (a search `term`, a login's `serveraddress`), masked by
 * maskRegistryAddress, also each string of a list (dockerd refuses one; the record still shows
 * it); other values as they are (objects are dropped by auditValue).
 */
function registryAddress(raw: JsonValue | undefined): JsonValue | undefined {
  if (typeof raw === 'string') return maskRegistryAddress(raw);
  return Array.isArray(raw) ? raw.map((item) => (typeof item === 'string' ? maskRegistryAddress(item) : item)) : raw;
}

/**
 * A boolean query value as dockerd's httputils.BoolValue reads it (false when absent); the
 * value as sent when it is one the gateway does not read (goBoolValue: not printable ASCII).
 */
function queryBool(f: RequestFacts, key: string): boolean | string {
  const value = f.query[key];
  return goBoolValue(value) ?? (value as string);
}

/**
 * The keywords of the instructions `changes` make (`["ENV", "LABEL"]`), never their text:
 * `ENV TOKEN=...` carries a value. Undefined when there are none.
 */
function changeKeywords(f: RequestFacts): string[] | undefined {
  const found = changeInstructions(f.queryAll.changes ?? []);
  return found.length > 0 ? found : undefined;
}

type Extract = (f: RequestFacts) => Record<string, AuditValue | JsonValue | undefined>;

const body = (f: RequestFacts, ...path: string[]) => field(f.body, ...path);

/**
 * The value of every spelling of map key `name` in the map at `path` (`DriverOpts` may hold
 * `device` and `DEVICE`; the local driver reads one, a plugin gets both): one value as it is,
 * several as a list, so a second spelling cannot hide from the record.
 */
function mapValue(f: RequestFacts, name: string, ...path: string[]): JsonValue | undefined {
  const found = mapEntries(body(f, ...path), name).map((e) => e.value);
  return found.length > 1 ? found : found[0];
}

/**
 * The HostConfig a container create acts on: `HostConfig` when the body has one (an object);
 * when it is absent or null, the body's top level, where API < 1.24 clients put HostConfig
 * fields and dockerd 20.10 takes them whole (runconfig's getHostConfig; later releases that
 * decode the body as `container.CreateRequest` ignore them). With a `HostConfig` object
 * dockerd ignores top-level copies of the fields recorded here, so the record does too; the
 * guards check both (hostConfigField).
 */
function createHostConfig(f: RequestFacts): { hostConfig: JsonValue | undefined; legacy: boolean } {
  const nested = field(f.body, 'HostConfig');
  return isObject(nested) ? { hostConfig: nested, legacy: false } : { hostConfig: f.body, legacy: true };
}

const containerCreate: Extract = (f) => {
  const { hostConfig, legacy } = createHostConfig(f);
  const host = (name: string) => field(hostConfig, name);
  const hostFields = {
    privileged: host('Privileged'),
    binds: host('Binds'),
    mountSources: each(host('Mounts'), 'Source'),
    volumesFrom: host('VolumesFrom'),
    networkMode: host('NetworkMode'),
    pidMode: host('PidMode'),
    ipcMode: host('IpcMode'),
    utsMode: host('UTSMode'),
    usernsMode: host('UsernsMode'),
    capAdd: host('CapAdd'),
    securityOpt: host('SecurityOpt'),
    devices: each(host('Devices'), 'PathOnHost'),
  };
  const found = Object.values(hostFields).some((v) => auditValue(v) !== undefined);
  return {
    name: f.query.name,
    image: url(body(f, 'Image')),
    cmd: body(f, 'Cmd'),
    entrypoint: body(f, 'Entrypoint'),
    user: body(f, 'User'),
    // A DNS name on each user network the container joins (dockerd makes it an alias there).
    hostname: body(f, 'Hostname'),
    envNames: envNames(body(f, 'Env')),
    ...hostFields,
    // The host fields above came from the legacy top level (dockerd 20.10 acts on them).
    legacyHostConfig: legacy && found ? true : undefined,
  };
};

/**
 * Container update: the resources and restart policy dockerd changes on a live container
 * (container.UpdateContainer; UpdateConfig fields are top-level). No secrets live here.
 */
const containerUpdate: Extract = (f) => ({
  cpuShares: body(f, 'CpuShares'),
  nanoCpus: body(f, 'NanoCpus'),
  cpuPeriod: body(f, 'CpuPeriod'),
  cpuQuota: body(f, 'CpuQuota'),
  cpusetCpus: body(f, 'CpusetCpus'),
  cpusetMems: body(f, 'CpusetMems'),
  memory: body(f, 'Memory'),
  memorySwap: body(f, 'MemorySwap'),
  memoryReservation: body(f, 'MemoryReservation'),
  kernelMemory: body(f, 'KernelMemory'),
  pidsLimit: body(f, 'PidsLimit'),
  blkioWeight: body(f, 'BlkioWeight'),
  restartPolicy: body(f, 'RestartPolicy', 'Name'),
  restartMaxRetries: body(f, 'RestartPolicy', 'MaximumRetryCount'),
});

const execCreate: Extract = (f) => ({
  cmd: body(f, 'Cmd'),
  user: body(f, 'User'),
  privileged: body(f, 'Privileged'),
  tty: body(f, 'Tty'),
  envNames: envNames(body(f, 'Env')),
  workingDir: body(f, 'WorkingDir'),
});

/**
 * Commit (`docker commit`): the container, the repository and tag written, the keywords of its
 * `changes`, whether dockerd pauses the container (`pause` absent or empty pauses from API 1.13
 * on), and from the body (a container config dockerd merges into the image's) the names of
 * its `Env` entries and the keys of its `Labels`, never their values.
 */
const imageCommit: Extract = (f) => {
  const pause = f.query.pause;
  return {
    container: f.query.container,
    repo: url(f.query.repo),
    tag: url(f.query.tag),
    changes: changeKeywords(f),
    pause: pause === undefined || pause === '' ? !apiVersionBelow(f.apiVersion, '1.13') : queryBool(f, 'pause'),
    envNames: envNames(body(f, 'Env')),
    labelKeys: keys(body(f, 'Labels')),
  };
};

/**
 * Pull or import: an import (an empty `fromImage`) applies the keywords of its `changes`
 * (ImportImage); a pull ignores them, so they are not recorded for one.
 */
const imageCreate: Extract = (f) => ({
  fromImage: url(f.query.fromImage),
  tag: url(f.query.tag),
  fromSrc: url(f.query.fromSrc, true),
  repo: url(f.query.repo),
  platform: f.query.platform,
  changes: (f.query.fromImage ?? '') === '' ? changeKeywords(f) : undefined,
});

/** Prunes: what their `filters` ask for, as `name=value` strings, label values masked (prune-filters.ts). */
const prune: Extract = (f) => ({ filters: pruneFilters(f.query.filters) });

/** Per-operation field extractors. Operations not listed log only their path parameters. */
const EXTRACTORS: Record<string, Extract> = {
  ContainerCreate: containerCreate,
  ContainerUpdate: containerUpdate,
  ContainerExec: execCreate,
  ExecCreate: execCreate,
  ImageCreate: imageCreate,
  ImageCommit: imageCommit,
  // `docker save` of several images: every `names` value (r.Form["names"]).
  ImageGetAll: (f) => ({ names: f.queryAll.names?.map((n) => maskUrlCredentials(n)) }),
  ImageDelete: (f) => ({ force: queryBool(f, 'force'), noprune: queryBool(f, 'noprune') }),
  ImagePrune: prune,
  ContainerPrune: prune,
  VolumePrune: prune,
  NetworkPrune: prune,
  BuildPrune: prune,
  ImageBuild: (f) => ({
    tags: f.queryAll.t?.map((t) => maskUrlCredentials(t)),
    remote: url(f.query.remote, true),
    dockerfile: f.query.dockerfile,
    networkMode: f.query.networkmode,
    target: f.query.target,
    buildArgNames: buildArgNames(f.query.buildargs),
  }),
  ImagePush: (f) => ({ tag: url(f.query.tag) }),
  ImageTag: (f) => ({ repo: url(f.query.repo), tag: url(f.query.tag) }),
  ContainerArchive: (f) => ({ archivePath: f.query.path }),
  ContainerArchiveInfo: (f) => ({ archivePath: f.query.path }),
  PutContainerArchive: (f) => ({ archivePath: f.query.path }),
  ContainerKill: (f) => ({ signal: f.query.signal }),
  // The new name beside the path's old one: a rename changes the container's DNS name.
  ContainerRename: (f) => ({ newName: f.query.name }),
  VolumeCreate: (f) => ({
    name: body(f, 'Name'),
    driver: body(f, 'Driver'),
    driverOptKeys: keys(body(f, 'DriverOpts')),
    device: mapValue(f, 'device', 'DriverOpts'),
    type: mapValue(f, 'type', 'DriverOpts'),
  }),
  ServiceCreate: (f) => ({ name: body(f, 'Name'), image: url(body(f, 'TaskTemplate', 'ContainerSpec', 'Image')) }),
  ServiceUpdate: (f) => ({ name: body(f, 'Name'), image: url(body(f, 'TaskTemplate', 'ContainerSpec', 'Image')) }),
  NetworkCreate: (f) => ({ name: body(f, 'Name'), driver: body(f, 'Driver') }),
  SecretCreate: (f) => ({ name: body(f, 'Name') }),
  ConfigCreate: (f) => ({ name: body(f, 'Name') }),
  PluginPull: (f) => ({ remote: url(f.query.remote), name: url(f.query.name) }),
  // Fetches from the registry `remote` names, like a pull (beside the path's `name`).
  PluginUpgrade: (f) => ({ remote: url(f.query.remote) }),
  // Registry look-ups at an address the caller chooses (exfiltrate in policy.md): the record
  // names what dockerd contacts. A login's body holds username, password and identitytoken:
  // only `serveraddress` is ever read from it.
  ImageSearch: (f) => ({ term: registryAddress(f.query.term) }),
  SystemAuth: (f) => ({ serverAddress: registryAddress(body(f, 'serveraddress')) }),
  GetPluginPrivileges: (f) => ({ remote: url(f.query.remote) }),
  SwarmInit: (f) => ({ listenAddr: body(f, 'ListenAddr'), advertiseAddr: body(f, 'AdvertiseAddr') }),
  SwarmJoin: (f) => ({ remoteAddrs: body(f, 'RemoteAddrs'), listenAddr: body(f, 'ListenAddr') }),
};

/**
 * The audit fields of a request: its path parameters (object names and ids, a userinfo masked:
 * an image or plugin name may be sent as `u:pw@host/x`) plus the operation's allow-listed
 * fields. Undefined when there is nothing to say.
 */
export function auditFields(facts: RequestFacts): AuditFields | undefined {
  const out: AuditFields = {};
  for (const [name, value] of Object.entries(facts.params).slice(0, 8)) out[name] = truncate(maskNameCredentials(value));
  const extract = facts.operation ? EXTRACTORS[facts.operation.name] : undefined;
  if (extract) {
    const extracted = extract(facts);
    // Keys, not entries: a create's twenty-odd fields would each be a new pair.
    for (const name of Object.keys(extracted)) {
      // Extractors return either ready audit values or raw body values; both pass auditValue.
      const value = auditValue(extracted[name] as JsonValue | undefined);
      if (value !== undefined) out[name] = value;
    }
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
