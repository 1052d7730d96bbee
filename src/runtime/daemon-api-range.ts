/**
 * The daemon's API version range (src/facts/api-range.ts), read from its `GET /version`: at
 * start, again whenever the daemon answers after not answering (restarted, perhaps upgraded) or
 * its `/_ping` names another newest version (`API-Version`), and at the first request with a
 * version prefix while it is not known. Kept while the daemon is down: the last one it said,
 * but `stale` once an attempt to reach the daemon made no connection (a ping of the upstream
 * monitor, a forwarded request, a read of the range), until it is read again: a request that
 * range would refuse then has it read again first (version-gate.ts), so that a client of a daemon
 * that is gone is told so, not that the daemon refuses its version. A ping that times out or an
 * answer that breaks off (a frozen or busy daemon) leaves it as it is.
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

/**
 * OS errors of a connection to the daemon that was never made: nothing on the daemon saw the
 * request. Fewer than upstream-errors.ts counts as `unreachable`: its EHOSTUNREACH, ENETUNREACH,
 * ENOTFOUND and ETIMEDOUT (a TCP upstream's host, route or name) do not make the range stale,
 * and a read of it failing with one is treated as a daemon that may be there (version-gate.ts:
 * rangeUnknown refuses the request, staleRangeUnread lets the last range decide).
 */
const NOT_CONNECTED = new Set(['ENOENT', 'ECONNREFUSED', 'EACCES']);

/** Whether OS error code `code` (undefined: none, e.g. a timeout) says no connection to the daemon could be made. */
export function noConnection(code: string | undefined): boolean {
  return code !== undefined && NOT_CONNECTED.has(code);
}

/** The OS error code of `err`, a rejection or error event of a request to the daemon, if it has one. */
export function errorCode(err: unknown): string | undefined {
  const code = (err as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The range as last read, and the means to read it again. */
export interface DaemonApiRange {
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
   * An attempt to reach the daemon (a ping, a forwarded request) failed with OS error `code`
   * (undefined: none, e.g. a timeout): the range is stale when no connection could be made.
   */
  notReached(code: string | undefined): void;
}

/** A range read through `daemon`; `onError` hears of failed reads in the background. */
export function createDaemonApiRange(daemon: DaemonClient, onError: (err: Error) => void = () => undefined): DaemonApiRange {
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
      if (noConnection(errorCode(err))) stale = true;
      throw err;
    }).finally(() => (reading = undefined));
    return reading;
  };
  return {
    current: () => range,
    stale: () => stale,
    get: () => (range && !stale ? Promise.resolve(range) : read()),
    daemonAnswered(apiVersion, cameBack) {
      if (range && !stale && !cameBack && (apiVersion === undefined || apiVersion === range.max)) return;
      read().catch(onError);
    },
    notReached(code) {
      if (!noConnection(code)) return;
      gone += 1;
      stale = true;
    },
  };
}
