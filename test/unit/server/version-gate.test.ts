import { describe, expect, it } from 'vitest';
import { planRequest } from '../../../src/facts/build-facts.js';
import type { ApiRange } from '../../../src/facts/api-range.js';
import { UnusableApiRange, type DaemonApiRange } from '../../../src/runtime/daemon-api-range.js';
import { rangeNeeded, rangeUnknown, staleRangeUnread, versionRefused } from '../../../src/server/version-gate.js';

const known = (range: ApiRange | undefined, stale = false): DaemonApiRange => ({ current: () => range, stale: () => stale, get: () => (range ? Promise.resolve(range) : Promise.reject(new Error('unknown'))), daemonAnswered: () => undefined, notReached: () => undefined });
const D2010 = known({ min: '1.12', max: '1.41' });

describe('versionRefused (the gate of both request paths)', () => {
  it.each([
    ['POST', '/v1.99/containers/r1/start', 'api-version: client version 1.99 is too new. Maximum supported API version is 1.41', 'ContainerStart'],
    ['POST', '/v1.11/containers/r1/start', 'api-version: client version 1.11 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version', 'ContainerStart'],
    ['GET', '/v1/_ping', 'api-version: client version 1 is too old. Minimum supported API version is 1.12, please upgrade your client to a newer version', 'SystemPing'],
    ['POST', '/v1.41/containers/r1/start', undefined, undefined],
    ['POST', '/v1.12/containers/r1/start', undefined, undefined],
    ['POST', '/containers/r1/start', undefined, undefined],
    // No route: dockerd's 404 comes before its version check; the policy denies it (unknown-route).
    ['GET', '/v1.99/nope', undefined, undefined],
  ])('%s %s -> %s', (method, target, reason, operation) => {
    const got = versionRefused(D2010, method, target, planRequest(method, target, {}));
    expect(got?.reason).toBe(reason);
    expect(got?.facts.operation?.name).toBe(operation);
    if (got) {
      expect(got.facts.path).toBe(target.replace(/^\/v[0-9.]+/, ''));
      expect(got.answer.status).toBe(400);
    }
  });

  it('is not applied while the range is unknown; rangeNeeded says when to read it', () => {
    const unknown = known(undefined);
    expect(versionRefused(unknown, 'GET', '/v1.99/_ping', planRequest('GET', '/v1.99/_ping', {}))).toBeUndefined();
    expect(rangeNeeded(unknown, planRequest('GET', '/v1.99/_ping', {}))).toBe(true);
    expect(rangeNeeded(unknown, planRequest('GET', '/_ping', {}))).toBe(false);
    expect(rangeNeeded(D2010, planRequest('GET', '/v1.99/_ping', {}))).toBe(false);
  });

  it.each([
    [new UnusableApiRange('GET /version answered 404 without ApiVersion and MinAPIVersion'), 'api-version-unknown'],
    [Object.assign(new Error('connect ENOENT /run/docker.sock'), { code: 'ENOENT' }), undefined],
    [Object.assign(new Error('connect ECONNREFUSED /run/docker.sock'), { code: 'ECONNREFUSED' }), undefined],
    [Object.assign(new Error('connect EACCES /run/docker.sock'), { code: 'EACCES' }), undefined],
    // A daemon that accepted the connection and did not answer (frozen, starting) may act on the
    // request once it does: refused (rev-fix-ver V1).
    [new Error('daemon request GET /version timed out'), 'api-version-unknown'],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), 'api-version-unknown'],
  ])('a failed read (%s): refused %s', (err, code) => {
    const got = rangeUnknown(err);
    expect(got?.reasonCode).toBe(code);
    if (got) expect(got.status).toBe(502);
  });

  it.each([
    ['unknown', '/v1.50/containers/json', true, known(undefined)],
    ['unknown, no prefix', '/containers/json', false, known(undefined)],
    ['known', '/v1.50/containers/json', false, D2010],
    // The daemon may have gone: a version the last range refuses is read again, so that the
    // client hears the daemon is unreachable rather than that its version is not served.
    ['stale, refused by it', '/v1.50/containers/json', true, known({ min: '1.12', max: '1.41' }, true)],
    ['stale, below it', '/v1.11/containers/json', true, known({ min: '1.12', max: '1.41' }, true)],
    ['stale, served by it', '/v1.41/containers/json', false, known({ min: '1.12', max: '1.41' }, true)],
    ['stale, no prefix', '/containers/json', false, known({ min: '1.12', max: '1.41' }, true)],
  ])('rangeNeeded: %s, %s -> %s', (_what, target, needed, range) => {
    expect(rangeNeeded(range, planRequest('GET', target, {}))).toBe(needed);
  });

  it.each([
    [Object.assign(new Error('connect ENOENT /run/docker.sock'), { code: 'ENOENT' }), 'dockgate: upstream unreachable: ENOENT (the daemon could not be reached to read its API versions again; when last reached it did not serve 1.50)'],
    [Object.assign(new Error('connect ECONNREFUSED /run/docker.sock'), { code: 'ECONNREFUSED' }), 'dockgate: upstream unreachable: ECONNREFUSED (the daemon could not be reached to read its API versions again; when last reached it did not serve 1.50)'],
    [Object.assign(new Error('connect EACCES /run/docker.sock'), { code: 'EACCES' }), 'dockgate: upstream unreachable: EACCES (the daemon could not be reached to read its API versions again; when last reached it did not serve 1.50)'],
    // The daemon is there (frozen, starting, or answering without a range): the last range decides.
    [new Error('daemon request GET /version timed out'), undefined],
    [Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), undefined],
    [new UnusableApiRange('GET /version answered 404 without ApiVersion and MinAPIVersion'), undefined],
  ])('reading a stale range again failed (%s): refused %s', (err, message) => {
    const got = staleRangeUnread(err, '1.50');
    expect(got?.message).toBe(message);
    if (got) expect([got.status, got.reasonCode]).toEqual([502, 'api-version-unreachable']);
  });
});
