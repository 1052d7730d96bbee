import { describe, expect, it } from 'vitest';
import { planRequest } from '../../../src/facts/build-facts.js';
import type { ApiRange } from '../../../src/facts/api-range.js';
import { UnusableApiRange, type DaemonApiRange } from '../../../src/runtime/daemon-api-range.js';
import { rangeNeeded, rangeUnknown, staleRangeUnread, versionRefused } from '../../../src/server/version-gate.js';

const known = (range: ApiRange | undefined, stale = false): DaemonApiRange => ({ upstream: 'unix:///run/docker.sock', current: () => range, stale: () => stale, get: () => (range ? Promise.resolve(range) : Promise.reject(new Error('unknown'))), daemonAnswered: () => undefined, notReached: () => undefined });
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
    // A TCP upstream that could not be reached: the request gets the forwarder's 502 as any other.
    [Object.assign(new Error('getaddrinfo ENOTFOUND docker.example'), { code: 'ENOTFOUND', syscall: 'getaddrinfo' }), undefined],
    [Object.assign(new Error('connect EHOSTUNREACH 192.0.2.1:2375'), { code: 'EHOSTUNREACH', syscall: 'connect' }), undefined],
    [Object.assign(new Error('connect ENETUNREACH 192.0.2.1:2375'), { code: 'ENETUNREACH', syscall: 'connect' }), undefined],
    [Object.assign(new Error('connect ETIMEDOUT 192.0.2.1:2375'), { code: 'ETIMEDOUT', syscall: 'connect' }), undefined],
    // A connection the kernel timed out after it was made: the daemon may have the request.
    [Object.assign(new Error('read ETIMEDOUT'), { code: 'ETIMEDOUT', syscall: 'read' }), 'api-version-unknown'],
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

  const again = '(the daemon could not be reached to read its API versions again; when last reached it did not serve 1.50)';
  /** An error as Node raises it: a code and the call that failed. */
  const osError = (code: string, syscall: string, where: string): Error => Object.assign(new Error(`${syscall} ${code} ${where}`), { code, syscall });
  it.each([
    ['unix:///run/docker.sock', osError('ENOENT', 'connect', '/run/docker.sock'), `dockgate: upstream unix:///run/docker.sock unreachable: ENOENT ${again}`],
    ['unix:///run/docker.sock', osError('ECONNREFUSED', 'connect', '/run/docker.sock'), `dockgate: upstream unix:///run/docker.sock unreachable: ECONNREFUSED ${again}`],
    ['unix:///run/docker.sock', osError('EACCES', 'connect', '/run/docker.sock'), `dockgate: upstream unix:///run/docker.sock unreachable: EACCES ${again}`],
    // A TCP upstream: its port, name, host, network, or the kernel's connect timeout (upstream-errors.ts).
    ['tcp://127.0.0.1:2375', osError('ECONNREFUSED', 'connect', '127.0.0.1:2375'), `dockgate: upstream tcp://127.0.0.1:2375 unreachable: ECONNREFUSED ${again}`],
    ['tcp://docker.example:2375', osError('ENOTFOUND', 'getaddrinfo', 'docker.example'), `dockgate: upstream tcp://docker.example:2375 unreachable: ENOTFOUND ${again}`],
    ['tcp://docker.example:2375', osError('EHOSTUNREACH', 'connect', '192.0.2.1:2375'), `dockgate: upstream tcp://docker.example:2375 unreachable: EHOSTUNREACH ${again}`],
    ['tcp://docker.example:2375', osError('ENETUNREACH', 'connect', '192.0.2.1:2375'), `dockgate: upstream tcp://docker.example:2375 unreachable: ENETUNREACH ${again}`],
    ['tcp://docker.example:2375', osError('ETIMEDOUT', 'connect', '192.0.2.1:2375'), `dockgate: upstream tcp://docker.example:2375 unreachable: ETIMEDOUT ${again}`],
    // The daemon is there (frozen, starting, or answering without a range): the last range decides.
    ['unix:///run/docker.sock', new Error('daemon request GET /version timed out'), undefined],
    ['unix:///run/docker.sock', Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }), undefined],
    ['tcp://docker.example:2375', osError('ETIMEDOUT', 'read', ''), undefined],
    ['unix:///run/docker.sock', new UnusableApiRange('GET /version answered 404 without ApiVersion and MinAPIVersion'), undefined],
  ])('reading a stale range of %s again failed (%s): refused %s', (upstream, err, message) => {
    const got = staleRangeUnread(err, '1.50', upstream);
    expect(got?.message).toBe(message);
    if (got) expect([got.status, got.reasonCode]).toEqual([502, 'api-version-unreachable']);
  });
});
