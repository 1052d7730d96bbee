/**
 * The daemon's API version range (src/facts/api-range.ts), read from its `GET /version`: at
 * start, again whenever the daemon answers after not answering (restarted, perhaps upgraded) or
 * its `/_ping` names another newest version (`API-Version`), and at the first request with a
 * version prefix while it is not known. Kept while the daemon is down: the last one it said,
 * but `stale` once an attempt to reach the daemon made no connection (a ping of the upstream
 * monitor, a forwarded request, a look-up of tenancy or of the gateway's own checks, a read of
 * the range; the test is upstream-errors.ts's `unreachable`: a unix socket's ENOENT, a TCP
 * upstream's ECONNREFUSED, ENOTFOUND, EHOSTUNREACH...), until it is read again: a request that
 * range would refuse then has it read again first (version-gate.ts), so that a client of a daemon
 * that is gone is told so, not that the daemon refuses its version. A ping that times out or an
 * answer that breaks off (a frozen or busy daemon) leaves it as it is.
 */
import { apiRangeOf, type ApiRange } from '../facts/api-range.js';
import { noConnection, noConnectionMade } from '../proxy/upstream-errors.js';
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
  /** The daemon's address as the gateway's 502s name it (UpstreamTarget.name: `unix:///var/run/docker.sock`). */
  readonly upstream: string;
  /** The range as last read; undefined until `/version` has answered with one. */
  current(): ApiRange | undefined;
  /**
   * Whether the daemon may have gone since the range was read: an attempt to reach it made no
   * connection after that read began (also while no range is known).
   */
  stale(): boolean;
  /**
   * The range, read now when not known yet or stale (one read at a time); rejects when that
   * read fails: with UnusableApiRange when the daemon answered without one, else with the
   * request's error (the daemon could not be reached or did not answer in time).
   */
  get(): Promise<ApiRange>;
  /**
   * The daemon answered `/_ping` (`apiVersion`: its `API-Version` header), after not
   * answering when `cameBack`: read the range again when it may have changed (or is stale).
   */
  daemonAnswered(apiVersion: string | undefined, cameBack: boolean): void;
  /**
   * An attempt to reach the daemon (a ping, a forwarded request, a look-up) failed with OS error
   * `code` (undefined: none, e.g. a timeout): the range is stale when no connection could be
   * made. The code alone: a caller that has the error tells only of one that made no connection
   * (upstream-errors.ts reads its `syscall` too); a ping, a fresh connection given 2 s, cannot
   * have one time out after it was made.
   */
  notReached(code: string | undefined): void;
}

/** A range read through `daemon`, the one at `upstream` (its name); `onError` hears of failed reads in the background. */
export function createDaemonApiRange(daemon: DaemonClient, upstream: string, onError: (err: Error) => void = () => undefined): DaemonApiRange {
  let range: ApiRange | undefined;
  let reading: Promise<ApiRange> | undefined;
  let stale = false;
  // Counts the attempts that made no connection: a read that began before the last of them
  // does not make the range fresh again (the daemon may have gone after it answered).
  let gone = 0;
  const read = (): Promise<ApiRange> => {
    const goneBefore = gone;
    reading ??= daemon.get('/version').then((answer) => {
      const got = answer.status === 200 ? apiRangeOf(answer.json) : undefined;
      if (!got) throw new UnusableApiRange(`GET /version answered ${answer.status} without ApiVersion and MinAPIVersion`);
      range = got;
      if (gone === goneBefore) stale = false;
      return got;
    }, (err: unknown) => {
      if (noConnection(err)) stale = true;
      throw err;
    }).finally(() => (reading = undefined));
    return reading;
  };
  return {
    upstream,
    current: () => range,
    stale: () => stale,
    get: () => (range && !stale ? Promise.resolve(range) : read()),
    daemonAnswered(apiVersion, cameBack) {
      if (range && !stale && !cameBack && (apiVersion === undefined || apiVersion === range.max)) return;
      read().catch(onError);
    },
    notReached(code) {
      if (!noConnectionMade({ code })) return;
      gone += 1;
      stale = true;
    },
  };
}
