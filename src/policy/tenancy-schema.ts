/**
 * The `tenancy:` section of a policy file: sharing one daemon between identities (ownership
 * labels, visibility, quotas). Validated here with every problem reported; the runtime side
 * lives in src/tenancy. A policy without `tenancy:` leaves tenancy off.
 *
 * ```yaml
 * tenancy:
 *   admins: { users: [admin], groups: [ops] }   # bypass tenancy: see and manage everything
 *   teams: [web, data]                          # members of one team share their objects
 *   unowned: [images]                           # unlabelled objects of these kinds are usable by all
 *   shared: { networks: [shared], volumes: [] } # named objects anybody may use (not modify)
 *   quotas:
 *     default: { containers: 10, running: 5, memory: 1g, defaultMemory: 256m, cpus: 2, defaultCpus: 0.5, streams: 20, rate: { perSecond: 20, burst: 40 } }
 *     groups: { web: { containers: 20 } }
 *     users: { alice: { containers: 30 } }
 * ```
 */
import { checkKeys, isRecord, stringList, type KeyPath, type Problems } from './problems.js';

/** Kinds of daemon objects tenancy assigns owners to. */
export type ObjectKind = 'containers' | 'volumes' | 'networks' | 'images';
/** Every ObjectKind, in the order messages list them (`unowned:` entries must be one). */
export const OBJECT_KINDS: readonly ObjectKind[] = ['containers', 'volumes', 'networks', 'images'];

/** Limits for one identity. Every field is optional; a missing field is unlimited. */
export interface QuotaSpec {
  /** Containers (any state) the identity may own. */
  containers?: number;
  /** Running containers the identity may own. */
  running?: number;
  /** Networks the identity may own (each takes an address range from the daemon's pools). */
  networks?: number;
  /** Largest `HostConfig.Memory` per container, in bytes. */
  memory?: number;
  /** Memory limit injected when a create sets none, in bytes (defaults to `memory`). */
  defaultMemory?: number;
  /** Largest CPU count per container (`NanoCpus` / 1e9, or CpuQuota / CpuPeriod). */
  cpus?: number;
  /** CPU count injected when a create sets none (defaults to `cpus`). */
  defaultCpus?: number;
  /** Largest `HostConfig.PidsLimit` per container; injected when a create sets none (0, -1 and null are unlimited in dockerd). */
  pids?: number;
  /** Concurrent streams per identity: streamed answers and hijacked sessions (src/tenancy/stream-requests.ts). */
  streams?: number;
  /** Request rate limit: a token bucket refilled at `perSecond`, holding up to `burst`. */
  rate?: { perSecond: number; burst: number };
}

/** The validated `tenancy:` section. */
export interface TenancySpec {
  /** Identities that bypass tenancy entirely. */
  admins: { users: string[]; groups: string[] };
  /** Group names whose members share ownership of each other's objects. */
  teams: string[];
  /** Kinds of objects without an owner label (made before the gateway, or on the socket) everybody may see and use. */
  unowned: ObjectKind[];
  /** Named networks and volumes everybody may use (attach, mount) but not modify. */
  shared: { networks: string[]; volumes: string[] };
  quotas: { default: QuotaSpec; groups: Record<string, QuotaSpec>; users: Record<string, QuotaSpec> };
  /**
   * Whether tenants may run BuildKit builds (`version=2`). Off by default: BuildKit's cache
   * mounts (`RUN --mount=type=cache`) are one daemon-wide store every tenant reads and writes.
   */
  buildkit?: boolean;
}

const KEYS = ['enabled', 'admins', 'teams', 'unowned', 'shared', 'quotas', 'buildkit'];
const QUOTA_KEYS = ['containers', 'running', 'networks', 'memory', 'defaultMemory', 'cpus', 'defaultCpus', 'pids', 'streams', 'rate'];
const UNITS: Record<string, number> = { '': 1, b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4 };

/** Parse a byte size as the docker CLI writes it (`512m`, `1g`, `1048576`). Undefined when malformed. */
export function parseByteSize(v: unknown): number | undefined {
  if (typeof v === 'number') return Number.isSafeInteger(v) && v > 0 ? v : undefined;
  if (typeof v !== 'string') return undefined;
  const m = /^([0-9]+(?:\.[0-9]+)?)\s*([bkmgt]?)b?$/i.exec(v.trim());
  if (!m) return undefined;
  const n = Math.floor(Number(m[1]) * (UNITS[(m[2] ?? '').toLowerCase()] ?? NaN));
  return Number.isSafeInteger(n) && n > 0 ? n : undefined;
}

function positive(v: unknown, at: KeyPath, problems: Problems, integer: boolean): number | undefined {
  if (typeof v === 'number' && v > 0 && Number.isFinite(v) && (!integer || Number.isInteger(v))) return v;
  problems.add(at, integer ? 'must be a positive integer' : 'must be a positive number');
  return undefined;
}

