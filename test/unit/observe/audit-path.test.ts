/** The path an audit record holds (audit-path.ts): the normalised path escaped again, or a raw target without its query, fragment or userinfo. */
import { describe, expect, it } from 'vitest';
import { auditPath } from '../../../src/observe/audit-path.js';
import { facts } from './fixtures.js';
import { SECRET } from './redact-fixtures.js';

describe('auditPath', () => {
  it('prefers the normalised path', () => {
    expect(auditPath(facts(undefined, { path: '/containers/x/json' }), '/v1.41/containers/x/json?size=1')).toBe('/containers/x/json');
  });
  // The normalised path is decoded: `%`, `?`, `#` and controls are escaped again, so that a
  // name `a?b=1#` is not read as a query and fragment (rev-parse F3).
  it.each([
    ['/containers/a?b=1#/json', '/containers/a%3Fb=1%23/json'],
    ['/containers/json?all=1', '/containers/json%3Fall=1'],
    ['/containers/100%/json', '/containers/100%25/json'],
    ['/containers/a%3Fb/json', '/containers/a%253Fb/json'],
    ['/containers/a\nb\u007f\u0085/json', '/containers/a%0Ab%7F%C2%85/json'],
    ['/containers/caf\u00e9 x/json', '/containers/caf\u00e9 x/json'],
  ])('decoded path %j is recorded as %j', (path, want) => {
    expect(auditPath(facts(undefined, { path }), '/x')).toBe(want);
  });
  it('drops the query of a raw target (it may carry build args)', () => {
    expect(auditPath(undefined, '/v1.41/build?buildargs={"T":"s3cr3t"}')).toBe('/v1.41/build');
  });
  it('truncates very long targets', () => {
    const got = auditPath(undefined, '/' + 'a'.repeat(5000));
    expect(got.length).toBeLessThan(2100);
    expect(got).toMatch(/\.\.\.\[truncated 2953 chars\]$/);
  });
  // Raw targets refused before parsing: [target, logged path].
  it.each([
    [`http://admin:${SECRET}@docker.example.com/v1.41/containers/json`, 'http://***@docker.example.com/v1.41/containers/json'],
    [`HTTPS://${SECRET}@docker.example.com/v1.41/info?x=1`, 'HTTPS://***@docker.example.com/v1.41/info'],
    // A ? or # ends the authority as Go reads it (rev-fix-http F3): `u:p` is no host[:port], so it
    // is masked whole, and the cut at the ? or # leaves nothing of the rest.
    [`http://u:p?${SECRET}@h/x`, 'http://***'],
    [`http://u:p#${SECRET}@h/x`, 'http://***'],
    [`http://127.0.0.1:2375?${SECRET}@h/x`, 'http://127.0.0.1:2375'],
    [`//u:${SECRET}@h/v1.41/info`, '//***@h/v1.41/info'],
    [`/v1.41/containers/json#${SECRET}`, '/v1.41/containers/json'],
    [`/v1.41/containers/json#a?t=${SECRET}`, '/v1.41/containers/json'],
    [`/v1.41/build?a=1#${SECRET}`, '/v1.41/build'],
    [`http://h/v1.41/x/http://u:${SECRET}@y/z`, 'http://h/v1.41/x/http://***@y/z'],
    [`/v1.41/images/busybox@sha256:${'a'.repeat(64)}/json`, `/v1.41/images/busybox@sha256:${'a'.repeat(64)}/json`], // a digest is not userinfo
    ['*', '*'],
    [`user:${SECRET}@example.invalid:443`, '***@example.invalid:443'], // CONNECT's authority form
    [`${SECRET}@example.invalid:443`, '***@example.invalid:443'],
    [`/v1.41/containers/u:${SECRET}@b/json`, '/v1.41/containers/***@b/json'], // a segment's `user:pw@` is masked wherever it is (rev-secrets F4)
    // No digest dockerd accepts (too short): the name before it errs towards masking.
    ['/v1.41/images/busybox@sha256:abc/json', '/v1.41/images/***@sha256:abc/json'],
    // A digest before the query of a refused target, or with its colon sent as %3A, is no
    // userinfo either (rev-fixes1 F3).
    [`/v1.41/images/busybox@sha256:${'a'.repeat(64)}?force=%zz`, `/v1.41/images/busybox@sha256:${'a'.repeat(64)}`],
    [`/v1.41/images/busybox@sha256%3A${'a'.repeat(64)}/`, `/v1.41/images/busybox@sha256%3A${'a'.repeat(64)}/`],
    [`/v1.41/images/busybox%40sha256%3a${'a'.repeat(64)}#x`, `/v1.41/images/busybox%40sha256%3a${'a'.repeat(64)}`],
    // A password holding a `/` (sent as %2F) is masked whole (rev-fixes1 F2).
    [`/v1.41/images/u:ab%2F${SECRET}@h/x/json`, '/v1.41/images/***@h/x/json'],
    [`/v1.41/images/u:${SECRET}/z@h/x/json`, '/v1.41/images/***@h/x/json'],
    // A host called sha256 with a port is no digest (rev-fixes1 F1).
    [`/v1.41/images/u:${SECRET}@sha256:5000/x/json`, '/v1.41/images/***@sha256:5000/x/json'],
  ])('raw target %j -> %j', (target, want) => {
    const got = auditPath(undefined, target);
    expect(got).toBe(want);
    expect(got).not.toContain(SECRET);
  });
  it('masks a userinfo longer than the truncation limit before the cut', () => {
    const got = auditPath(undefined, `http://u:${'A'.repeat(3000)}${SECRET}@h/v1.41/info`);
    expect(got).toBe('http://***@h/v1.41/info');
  });
});
