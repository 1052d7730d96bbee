/**
 * A DaemonClient for unit tests of the gateway's daemon look-ups: each GET path answers from a
 * table (an Error rejects, as a failed look-up does), anything else with a 404 whose message
 * `missing` spells; the paths asked are noted in order.
 */
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';

/** A JSON answer of the daemon. */
export const json = (status: number, doc: unknown): DaemonAnswer => ({ status, json: doc, raw: Buffer.from(JSON.stringify(doc)), contentType: 'application/json' });

/** The daemon of `answers` (keyed by path); `missing(path)` is the 404's message for any other path. */
export function scriptedDaemon(answers: Record<string, DaemonAnswer | Error>, missing: (path: string) => string): DaemonClient & { paths: string[] } {
  const paths: string[] = [];
  return {
    paths,
    get(path) {
      paths.push(path);
      const a = answers[path];
      if (a instanceof Error) return Promise.reject(a);
      return Promise.resolve(a ?? json(404, { message: missing(path) }));
    },
  };
}
