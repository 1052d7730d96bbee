/**
 * Per-container memory, CPU and PIDs limits: refuse creates and updates above the tenant's
 * maximum, and inject the default into creates that set none (so no container runs
 * unlimited); and no restart policy under a running quota. Pure: works on a decoded body
 * object it may change in place.
 */
import type { JsonObject } from '../core/types.js';
import { field } from '../facts/go-fold.js';
import type { QuotaSpec } from '../policy/tenancy-schema.js';
import { goObjectAt, goSet } from './labels.js';

/** A refusal, or undefined when the body is within limits (possibly after injection). */
export type LimitProblem = { message: string } | undefined;

const DEFAULT_CPU_PERIOD = 100_000;

function num(v: unknown): number {
  return typeof v === 'number' && Number.isFinite(v) ? v : 0;
}

/** CPUs a host config asks for (0 = unlimited): NanoCpus, else CpuQuota / CpuPeriod. */
export function requestedCpus(host: JsonObject): number {
  const nano = num(field(host, 'NanoCpus'));
  if (nano > 0) return nano / 1e9;
  const quota = num(field(host, 'CpuQuota'));
  if (quota > 0) return quota / (num(field(host, 'CpuPeriod')) || DEFAULT_CPU_PERIOD);
  return 0;
}

const mib = (n: number): string => `${Math.round(n / 1024 / 1024)}MiB`;

/** A byte size in MiB when it is a whole number of them, else in bytes (a byte over shows). */
const exactSize = (n: number): string => (Number.isSafeInteger(n / 1048576) ? `${n / 1048576}MiB` : `${n} bytes`);

/** The fields dockerd copies from an update body over the current values when non-zero. */
const UPDATED_FIELDS = ['Memory', 'NanoCpus', 'CpuQuota', 'CpuPeriod'];

/** `current` with every non-zero field of `update` copied over it, as dockerd's update does. */
function merged(current: JsonObject, update: JsonObject): JsonObject {
  const out: JsonObject = {};
  for (const name of UPDATED_FIELDS) {
    const next = num(field(update, name));
    out[name] = next !== 0 ? next : num(field(current, name));
  }
  return out;
}

/**
 * Apply the limits to a ContainerCreate body (`inject` true) or a ContainerUpdate body
 * (`inject` false, with the container's `current` HostConfig: an update that sets nothing
 * keeps the current limits, and one field alone, `CpuPeriod` say, is judged with the others).
 */
export function applyLimits(body: JsonObject, quota: QuotaSpec, inject: boolean, hostPath: readonly string[], current: JsonObject = {}): LimitProblem {
  if (quota.memory === undefined && quota.cpus === undefined && quota.defaultMemory === undefined && quota.defaultCpus === undefined && quota.pids === undefined) return undefined;
  const host = hostPath.length ? goObjectAt(body, ...hostPath) : body;
  const pids = pidsLimit(host, quota, inject);
  if (pids) return pids;
  if (quota.memory === undefined && quota.cpus === undefined && quota.defaultMemory === undefined && quota.defaultCpus === undefined) return undefined;
  const cpuLimited = quota.cpus !== undefined || quota.defaultCpus !== undefined;
  // dockerd lets a non-zero CpuQuota (-1 included) override the quota NanoCpus set: -1 lifts it.
  for (const name of cpuLimited ? ['CpuQuota', 'CpuPeriod', 'NanoCpus'] : []) {
    if (num(field(host, name)) < 0) return { message: `a negative ${name} (no CPU limit) is not allowed` };
  }
  if (cpuLimited && inject && num(field(host, 'NanoCpus')) > 0 && (num(field(host, 'CpuQuota')) !== 0 || num(field(host, 'CpuPeriod')) !== 0)) {
    return { message: 'NanoCpus cannot be combined with CpuQuota or CpuPeriod' };
  }
  const memory = num(field(host, 'Memory'));
  if (memory > 0) {
    if (quota.memory !== undefined && memory > quota.memory) return { message: `memory limit ${mib(memory)} exceeds your maximum of ${mib(quota.memory)}` };
  } else if (inject) {
    const value = quota.defaultMemory ?? quota.memory;
    if (value !== undefined) goSet(host, 'Memory', value);
  } else if (memory < 0 && quota.memory !== undefined) {
    return { message: 'removing the memory limit is not allowed' };
  }
  const cpus = requestedCpus(inject ? host : merged(current, host));
  if (cpus > 0) {
    if (quota.cpus !== undefined && cpus > quota.cpus + 1e-9) return { message: `CPU limit ${cpus} exceeds your maximum of ${quota.cpus}` };
  } else if (inject) {
    const value = quota.defaultCpus ?? quota.cpus;
    if (value !== undefined) {
      const period = num(field(host, 'CpuPeriod'));
      // dockerd refuses NanoCpus together with CpuPeriod/CpuQuota: use the form the client started.
      if (period > 0) goSet(host, 'CpuQuota', Math.round(value * period));
      else goSet(host, 'NanoCpus', Math.round(value * 1e9));
    }
  }
  return undefined;
}