function parseQuota(v: unknown, at: KeyPath, problems: Problems): QuotaSpec {
  const q: QuotaSpec = {};
  if (!isRecord(v)) {
    problems.add(at, `must be a mapping of limits (${QUOTA_KEYS.join(', ')})`);
    return q;
  }
  checkKeys(v, QUOTA_KEYS, at, problems);
  for (const key of ['containers', 'running', 'networks', 'pids', 'streams'] as const) {
    if (v[key] !== undefined) {
      const n = positive(v[key], [...at, key], problems, true);
      if (n !== undefined) q[key] = n;
    }
  }
  for (const key of ['cpus', 'defaultCpus'] as const) {
    if (v[key] !== undefined) {
      const n = positive(v[key], [...at, key], problems, false);
      if (n !== undefined) q[key] = n;
    }
  }
  for (const key of ['memory', 'defaultMemory'] as const) {
    if (v[key] === undefined) continue;
    const n = parseByteSize(v[key]);
    if (n === undefined) problems.add([...at, key], 'must be a byte size such as 512m, 2g or 1048576');
    else q[key] = n;
  }
  if (q.memory !== undefined && q.defaultMemory !== undefined && q.defaultMemory > q.memory) problems.add([...at, 'defaultMemory'], 'must not exceed memory');
  if (q.cpus !== undefined && q.defaultCpus !== undefined && q.defaultCpus > q.cpus) problems.add([...at, 'defaultCpus'], 'must not exceed cpus');
  if (v.rate !== undefined) {
    const r = v.rate;
    if (!isRecord(r)) problems.add([...at, 'rate'], 'must be { perSecond: N, burst: N }');
    else {
      checkKeys(r, ['perSecond', 'burst'], [...at, 'rate'], problems);
      const perSecond = positive(r.perSecond, [...at, 'rate', 'perSecond'], problems, false);
      const burst = r.burst === undefined ? perSecond : positive(r.burst, [...at, 'rate', 'burst'], problems, true);
      if (perSecond !== undefined && burst !== undefined) q.rate = { perSecond, burst: Math.max(1, Math.floor(burst)) };
    }
  }
  return q;
}

function quotaMap(v: unknown, at: KeyPath, problems: Problems): Record<string, QuotaSpec> {
  // No prototype: a group or user named `__proto__` is a name like any other (assigned to a
  // plain object it became the prototype, and its limits were dropped).
  const out = Object.create(null) as Record<string, QuotaSpec>;
  if (v === undefined) return out;
  if (!isRecord(v)) {
    problems.add(at, 'must be a mapping of name to limits');
    return out;
  }
  for (const [name, q] of Object.entries(v)) out[name] = parseQuota(q, [...at, name], problems);
  return out;
}

function list(v: unknown, at: KeyPath, problems: Problems): string[] {
  return v === undefined ? [] : (stringList(v, at, problems) ?? []);
}

/**
 * Validate the `tenancy:` value. Returns undefined when tenancy is off (`enabled: false`) or
 * the value is unusable (a problem was reported).
 */
export function parseTenancy(v: unknown, problems: Problems): TenancySpec | undefined {
  const at: KeyPath = ['tenancy'];
  if (!isRecord(v)) {
    problems.add(at, `must be a mapping (${KEYS.join(', ')})`);
    return undefined;
  }
  checkKeys(v, KEYS, at, problems);
  if (v.enabled !== undefined && typeof v.enabled !== 'boolean') problems.add([...at, 'enabled'], 'must be true or false');
  if (v.buildkit !== undefined && typeof v.buildkit !== 'boolean') problems.add([...at, 'buildkit'], 'must be true or false');
  const spec: TenancySpec = {
    admins: { users: [], groups: [] },
    teams: list(v.teams, [...at, 'teams'], problems),
    unowned: [],
    shared: { networks: [], volumes: [] },
    quotas: { default: {}, groups: {}, users: {} },
    buildkit: v.buildkit === true,
  };
  if (v.admins !== undefined) {
    if (!isRecord(v.admins)) problems.add([...at, 'admins'], 'must be { users: [...], groups: [...] }');
    else {
      checkKeys(v.admins, ['users', 'groups'], [...at, 'admins'], problems);
      spec.admins = { users: list(v.admins.users, [...at, 'admins', 'users'], problems), groups: list(v.admins.groups, [...at, 'admins', 'groups'], problems) };
    }
  }
  for (const [i, kind] of list(v.unowned, [...at, 'unowned'], problems).entries()) {
    if ((OBJECT_KINDS as readonly string[]).includes(kind)) spec.unowned.push(kind as ObjectKind);
    else problems.add([...at, 'unowned', i], `must be one of ${OBJECT_KINDS.join(', ')}`);
  }
  if (v.shared !== undefined) {
    if (!isRecord(v.shared)) problems.add([...at, 'shared'], 'must be { networks: [...], volumes: [...] }');
    else {
      checkKeys(v.shared, ['networks', 'volumes'], [...at, 'shared'], problems);
      spec.shared = { networks: list(v.shared.networks, [...at, 'shared', 'networks'], problems), volumes: list(v.shared.volumes, [...at, 'shared', 'volumes'], problems) };
    }
  }
  if (v.quotas !== undefined) {
    if (!isRecord(v.quotas)) problems.add([...at, 'quotas'], 'must be { default: {...}, groups: {...}, users: {...} }');
    else {
      checkKeys(v.quotas, ['default', 'groups', 'users'], [...at, 'quotas'], problems);
      spec.quotas = {
        default: v.quotas.default === undefined ? {} : parseQuota(v.quotas.default, [...at, 'quotas', 'default'], problems),
        groups: quotaMap(v.quotas.groups, [...at, 'quotas', 'groups'], problems),
        users: quotaMap(v.quotas.users, [...at, 'quotas', 'users'], problems),
      };
    }
  }
  return v.enabled === false ? undefined : spec;
}
