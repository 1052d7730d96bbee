/**
 * What every tenancy handler works with for one request: the tenant, the policy section, the
 * daemon, the request, and the shared quota state.
 */
import type { OperationalLog } from '../observe/logger.js';
import type { TenancySpec } from '../policy/tenancy-schema.js';
import type { DaemonClient } from './daemon-client.js';
import type { TenancyRequest } from './hook.js';
import type { KeyedMutex } from './keyed-mutex.js';
import type { LiveSlots } from './live-slots.js';
import type { Tenant } from './tenant.js';

/** One request's tenancy context. */
export interface TenancyContext {
  spec: TenancySpec;
  tenant: Tenant;
  daemon: DaemonClient;
  req: TenancyRequest;
  /** Per-identity lock for quota checks. */
  locks: KeyedMutex;
  /** Containers that starts, restarts and unpauses in flight are making live (the running quota). */
  starting: LiveSlots;
  /** The operational log, for what tenancy did on the daemon itself and could not finish (auto-remove.ts). */
  log?: OperationalLog;
}

/**
 * `dockgate: denied <op> for <cn>: <reason>`: the shape of every tenancy refusal, framed as the
 * policy's are (evaluate.ts denyMessage), so one `dockgate: denied` finds every refusal.
 */
export function tenancyMessage(ctx: TenancyContext, reason: string): string {
  return `dockgate: denied ${ctx.req.facts.operation?.name ?? ctx.req.method} for ${ctx.tenant.name}: ${reason}`;
}

/**
 * A body to forward after the target moved every form value into the query: an empty body,
 * so a form-encoded body can no longer override what the gateway put in the query.
 */
export function formBodyReplacement(ctx: TenancyContext): Buffer | undefined {
  const { body, facts } = ctx.req;
  return body !== undefined && facts.operation?.body !== 'json' ? Buffer.alloc(0) : undefined;
}
