/**
 * The exec an exec start starts, as the exec guards see it. The guards that inspect exec
 * creates (`execRoot`, `privileged`) read the create body; but an exec instance can be created by
 * one identity and started by another (its ID is listed in the container's `ExecIDs`), so an
 * allowed `ExecStart` also has the starter's guards run on the exec it starts: dockerd's
 * `GET /exec/{id}/json` answer is turned into the exec-create body that would have made that exec,
 * and the same checks run on it as on a create (rule-verdict.ts, src/server/exec-start-gate.ts).
 * dockerd 20.10 keeps an exec's user, privileges and command from its create, and nothing changes
 * them afterwards. Pure.
 */
import type { JsonObject, JsonValue, RequestFacts } from '../core/types.js';
import { buildFacts } from '../facts/build-facts.js';
import type { GuardDefinition } from './guards/guard.js';
import { OP } from './guards/operations.js';

/** True when `guard` judges `op`: the operations it lists, and exec starts for a guard of exec creates. */
export function guardInspects(guard: GuardDefinition<unknown>, op: string): boolean {
  return guard.operations.includes(op) || (op === OP.execStart && guard.operations.includes(OP.execCreate));
}

/** What dockerd reports of an exec instance that the exec guards judge. */
export interface InspectedExec {
  /** `ID`: the full exec ID. */
  id: string;
  /** `ContainerID`: the container it runs in. */
  containerId: string;
  /**
   * `ProcessConfig.user` (omitted when empty). dockerd 20.10 stores the container's own
   * `Config.User` for an exec created with an empty `User`.
   */
  user: string;
  /** `ProcessConfig.privileged` as dockerd wrote it; undefined when absent. */
  privileged: JsonValue | undefined;
  /** `ProcessConfig.entrypoint` followed by `ProcessConfig.arguments`. */
  cmd: string[];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Read a `GET /exec/{id}/json` answer body. A string says why it cannot be judged (an answer of
 * another shape than dockerd 20.10's: refused by the caller, fail closed).
 */
export function inspectedExec(doc: unknown): InspectedExec | string {
  if (!isRecord(doc)) return 'the daemon\'s answer is not an exec instance';
  const { ID: id, ContainerID: containerId, ProcessConfig: pc } = doc;
  if (typeof id !== 'string' || id === '') return 'the daemon\'s answer has no exec ID';
  if (typeof containerId !== 'string' || containerId === '') return 'the daemon\'s answer has no container ID';
  if (!isRecord(pc)) return 'the daemon\'s answer has no ProcessConfig';
  const { user, privileged, entrypoint, arguments: args } = pc;
  if (user !== undefined && typeof user !== 'string') return 'the daemon\'s answer has a ProcessConfig.user that is not a string';
  const strings = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
  if (args !== undefined && args !== null && !strings(args)) return 'the daemon\'s answer has ProcessConfig.arguments that are not strings';
  const cmd = [...(typeof entrypoint === 'string' ? [entrypoint] : []), ...(strings(args) ? args : [])];
  return { id, containerId, user: user ?? '', privileged: privileged as JsonValue | undefined, cmd };
}

/**
 * The exec-create body standing for `exec`: `User`, `Privileged` and `Cmd`, the fields the exec
 * guards read. With `containerUser`, the container's own `Config.User`, an exec whose user is
 * exactly that gets an empty `User`: it runs as the container's main process does, which is what
 * dockerd stores for a create with an empty `User` (and what the guards allow at create).
 */
export function execCreateBody(exec: InspectedExec, containerUser?: string): JsonObject {
  const body: JsonObject = { User: containerUser !== undefined && exec.user === containerUser ? '' : exec.user, Cmd: exec.cmd };
  if (exec.privileged !== undefined) body.Privileged = exec.privileged;
  return body;
}

/**
 * The facts of the exec create that `body` stands for, built by the same parser as a real
 * request's (`POST /containers/{ContainerID}/exec`), so the guards read it exactly as at create.
 */
export function execCreateFacts(containerId: string, body: JsonObject): RequestFacts {
  return buildFacts({
    method: 'POST',
    rawTarget: `/containers/${encodeURIComponent(containerId)}/exec`,
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  });
}
