/**
 * The exec an allowed exec start starts, checked on the daemon before the start is forwarded
 * (decision.execStart, set by the enforced rule when it sets guards that inspect exec creates).
 * `execRoot` and `privileged` read an exec-create body, but a pending exec instance is listed in
 * its container's `ExecIDs` and anyone allowed `ExecStart` could start it: an exec another
 * identity (an admin, the daemon's own socket) created as root or privileged ran with that.
 * So the exec is looked up (`GET /exec/{id}/json`, which dockerd answers for the exact ID only, as
 * it starts the exact ID only) and the starter's guards run on what it will run (src/policy/exec-start.ts).
 *
 * - The daemon knows no such exec (404): its answer is the client's, and nothing is forwarded
 *   (the start would get the same 404).
 * - Any other answer that is not an exec instance: refused, 403 `exec-unchecked` (fail closed).
 * - The look-up itself fails (daemon unreachable, no answer in time): 502 `upstream-failed`.
 * - An exec whose user is refused is judged again as an exec with an empty `User` when its user is
 *   exactly its container's `Config.User` (dockerd 20.10 stores that for an exec created with an
 *   empty `User`, which the guards allow): the container is looked up only then.
 *
 * With tenancy on, tenancy's own look-ups of the exec and its container (its ownership check) are
 * reused (`known`): nothing is asked twice.
 */
import type { ExecStartCheck } from '../core/types.js';
import { GatewayError } from '../http/gateway-error.js';
import { show } from '../policy/guards/body.js';
import type { Violation } from '../policy/guards/guard.js';
import { execCreateBody, inspectedExec, type InspectedExec } from '../policy/exec-start.js';
import type { DaemonAnswer, DaemonClient } from '../tenancy/daemon-client.js';

/** Inspect answers already at hand for this request (tenancy's ownership check of the exec). */
export interface KnownExec {
  /** The `GET /exec/{id}/json` answer body. */
  exec: Record<string, unknown>;
  /** The exec's container's `GET /containers/{id}/json` answer body. */
  container?: Record<string, unknown>;
}

/** What the gate says: go on (with a note for the record), refuse, or answer with the daemon's own 404. */
export type ExecStartGate =
  | { kind: 'pass'; note: string }
  | { kind: 'refuse'; violation: Violation }
  | { kind: 'answer'; answer: DaemonAnswer };

/** The code of a refusal for an exec that could not be checked. */
const UNCHECKED = 'exec-unchecked';

/** Check the exec `check` names on the daemon (see the file comment). Rejects with a GatewayError when a look-up fails. */
export async function execStartGate(daemon: DaemonClient, check: ExecStartCheck, known?: KnownExec): Promise<ExecStartGate> {
  const shown = show(check.execId);
  const cannot = `the exec instance it starts (${shown}) could not be checked against the exec guards`;
  let doc: unknown = known?.exec;
  if (doc === undefined) {
    const answer = await ask(daemon, `/exec/${encodeURIComponent(check.execId)}/json`, `exec instance ${shown}`);
    if (answer.status === 404) return { kind: 'answer', answer };
    if (answer.status !== 200) return unchecked(`${cannot}: the daemon answered its look-up with ${answer.status}`);
    doc = answer.json;
  }
  const exec = inspectedExec(doc);
  if (typeof exec === 'string') return unchecked(`${cannot}: ${exec}`);
  if (exec.id !== check.execId) return unchecked(`${cannot}: the daemon answered for exec ${show(exec.id)}`);
  const what = `the exec instance it starts (${exec.id.slice(0, 12)}, created with User ${show(exec.user)}, Privileged ${show(exec.privileged ?? false)})`;
  let violation = check.check(exec.containerId, execCreateBody(exec));
  let asContainerUser = false;
  if (violation && exec.user !== '') {
    const containerUser = await userOfContainer(daemon, exec, known?.container);
    if (containerUser === exec.user) {
      violation = check.check(exec.containerId, execCreateBody(exec, containerUser));
      asContainerUser = violation === undefined;
    }
  }
  if (violation) return { kind: 'refuse', violation: { code: violation.code, reason: `${what}: ${violation.reason}` } };
  // Its user is its container's own (what dockerd stores for an exec created with an empty User): judged so.
  const as = asContainerUser ? ", judged as an exec with an empty User (that is its container's own user, which dockerd stores for one)," : '';
  return { kind: 'pass', note: `${what}${as} passed the exec guards` };
}

function unchecked(reason: string): ExecStartGate {
  return { kind: 'refuse', violation: { code: UNCHECKED, reason } };
}

/** `Config.User` of the exec's container, or undefined when it cannot be read (the refusal then stands). */
async function userOfContainer(daemon: DaemonClient, exec: InspectedExec, known?: Record<string, unknown>): Promise<string | undefined> {
  let doc: unknown = known;
  if (doc === undefined) {
    const answer = await ask(daemon, `/containers/${encodeURIComponent(exec.containerId)}/json`, `the container of exec instance ${show(exec.id)}`);
    if (answer.status !== 200) return undefined;
    doc = answer.json;
  }
  if (typeof doc !== 'object' || doc === null) return undefined;
  const { Id: id, Config: config } = doc as Record<string, unknown>;
  if (id !== exec.containerId || typeof config !== 'object' || config === null) return undefined;
  const user = (config as Record<string, unknown>).User;
  return typeof user === 'string' ? user : user === undefined || user === null ? '' : undefined;
}

async function ask(daemon: DaemonClient, path: string, what: string): Promise<DaemonAnswer> {
  try {
    return await daemon.get(path);
  } catch (err) {
    throw new GatewayError('upstream-failed', `dockgate: ${what} could not be checked against the exec guards: the look-up on the daemon failed (${(err as Error).message})`);
  }
}
