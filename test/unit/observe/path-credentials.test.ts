/**
 * A `user[:password]@` in a request path or an image reference never reaches the record: not
 * in the `path` field, the path parameters, the fields that hold references, nor a reason that
 * quotes a path (unclean path, trailing slash, unknown route) (rev-secrets F2, F4). A digest
 * (`name@sha256:...`) is no userinfo and stays as it is.
 */
import { describe, expect, it } from 'vitest';
import { FactsError } from '../../../src/facts/errors.js';
import { planRequest } from '../../../src/facts/build-facts.js';
import { normalizePath } from '../../../src/facts/path.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { auditPath } from '../../../src/observe/audit-path.js';
import { auditFields } from '../../../src/observe/redact.js';
import { alice, req } from '../policy/fixtures.js';

const SECRET = 'Hunter2-PATH-SECRET';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const policy = loadPolicy('version: 1\nrules:\n  - name: all\n    who: { anyone: true }\n    allow: all\n');

/** The message of the FactsError `fn` throws. */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    if (err instanceof FactsError) return `${err.code}: ${err.message}`;
    throw err;
  }
  throw new Error('not refused');
}

const json = (v: unknown) => JSON.stringify(v);

// [name, what the record would hold, what it must say]
const cases: [string, () => string, string][] = [
  // Reasons that quote a path.
  ['unclean path with a URL in it', () => refusal(() => normalizePath(`/v1.41/distribution/https://u:${SECRET}@127.0.0.1:41498/x/json`)), 'unclean path "/v1.41/distribution/https://***@127.0.0.1:41498/x/json"'],
  ['unclean path with a bare userinfo', () => refusal(() => normalizePath(`/v1.41/images/u:${SECRET}@h/x/../push`)), 'unclean path "/v1.41/images/***@h/x/../push"'],
  ['unclean path with an escaped @', () => refusal(() => normalizePath(`/v1.41/images/u:${SECRET}%40h//x/push`)), 'unclean path "/v1.41/images/***@h//x/push"'],
  ['trailing slash, absolute-form target', () => refusal(() => planRequest('GET', `http://127.0.0.1/v1.41/images/u:${SECRET}@h/x/json/`, {})), 'path "/v1.41/images/***@h/x/json/" has a trailing slash'],
  ['unknown route', () => decide(policy, alice, req('GET', `/v1.41/nosuch/u:${SECRET}@h`)).reason, 'no Engine API route matches GET /v1.41/nosuch/***@h'],
  // The path field.
  ['path of an image push', () => auditPath(req('POST', `/v1.41/images/u:${SECRET}@127.0.0.1:41498/x/push`), ''), '/images/***@127.0.0.1:41498/x/push'],
  ['path of a plugin push', () => auditPath(req('POST', `/v1.41/plugins/u:${SECRET}@h/p/push`), ''), '/plugins/***@h/p/push'],
  ['raw target with a trailing slash', () => auditPath(undefined, `http://127.0.0.1/v1.41/images/u:${SECRET}@h/x/json/`), 'http://127.0.0.1/v1.41/images/***@h/x/json/'],
  ['raw target with an escaped @', () => auditPath(undefined, `/v1.41//images/u:${SECRET}%40h/x/push`), '/v1.41//images/***@h/x/push'],
  // Path parameters and reference fields.
  ['name of an image push', () => json(auditFields(req('POST', `/v1.41/images/u:${SECRET}@127.0.0.1:41498/x/push`))), '"name":"***@127.0.0.1:41498/x"'],
  ['name of a plugin push', () => json(auditFields(req('POST', `/v1.41/plugins/u:${SECRET}@h/p/push`))), '"name":"***@h/p"'],
  ['fromImage without a scheme', () => json(auditFields(req('POST', `/v1.41/images/create?fromImage=user:${SECRET}@127.0.0.1:41498/x&tag=1`))), '"fromImage":"***@127.0.0.1:41498/x"'],
  ['a container Image without a scheme', () => json(auditFields(req('POST', '/v1.41/containers/create', { Image: `u:${SECRET}@h/x` }))), '"image":"***@h/x"'],
  ['a tag repo without a scheme', () => json(auditFields(req('POST', `/v1.41/images/busybox/tag?repo=u:${SECRET}@h/x&tag=1`))), '"repo":"***@h/x"'],
  // A password holding a `/`, sent as %2F (rev-fixes1 F2).
  ['path of an image inspect, password with %2F', () => auditPath(req('GET', `/v1.41/images/u:${SECRET}%2Fz@h/x/json`), ''), '/images/***@h/x/json'],
  ['name of an image inspect, password with %2F', () => json(auditFields(req('GET', `/v1.41/images/u:${SECRET}%2Fz@h/x/json`))), '"name":"***@h/x"'],
  ['fromImage with a password holding /', () => json(auditFields(req('POST', `/v1.41/images/create?fromImage=u:ab/${SECRET}@h/x`))), '"fromImage":"***@h/x"'],
  // A host called sha256 with a port is no digest (rev-fixes1 F1).
  ['fromImage with a host called sha256', () => json(auditFields(req('POST', `/v1.41/images/create?fromImage=u:${SECRET}@sha256:5000/x`))), '"fromImage":"***@sha256:5000/x"'],
  ['a plugin pull name without a scheme', () => json(auditFields(req('POST', `/v1.41/plugins/pull?remote=u:${SECRET}@h/p&name=u:${SECRET}@h/q`, []))), '"remote":"***@h/p","name":"***@h/q"'],
];

describe('userinfo in paths and references is masked', () => {
  it.each(cases)('%s', (_name, got, want) => {
    const text = got();
    expect(text).toContain(want);
    expect(text).not.toContain(SECRET);
  });
});

// [name, what the record would hold, what it must say]: digests and plain names stay as sent.
const kept: [string, () => string, string][] = [
  ['a pull by digest', () => json(auditFields(req('POST', `/v1.41/images/create?fromImage=busybox@${DIGEST}`))), `"fromImage":"busybox@${DIGEST}"`],
  ['an image inspect by digest', () => auditPath(req('GET', `/v1.41/images/busybox@${DIGEST}/json`), ''), `/images/busybox@${DIGEST}/json`],
  ['a Image by digest with a registry port', () => json(auditFields(req('POST', '/v1.41/containers/create', { Image: `localhost:5000/busybox:1@${DIGEST}` }))), `"image":"localhost:5000/busybox:1@${DIGEST}"`],
  ['a plain path', () => auditPath(req('GET', '/v1.41/containers/web/json'), ''), '/containers/web/json'],
];

describe('digests and plain names are kept', () => {
  it.each(kept)('%s', (_name, got, want) => {
    expect(got()).toContain(want);
  });
});
