/**
 * The wait of both request paths for the daemon's API versions (version-gate.ts): a request
 * with a version prefix, while the range is not known yet (unread since the start), goes on only
 * once it has been read, so that a prefix the daemon does not serve is never decided; a read
 * that fails refuses it or lets it go on as rangeUnknown says. So does one the range refuses
 * while it is stale (the daemon may have gone): once read again it decides, and a read that
 * fails refuses it or lets the last range decide, as staleRangeUnread says. Any other request
 * goes on at once.
 */
import type { RequestPlan } from '../facts/build-facts.js';
import type { DaemonApiRange } from '../runtime/daemon-api-range.js';
import { rangeNeeded, rangeUnknown, staleRangeUnread } from './version-gate.js';

/** What a request path does around the wait. */
export interface RangeWaitSteps {
  /** The request from the version gate on (the range is known, or its read let it go on). */
  proceed(): void;
  /** The read failed in a way that refuses the request (rangeUnknown's or staleRangeUnread's 502). */
  refuse(err: unknown): void;
  /** False once the client has gone (or the exchange ended) while the range was read: nothing more is done. */
  wanted(): boolean;
  /** A throw from proceed or refuse, handled by the path (never an unhandled rejection). */
  failed(err: unknown): void;
  /** Told `true` when the request begins to wait and `false` when the read is over, before `wanted` is asked. */
  waiting?(on: boolean): void;
}

/** Go on with a request planned as `plan` (undefined: it has none) once the gate can decide on it. */
export function afterApiRange(apiRange: DaemonApiRange, plan: RequestPlan | undefined, steps: RangeWaitSteps): void {
  if (plan === undefined || !rangeNeeded(apiRange, plan)) {
    steps.proceed();
    return;
  }
  // Known before the read: it is stale and refuses the prefix (rangeNeeded), and is read again.
  const reread = apiRange.current() !== undefined;
  const version = plan.match?.apiVersion ?? '';
  steps.waiting?.(true);
  apiRange.get().then(
    () => {
      steps.waiting?.(false);
      if (steps.wanted()) steps.proceed();
    },
    (err: unknown) => {
      steps.waiting?.(false);
      if (!steps.wanted()) return;
      const refusal = reread ? staleRangeUnread(err, version, apiRange.upstream) : rangeUnknown(err);
      if (refusal) steps.refuse(refusal);
      else steps.proceed();
    },
  ).catch((err: unknown) => steps.failed(err));
}
