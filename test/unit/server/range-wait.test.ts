import { describe, expect, it } from 'vitest';
import { planRequest } from '../../../src/facts/build-facts.js';
import type { ApiRange } from '../../../src/facts/api-range.js';
import { GatewayError } from '../../../src/http/gateway-error.js';
import { UnusableApiRange, type DaemonApiRange } from '../../../src/runtime/daemon-api-range.js';
import { afterApiRange } from '../../../src/server/range-wait.js';

const RANGE: ApiRange = { min: '1.12', max: '1.41' };
const UPSTREAM = 'tcp://daemon.example:2375';

/** A range not known yet, whose read gives `read`. */
const unread = (read: () => Promise<ApiRange>): DaemonApiRange => ({ upstream: UPSTREAM, current: () => undefined, stale: () => false, get: read, daemonAnswered: () => undefined, notReached: () => undefined });
const known: DaemonApiRange = { upstream: UPSTREAM, current: () => RANGE, stale: () => false, get: () => Promise.resolve(RANGE), daemonAnswered: () => undefined, notReached: () => undefined };
/** A stale range (the daemon may have gone), whose read gives `read`. */
const stale = (read: () => Promise<ApiRange>): DaemonApiRange => ({ upstream: UPSTREAM, current: () => RANGE, stale: () => true, get: read, daemonAnswered: () => undefined, notReached: () => undefined });
const TIMEOUT = new Error('daemon request GET /version timed out');
const ENOENT = Object.assign(new Error('connect ENOENT /run/docker.sock'), { code: 'ENOENT' });

/** Run afterApiRange and resolve with what it called, in order, once it is done. */
async function steps(range: DaemonApiRange, target: string | undefined, opts: { gone?: boolean; throws?: boolean } = {}): Promise<string[]> {
  const seen: string[] = [];
  await new Promise<void>((resolve) => {
    afterApiRange(range, target === undefined ? undefined : planRequest('GET', target, {}), {
      proceed: () => {
        seen.push('proceed');
        if (opts.throws) throw new Error('bug');
        resolve();
      },
      refuse: (err) => {
        seen.push(`refuse ${(err as GatewayError).reasonCode}`);
        resolve();
      },
      wanted: () => !opts.gone,
      failed: (err) => {
        seen.push(`failed ${(err as Error).message}`);
        resolve();
      },
      waiting: (on) => seen.push(on ? 'wait' : 'read'),
    });
    if (opts.gone) setTimeout(resolve, 20);
  });
  return seen;
}

describe('afterApiRange: the wait of both request paths for the daemon range', () => {
  it.each([
    ['range known: at once', known, '/v1.99/_ping', {}, ['proceed']],
    ['no prefix: at once', unread(() => Promise.reject(new Error('never read'))), '/_ping', {}, ['proceed']],
    ['no plan: at once', unread(() => Promise.reject(new Error('never read'))), undefined, {}, ['proceed']],
    ['read: goes on', unread(() => Promise.resolve(RANGE)), '/v1.41/_ping', {}, ['wait', 'read', 'proceed']],
    ['no connection: goes on as before the gate', unread(() => Promise.reject(ENOENT)), '/v1.41/_ping', {}, ['wait', 'read', 'proceed']],
    ['no range in the answer: refused', unread(() => Promise.reject(new UnusableApiRange('no ApiVersion'))), '/v1.41/_ping', {}, ['wait', 'read', 'refuse api-version-unknown']],
    ['client gone meanwhile: nothing more', unread(() => Promise.resolve(RANGE)), '/v1.41/_ping', { gone: true }, ['wait', 'read']],
    ['client gone, failed read: nothing more', unread(() => Promise.reject(new UnusableApiRange('x'))), '/v1.41/_ping', { gone: true }, ['wait', 'read']],
    ['stale, a prefix it serves: at once', stale(() => Promise.reject(new Error('never read'))), '/v1.41/_ping', {}, ['proceed']],
    ['stale, a prefix it refuses: read again, goes on', stale(() => Promise.resolve(RANGE)), '/v1.50/_ping', {}, ['wait', 'read', 'proceed']],
    ['stale, no connection: refused as unreachable', stale(() => Promise.reject(ENOENT)), '/v1.50/_ping', {}, ['wait', 'read', 'refuse api-version-unreachable']],
    ['stale, no answer in time: the last range decides', stale(() => Promise.reject(TIMEOUT)), '/v1.50/_ping', {}, ['wait', 'read', 'proceed']],
    ['stale, client gone meanwhile: nothing more', stale(() => Promise.reject(ENOENT)), '/v1.50/_ping', { gone: true }, ['wait', 'read']],
    ['a throw after the read goes to failed', unread(() => Promise.resolve(RANGE)), '/v1.41/_ping', { throws: true }, ['wait', 'read', 'proceed', 'failed bug']],
  ] as const)('%s', async (_name, range, target, opts, expected) => {
    expect(await steps(range, target, opts)).toEqual(expected);
  });

  it('the unreachable refusal names the upstream as the forwarder does', async () => {
    const message = await new Promise<string>((resolve, reject) => {
      afterApiRange(stale(() => Promise.reject(ENOENT)), planRequest('GET', '/v1.50/_ping', {}), {
        proceed: () => reject(new Error('proceeded')),
        refuse: (err) => resolve((err as GatewayError).message),
        wanted: () => true,
        failed: reject,
      });
    });
    expect(message).toBe(`dockgate: upstream ${UPSTREAM} unreachable: ENOENT (the daemon could not be reached to read its API versions again; when last reached it did not serve 1.50)`);
  });
});
