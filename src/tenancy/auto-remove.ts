/**
 * A `--rm` container whose start tenancy refused is removed, as dockerd removes one whose start
 * failed. dockerd 20.10's containerStart, when the start fails and `HostConfig.AutoRemove` is
 * set, calls ContainerRm with ForceRemove and RemoveVolume: the container goes, with its
 * anonymous volumes (named ones stay). The docker CLI 28 relies on that: `docker run --rm`
 * waits for `condition=removed` after a failed start, so a start the gateway refused (dockerd
 * never saw it) left it waiting forever, and the container `Created`, counting against the
 * `containers` quota.
 *
 * The gateway removes it with `DELETE /containers/<id>?v=1`, without `force`: dockerd's own
 * clean-up knows the start it is cleaning up after failed and holds the container's lock, the
 * gateway only read the container before counting, and a container someone started since (an
 * admin, a start on the socket) would be killed by a forced removal. Unforced, dockerd refuses
 * a running, paused or restarting container (409) and removes a created or exited one exactly
 * as the forced removal would. A removal that fails changes nothing in the refusal but its
 * wording: the refusal says the container is still there.
 */
import { isObject } from '../facts/go-fold.js';
import type { JsonValue } from '../core/types.js';
import type { DaemonClient } from './daemon-client.js';

/** Whether a container inspect document says `HostConfig.AutoRemove: true` (`docker run --rm`). */
export function autoRemoves(raw: Record<string, unknown>): boolean {
  const hostConfig = raw.HostConfig as JsonValue;
  return isObject(hostConfig) && hostConfig.AutoRemove === true;
}

/** What became of the removal: done, or why not (the daemon's status and message, or the request's error). */
export type RemovalOutcome = { removed: true } | { removed: false; why: string };

/**
 * What a start refusal adds for a `--rm` container (said to the client and in the audit
 * record's reason).
 */
export function removalNote(outcome: RemovalOutcome): string {
  if (outcome.removed) return 'the container was created with --rm (AutoRemove), so it was removed with its anonymous volumes, as dockerd removes one whose start failed';
  return `the container was created with --rm (AutoRemove) but could not be removed (${outcome.why}); docker rm it`;
}

/** The daemon's error message in an answer, when it has one. */
function daemonMessage(json: unknown): string | undefined {
  return isObject(json as JsonValue) && typeof (json as Record<string, unknown>).message === 'string' ? ((json as Record<string, unknown>).message as string) : undefined;
}

/**
 * Remove container `id` (a full ID) with its anonymous volumes, unforced; never rejects. A 404
 * counts as removed: the container is gone either way (dockerd's own auto-removal, a `docker
 * rm` in between).
 */
export async function removeRefusedStart(daemon: DaemonClient, id: string): Promise<RemovalOutcome> {
  if (!daemon.delete) return { removed: false, why: 'the gateway cannot remove containers here' };
  try {
    const answer = await daemon.delete(`/containers/${encodeURIComponent(id)}?v=1`);
    if (answer.status === 204 || answer.status === 404) return { removed: true };
    const message = daemonMessage(answer.json);
    return { removed: false, why: `the daemon answered ${answer.status}${message ? `: ${message}` : ''}` };
  } catch (err) {
    return { removed: false, why: `the daemon request failed: ${err instanceof Error ? err.message : String(err)}` };
  }
}
