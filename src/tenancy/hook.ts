/**
 * The tenancy hook the data path calls after the policy allowed a request (decision.forward).
 * Both the normal and the upgrade paths call it, so tenancy cannot be dodged with a hijack.
 */
import type { Decision, Identity, RequestFacts } from '../core/types.js';
import type { TenancyPolicy } from './tenancy-policy.js';

/** What the data path hands to tenancy. */
export interface TenancyRequest {
  identity: Identity;
  facts: RequestFacts;
  /** The inspected body (JSON or form), when the data path read it. */
  body?: Buffer;
  method: string;
  /** The raw request target (`req.url`). */
  target: string;
  /**
   * The gateway's id of the request (its `X-Dockgate-Request-Id` and audit record's
   * `requestId`): a reservation it holds is named by it in another tenant's 409, so an admin
   * can find the holder. Absent: not named.
   */
  requestId?: string;
  /**
   * Most bytes a body tenancy rewrites may have (`limits.bodyBytes`, as the body the client
   * sent): over it, admit rejects with a GatewayError (413 `rewritten-body-too-large`) before
   * anything is forwarded or held. Absent: not checked here.
   */
  bodyLimit?: number;
  /**
   * The tenancy of the policy that decided the request (Gatekeeper.tenancy), taken with that
   * decision; absent: the policy in force when `admit` is called.
   */
  policy?: TenancyPolicy;
}

/**
 * Forward, possibly changed. `release` must be called once the exchange is over, or, for an
 * operation that is not a stream, once the daemon has answered (it then holds only locks); see
 * `writesTags` for when the client left first.
 */
export interface ForwardVerdict {
  kind: 'forward';
  /** Replaces the body (a re-serialised JSON body, or an empty one after a form was moved to the query). */
  body?: Buffer;
  /** Replaces the request target. */
  target?: string;
  /** Frees what admission took (a quota lock, a stream slot, the tags the operation writes). */
  release?: () => void;
  /**
   * `release` frees a reservation of the tags the operation writes (written-tags.ts): it must
   * wait until the daemon's side of the exchange is over (its answer ended, or its connection
   * closed), also for a stream, and also when the client left first: dockerd writes a build's,
   * a pull's and an import's tags at the end, and finishes an import it has read whole though
   * its client has gone.
   */
  writesTags?: boolean;
  /**
   * Said in the audit record's reason after the policy's, when tenancy let the request through
   * by an exception the policy's reason does not show (a tenant's removal of a tag without an
   * owner in its own repository, "Tags" rule 4 of docs/sharing.md), or changed what the client
   * asked for in a way the record must show (a tenant's classic build with `rm`/`forcerm` forced).
   */
  note?: string;
  /**
   * An exec operation's look-ups on the daemon (the exec's and its container's inspect answers),
   * for the check of the exec an exec start starts (src/server/exec-start-gate.ts), which then
   * asks the daemon nothing more.
   */
  execLookup?: { exec: Record<string, unknown>; container: Record<string, unknown> };
  /**
   * A check of what the daemon did, made from its answer once that has ended (a tenant's
   * BuildKit build: build-result-check.ts). The client's answer ends only after it, and
   * `release` waits for it too (the tags stay reserved), also when the client left first.
   */
  answerCheck?: AnswerCheck;
}

/**
 * Checks a forwarded request's answer: sees every piece of its body, in order (whether or not
 * the client still reads it), and is told once when it ended.
 */
export interface AnswerCheck {
  /** The next piece of the daemon's answer body (a 200 answer only). */
  seen(chunk: Buffer): void;
  /**
   * The daemon's answer ended: `complete` when it ended normally, false when it broke off (the
   * daemon connection failed). Never rejects.
   */
  ended(complete: boolean): Promise<AnswerCheckOutcome>;
}

/** What an answer check found. */
export interface AnswerCheckOutcome {
  /** Bytes to add to the client's answer before its end (an error message in its stream). */
  append?: Buffer;
  /** The check refused what the daemon did (and undid it): recorded as a tenancy denial. */
  refusal?: { code: string; message: string };
}

/** Refuse in Docker's error shape (403 ownership/quota, 429 with Retry-After, 400 malformed). */
export interface DenyVerdict {
  kind: 'deny';
  status: number;
  /** Stable reason code for the audit log and metrics. */
  code: string;
  message: string;
  headers?: Record<string, string>;
  /**
   * The decision to record when the refusal is not tenancy's but the policy rule's, found only
   * on the daemon after tenancy (src/server/after-policy.ts: the exec an exec start starts).
   */
  decision?: Decision;
}

/** The gateway answers itself (a list it fetched and filtered, a daemon 404 it already has). */
export interface RespondVerdict {
  kind: 'respond';
  status: number;
  headers: Record<string, string>;
  body: Buffer;
  /**
   * Said in the audit record's reason after the policy's, when the answer stands for an action
   * the daemon never took (a tenant's build-cache prune): the record must not read as if it did.
   */
  note?: string;
}

/** The outcome of tenancy admission. */
export type TenancyVerdict = ForwardVerdict | DenyVerdict | RespondVerdict;

/** Tenancy as the data path sees it. */
export interface Tenancy {
  /**
   * Whether `policy` (the one that decided the request; absent: the policy in force now) has a
   * `tenancy:` section. When it has none, `admit` forwards everything unchanged, and the request
   * path skips it (no promise per request).
   */
  active(policy?: TenancyPolicy): boolean;
  /**
   * Never rejects for a policy reason; rejects when the daemon cannot be asked (the data path
   * answers 502/500), or with a GatewayError when a body it rewrites would exceed `bodyLimit`.
   */
  admit(req: TenancyRequest): Promise<TenancyVerdict>;
}

/** Verdict helpers: forward the request (with any rewrite in `extra`). */
export const forward = (extra: Omit<ForwardVerdict, 'kind'> = {}): ForwardVerdict => ({ kind: 'forward', ...extra });
/** Refuse the request: `status`, the stable `code` (audit record, denial metric) and the client's message. */
export const deny = (status: number, code: string, message: string, headers?: Record<string, string>): DenyVerdict =>
  headers ? { kind: 'deny', status, code, message, headers } : { kind: 'deny', status, code, message };
/** Answer the request from the gateway with `value` as a JSON body (a filtered list); `note` goes to the audit reason. */
export function respondJson(status: number, value: unknown, note?: string): RespondVerdict {
  const body = Buffer.from(JSON.stringify(value) + '\n');
  const verdict: RespondVerdict = { kind: 'respond', status, headers: { 'Content-Type': 'application/json', 'Content-Length': String(body.length) }, body };
  if (note !== undefined) verdict.note = note;
  return verdict;
}

/** The decision to record for a request tenancy answered itself or forwarded: the policy's, with the verdict's note. */
export function answeredDecision<D extends { reason: string }>(decision: D, verdict: { note?: string }): D {
  return verdict.note === undefined ? decision : { ...decision, reason: `${decision.reason}; ${verdict.note}` };
}
