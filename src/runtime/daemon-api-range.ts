/**
 * The daemon's API version range (src/facts/api-range.ts), read from its `GET /version`: at
 * start, again whenever the daemon answers after not answering (restarted, perhaps upgraded) or
 * its `/_ping` names another newest version (`API-Version`), and at the first request with a
 * version prefix while it is not known. Kept while the daemon is down: the last one it said.
 */
import { apiRangeOf, type ApiRange } from '../facts/api-range.js';
import type { DaemonClient } from '../tenancy/daemon-client.js';

/**
 * The daemon answered `GET /version` without a usable range (a non-200 status, no `ApiVersion`
 * or `MinAPIVersion`): it is reachable, so a request it would refuse could be acted on.
 */
export class UnusableApiRange extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnusableApiRange';
  }
}

/** The range as last read, and the means to read it again. */
export interface DaemonApiRange {
  /** The range as last read; undefined until `/version` has answered with one. */
  current(): ApiRange | undefined;
  /**
   * The range, read now when not known yet (one read at a time); rejects when that read fails:
   * with UnusableApiRange when the daemon answered without one, else with the request's error
   * (the daemon could not be reached or did not answer in time).
   */
  get(): Promise<ApiRange>;
  /**
   * The daemon answered `/_ping` (`apiVersion`: its `API-Version` header), after not
   * answering when `cameBack`: read the range again when it may have changed.
   */
  daemonAnswered(apiVersion: string | undefined, cameBack: boolean): void;
}

/** A range read through `daemon`; `onError` hears of failed reads in the background. */
export function createDaemonApiRange(daemon: DaemonClient, onError: (err: Error) => void = () => undefined): DaemonApiRange {
  let range: ApiRange | undefined;
  let reading: Promise<ApiRange> | undefined;
  const read = (): Promise<ApiRange> => {
    reading ??= daemon.get('/version').then((answer) => {
      const got = answer.status === 200 ? apiRangeOf(answer.json) : undefined;
      if (!got) throw new UnusableApiRange(`GET /version answered ${answer.status} without ApiVersion and MinAPIVersion`);
      range = got;
      return got;
    }).finally(() => (reading = undefined));
    return reading;
  };
  return {
    current: () => range,
    get: () => (range ? Promise.resolve(range) : read()),
    daemonAnswered(apiVersion, cameBack) {
      if (range && !cameBack && (apiVersion === undefined || apiVersion === range.max)) return;
      read().catch(onError);
    },
  };
}