/**
 * The PIDs limit: dockerd reads `PidsLimit` 0 or below (and, in a create, null or none) as
 * unlimited, and an update replaces the current value whenever the field is not null.
 */
function pidsLimit(host: JsonObject, quota: QuotaSpec, inject: boolean): LimitProblem {
  if (quota.pids === undefined) return undefined;
  const raw = field(host, 'PidsLimit');
  const value = num(raw);
  if (value > quota.pids) return { message: `PIDs limit ${value} exceeds your maximum of ${quota.pids}` };
  if (value > 0) return undefined;
  if (inject) goSet(host, 'PidsLimit', quota.pids);
  else if (raw !== undefined && raw !== null) return { message: 'removing the PIDs limit is not allowed' };
  return undefined;
}

/**
 * Swap under a `memory` quota: `MemorySwap` is memory plus swap, -1 lifting the swap limit
 * (dockerd's default, 0, gives as much swap as memory). Refuses a negative value and one
 * above twice the memory maximum, the most dockerd's default allows a container at that
 * maximum. `value` is a create's, an update's (dockerd replaces the current value when the
 * field is non-zero) or a build's `memswap`.
 */
export function swapProblem(value: number, quota: QuotaSpec, name = 'MemorySwap'): LimitProblem {
  if (quota.memory === undefined || value === 0) return undefined;
  if (value < 0) return { message: `unlimited swap (${name} ${value}) is not allowed under a memory quota` };
  if (value > 2 * quota.memory) return { message: `memory plus swap limit ${exactSize(value)} (${name}) exceeds twice your memory maximum, ${exactSize(2 * quota.memory)}` };
  return undefined;
}

/** swapProblem of each `MemorySwap` a body holds at `paths` (a create's `HostConfig` and legacy top level; an update's top level). */
export function bodySwapProblem(body: JsonObject, quota: QuotaSpec, paths: readonly (readonly string[])[]): LimitProblem {
  for (const path of paths) {
    const problem = swapProblem(num(field(body, ...path, 'MemorySwap')), quota);
    if (problem) return problem;
  }
  return undefined;
}

/** A restart policy dockerd acts on by itself: anything but none, "" and "no". */
function restarts(policy: unknown): boolean {
  const name = field(policy as JsonObject, 'Name');
  return !(name === undefined || name === null || name === '' || name === 'no');
}

/**
 * With a `running` quota, no restart policy: dockerd restarts such containers by itself,
 * after they exit and when it starts, without asking the gateway, so stopped containers
 * would come back past the quota. `paths` are where the body may hold a `RestartPolicy`
 * (a create's `HostConfig` and its legacy top level; an update's top level).
 */
export function restartPolicyProblem(body: JsonObject, quota: QuotaSpec, paths: readonly (readonly string[])[]): LimitProblem {
  if (quota.running === undefined) return undefined;
  for (const path of paths) {
    const policy = field(body, ...path, 'RestartPolicy');
    if (policy !== undefined && policy !== null && restarts(policy)) {
      return { message: `restart policies are not allowed with a running-container quota (dockerd restarts such containers without asking the gateway): use --restart no` };
    }
  }
  return undefined;
}
