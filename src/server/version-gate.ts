/**
 * The version gate of both request paths: a request whose version prefix the daemon does not
 * serve is answered as dockerd's version middleware answers it (src/facts/api-range.ts), before
 * its body is read and before the policy and tenancy: dockerd acts on nothing of it, so neither
 * does the gateway. Recorded `malformed`, reason `api-version: <dockerd's message>`.
 */
import type { RequestFacts } from '../core/types.js';
import { versionRefusal } from '../facts/api-range.js';
import { routeFacts, type RequestPlan } from '../facts/build-facts.js';
import { GatewayError } from '../http/gateway-error.js';
import { versionErrorAnswer, type VersionErrorAnswer } from '../http/version-error.js';
import { errorCode, noConnection } from '../proxy/upstream-errors.js';
import { UnusableApiRange, type DaemonApiRange } from '../runtime/daemon-api-range.js';

/** A request refused for its version: what the record says and what the client is sent. */
export interface VersionRefused {
  facts: RequestFacts;
  /** The record's reason. */
  reason: string;
  answer: VersionErrorAnswer;
}

/** The record's reason code. */
export const API_VERSION_CODE = 'api-version';

/** The refusal of a request planned as `plan` under the daemon's range `apiRange`, or undefined. */
export function versionRefused(apiRange: DaemonApiRange, method: string, rawTarget: string, plan: RequestPlan): VersionRefused | undefined {
  const version = plan.match?.apiVersion;
  const range = apiRange.current();
  if (version === undefined || range === undefined) return undefined;
  const message = versionRefusal(version, range);
  if (message === undefined) return undefined;
  return { facts: routeFacts(method, rawTarget, plan), reason: `${API_VERSION_CODE}: ${message}`, answer: versionErrorAnswer(version, message, range) };
}

/**
 * Whether the gate must first read the range: the request has a version prefix (only such a
 * request can be refused) and the range is not known yet, or it is stale (the daemon may have
 * gone, daemon-api-range.ts) and refuses that version: refused from it, the client of a daemon
 * that is gone would read that its version is not served (seen live: the 28.x CLI, whose
 * `/_ping` got the gateway's 502, was told `client version 1.50 is too new`). A version it
 * serves goes on at once, as before.
 */
export function rangeNeeded(apiRange: DaemonApiRange, plan: RequestPlan): boolean {
  const version = plan.match?.apiVersion;
  if (version === undefined) return false;
  const range = apiRange.current();
  return range === undefined || (apiRange.stale() && versionRefusal(version, range) !== undefined);
}

/**
 * What becomes of a request with a version prefix when the daemon's range could not be read
 * (`err`, DaemonApiRange.get's rejection): undefined, the request goes on as before the gate,
 * when no connection to the daemon could be made (it acts on nothing then, and the request gets
 * the same 502 as any other); refused 502 otherwise: the daemon answered `/version` without
 * one, or did not answer in time, or broke the connection (it may be there, frozen or starting,
 * and could act on a request it refuses once it answers: rev-fix-ver V1).
 */
export function rangeUnknown(err: unknown): GatewayError | undefined {
  if (!(err instanceof UnusableApiRange) && noConnection(err)) return undefined;
  const why = err instanceof Error ? err.message : String(err);
  return new GatewayError('upstream-failed', `dockgate: refused request: the daemon's supported API versions are not known (${why}); a request with a version prefix is not decided without them`, 'api-version-unknown');
}

/**
 * What becomes of a request with version prefix `version`, which the stale range refuses
 * (rangeNeeded), when reading the range again from the daemon at `upstream` (its name) failed
 * with `err`: refused 502 when no connection to the daemon could be made, saying so as the
 * forwarder's 502 for an unreachable daemon does (`dockgate: upstream <name> unreachable:
 * <code>`), and why the request was not forwarded; not forwarded (had the daemon come back
 * meanwhile, tenancy's look-ups and clean-ups could act on a request it may refuse); undefined
 * otherwise: a daemon that answers too slowly or without a range is there, and the last range decides.
 */
export function staleRangeUnread(err: unknown, version: string, upstream: string): GatewayError | undefined {
  if (err instanceof UnusableApiRange || !noConnection(err)) return undefined;
  return new GatewayError('upstream-failed', `dockgate: upstream ${upstream} unreachable: ${errorCode(err) ?? ''} (the daemon could not be reached to read its API versions again; when last reached it did not serve ${version})`, 'api-version-unreachable');
}
