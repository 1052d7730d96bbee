/**
 * What a build may do for a tenant: BuildKit only where the policy allows it, no exporter that
 * names images, no BuildKit `--squash`, no classic-builder `--pull` (it re-tags base images); and what its RUN steps may
 * reach and use: the `networkmode` they join (a network or a container's namespace must be the
 * caller's or shared, and is pinned to its ID) and the memory and CPU limits of their
 * containers (the tenant's maxima and defaults, as for `docker run`). The classic builder
 * applies these query values to every RUN container, and removes every RUN container when the
 * build ends, a failed step's included (`rm` and `forcerm` are forced).
 */
import { apiVersionBelow } from '../facts/api-version.js';
import { goBoolValue } from '../facts/query.js';
import { buildOutputsProblem } from '../policy/guards/images.js';
import type { QuotaSpec } from '../policy/tenancy-schema.js';
import { accessTo } from './access.js';
import { tenancyMessage, type TenancyContext } from './context.js';
import { deny, type DenyVerdict, type TenancyVerdict } from './hook.js';
import { daemonAnswer } from './daemon-answer.js';
import { resolveObject } from './resolve.js';
import { swapProblem } from './limits.js';

/** Query values to replace in the build request (and what the audit record adds), or a refusal. */
export type BuildChange = { query: Record<string, string>; note?: string } | { verdict: TenancyVerdict };

/** Said in the audit record's reason when a tenant's classic build did not ask for `forcerm` itself. */
export const FORCED_REMOVAL_NOTE = 'rm and forcerm forced: the classic builder removes its RUN containers when the build ends, a failed step\'s included';

/**
 * The removal values a tenant's classic build is forwarded with: `rm=1` and `forcerm=1`, every
 * value of each key replaced. dockerd reads `forcerm` with BoolValue (the first value, trimmed,
 * lower-cased; empty, 0, no, false and none are false): true sets both Remove and ForceRemove
 * (API 1.12 and later, dockerd's minimum), so no RUN container outlives the build, a failed
 * step's included, where `--rm=false` kept all of them (unlabelled: counted for nobody, listed
 * to admins only) and the default (`rm=1&forcerm=0`) kept a failed step's. The note is set
 * when the client's request, as dockerd reads it, did not already force the removal.
 */
export function classicRemoval(query: Record<string, string>): { query: Record<string, string>; note?: string } {
  const change = { query: { rm: '1', forcerm: '1' } };
  return goBoolValue(query.forcerm) === true ? change : { ...change, note: FORCED_REMOVAL_NOTE };
}

const DEFAULT_CPU_PERIOD = 100_000;
const INT64 = /^[+-]?\d+$/;

/** A query integer as dockerd reads it (`Int64ValueOrZero`: anything strconv.ParseInt refuses is 0). */
export function goInt64(v: string | undefined): number {
  if (v === undefined || !INT64.test(v)) return 0;
  // strconv.ParseInt refuses what int64 cannot hold (2^63 included): exact, before rounding.
  const exact = BigInt(v);
  if (exact > INT64_MAX || exact < -INT64_MAX - 1n) return 0;
  return Number(v);
}

const INT64_MAX = 2n ** 63n - 1n;

/** Network modes that reach no tenant's network or namespace. */
const PLAIN_MODES = new Set(['', 'default', 'bridge', 'none']);

/** The memory and CPU query values a build must carry, or the reason it may not run. */
export function buildLimits(query: Record<string, string>, quota: QuotaSpec): { query: Record<string, string> } | { problem: string } {
  const out: Record<string, string> = {};
  const memory = goInt64(query.memory);
  if (quota.memory !== undefined && memory > quota.memory) return { problem: `build memory limit ${memory} bytes exceeds your maximum of ${quota.memory}` };
  const defaultMemory = quota.defaultMemory ?? quota.memory;
  if (memory <= 0 && defaultMemory !== undefined) out.memory = String(defaultMemory);
  const swap = swapProblem(goInt64(query.memswap), quota, 'build memswap');
  if (swap) return { problem: swap.message };
  const cpuQuota = goInt64(query.cpuquota);
  const cpuPeriod = goInt64(query.cpuperiod);
  if (cpuQuota < 0 || cpuPeriod < 0) return { problem: 'a negative cpuquota or cpuperiod (no CPU limit) is not allowed' };
  const period = cpuPeriod || DEFAULT_CPU_PERIOD;
  const cpus = cpuQuota > 0 ? cpuQuota / period : 0;
  if (quota.cpus !== undefined && cpus > quota.cpus + 1e-9) return { problem: `build CPU limit ${cpus} exceeds your maximum of ${quota.cpus}` };
  const defaultCpus = quota.defaultCpus ?? quota.cpus;
  if (cpus === 0 && defaultCpus !== undefined) out.cpuquota = String(Math.round(defaultCpus * period));
  return { query: out };
}

