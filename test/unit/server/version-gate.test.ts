import { describe, expect, it } from 'vitest';
import { planRequest } from '../../../src/facts/build-facts.js';
import type { ApiRange } from '../../../src/facts/api-range.js';
import { UnusableApiRange, type DaemonApiRange } from '../../../src/runtime/daemon-api-range.js';
import { rangeNeeded, rangeUnknown, versionRefused } from '../../../src/server/version-gate.js';

const known = (range: ApiRange | undefined): DaemonApiRange => ({ current: () => range, get: () => (range ? Promise.resolve(range) : Promise.reject(new Error('unknown'))), daemonAnswered: () => undefined });
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
});