/**
 * Why a classic `--pull` is refused, and what to do instead. Without `--pull` a missing base
 * image is still pulled (a new tag, nobody's to take over); a `docker pull` of one that exists
 * is refused for tenants like this (unless the tag's image is theirs). BuildKit is named only
 * where the policy lets tenants use it.
 */
export function classicPullRefusal(buildkitAllowed: boolean): string {
  const instead = buildkitAllowed ? 'build without --pull (missing base images are still pulled), or with BuildKit (DOCKER_BUILDKIT=1), which tags nothing it pulls' : 'build without --pull (missing base images are still pulled; refreshing one that exists is an admin\'s job)';
  return `docker build --pull with the classic builder re-tags the base images it pulls, over tags that may be another tenant's: ${instead}`;
}

function refuse(ctx: TenancyContext, code: string, reason: string): { verdict: DenyVerdict } {
  return { verdict: deny(403, code, tenancyMessage(ctx, reason)) };
}

/** Check a build's `networkmode` and limits; the query values to forward instead. */
export async function buildChange(ctx: TenancyContext): Promise<BuildChange> {
  const { query } = ctx.req.facts;
  // BuildKit keeps RUN --mount=type=cache directories daemon-wide, readable and writable by
  // every build: one tenant reads or poisons another's caches. Only with `buildkit: true`.
  if (query.version === '2' && ctx.spec.buildkit !== true) {
    return refuse(ctx, 'buildkit', 'BuildKit builds are not allowed for tenants here (their cache mounts are shared by every tenant): build with the classic builder (DOCKER_BUILDKIT=0)');
  }
  // The moby and image exporters name (and can push) images past the tag-over checks of `t`.
  const outputs = buildOutputsProblem(query.outputs);
  if (outputs) return refuse(ctx, 'build-outputs', outputs);
  // `squash` (deprecated; only on a daemon with --experimental, others answer 400) makes
  // dockerd write a second image, squashed from the one BuildKit exported, and move the tags
  // to it: named by a second `moby.image.id` only at API 1.30 and later, and with `q` only the
  // second is named at all, so the result check (build-result-check.ts) could miss an image.
  if (query.version === '2') {
    const squash = goBoolValue(query.squash);
    if (squash === undefined) return { verdict: deny(400, 'bad-query', tenancyMessage(ctx, 'the value of "squash" is not one the gateway reads as dockerd does')) };
    if (squash) return refuse(ctx, 'build-squash', 'docker build --squash is not allowed for tenants\' BuildKit builds (it makes a second image the check of the build\'s result could miss): build without --squash');
  }
  // dockerd reads `pull` only from API 1.16 (newImageBuildOptions): below, it pulls nothing.
  const pull = apiVersionBelow(ctx.req.facts.apiVersion, '1.16') ? false : goBoolValue(query.pull);
  if (pull === undefined) return { verdict: deny(400, 'bad-query', tenancyMessage(ctx, 'the value of "pull" is not one the gateway reads as dockerd does')) };
  // The classic builder tags every FROM image it pulls, over whatever the tag named before:
  // a `docker pull` over another tenant's tag is refused, and so is this. BuildKit does not tag.
  if (pull && query.version !== '2') return refuse(ctx, 'build-pull', classicPullRefusal(ctx.spec.buildkit === true));
  const limits = buildLimits(query, ctx.tenant.quota);
  if ('problem' in limits) return refuse(ctx, 'limit', limits.problem);
  // BuildKit makes no RUN containers the daemon lists: rm and forcerm mean nothing to it.
  const removal = query.version === '2' ? { query: {} } : classicRemoval(query);
  const withRemoval = (q: Record<string, string>) => ({ ...removal, query: { ...q, ...removal.query } });
  const mode = query.networkmode ?? '';
  if (PLAIN_MODES.has(mode)) return withRemoval(limits.query);
  if (mode === 'host') return refuse(ctx, 'build-network', 'builds on the host network are not allowed for tenants');
  const container = mode.startsWith('container:');
  const name = container ? mode.slice('container:'.length) : mode;
  const r = await resolveObject(ctx.daemon, container ? 'containers' : 'networks', name);
  if ('answer' in r) return { verdict: daemonAnswer(r.answer) };
  if (accessTo(ctx.spec, ctx.tenant, r.found, container ? 'modify' : 'read') === 'none') {
    return refuse(ctx, 'not-owner', `${container ? 'container' : 'network'} "${name}" (networkmode) belongs to another tenant`);
  }
  return withRemoval({ ...limits.query, networkmode: container ? `container:${r.found.id}` : r.found.id });
}
