/**
 * admit(): the facts stage then the decision, as both the normal and the upgrade paths call it.
 * A request the facts stage refuses becomes a GatewayError (400, never forwarded) and the
 * policy never sees it; otherwise the gatekeeper decides the facts buildFacts made.
 */
import { describe, expect, it } from 'vitest';
import type { Decision, Identity, RequestFacts } from '../../../src/core/types.js';
import { buildFacts, planRequest } from '../../../src/facts/build-facts.js';
import { GatewayError } from '../../../src/http/gateway-error.js';
import { admit } from '../../../src/server/admit.js';
import type { Gatekeeper } from '../../../src/server/gatekeeper.js';

const alice: Identity = { name: 'alice', groups: ['dev'], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: 'ab'.repeat(32), serial: '01', notAfter: new Date(0), issuer: 'CN=CA', issuerKey: 'CN=CA' };
const decision: Decision = { forward: true, outcome: 'allow', rule: 'r1', code: 'allowed', reason: 'allowed by r1' } as Decision;

/** A gatekeeper that records what it is asked and answers `decision`. */
function recorder(): Gatekeeper & { calls: Array<[Identity, RequestFacts]> } {
  const calls: Array<[Identity, RequestFacts]> = [];
  return {
    calls,
    version: 'test',
    decide(identity, facts) {
      calls.push([identity, facts]);
      return decision;
    },
    denialWhateverTheBody: () => undefined,
    denyMessage: () => 'denied',
  };
}

const json = { 'content-type': 'application/json' };

describe('admit', () => {
  it.each<[string, string, string, Record<string, string>, string | undefined]>([
    ['a list', 'GET', '/v1.41/containers/json?all=1', {}, undefined],
    ['a create with its body', 'POST', '/v1.41/containers/create?name=web', json, '{"Image":"busybox"}'],
    ['no route (dockerd 404s)', 'GET', '/v1.41/nothing/here', {}, undefined],
    ['no version prefix', 'POST', '/containers/abc/start', {}, undefined],
  ])('%s: the gatekeeper decides the facts buildFacts makes, once', (_label, method, target, headers, body) => {
    const gk = recorder();
    const buf = body === undefined ? undefined : Buffer.from(body);
    const result = admit(gk, alice, method, target, headers, buf);
    const expected = buildFacts({ method, rawTarget: target, headers, body: buf });
    expect(result.facts).toEqual(expected);
    expect(result.decision).toBe(decision);
    expect(gk.calls).toHaveLength(1);
    expect(gk.calls[0]?.[0]).toBe(alice);
    expect(gk.calls[0]?.[1]).toBe(result.facts);
  });

  it('the body reaches the facts', () => {
    const result = admit(recorder(), alice, 'POST', '/v1.41/containers/create', json, Buffer.from('{"Image":"busybox","HostConfig":{"Privileged":true}}'));
    expect(result.facts.body).toEqual({ Image: 'busybox', HostConfig: { Privileged: true } });
  });

  it('uses the plan it is given instead of planning again', () => {
    const plan = planRequest('GET', '/v1.41/containers/json', {});
    const result = admit(recorder(), alice, 'GET', '/v1.41/images/json', {}, undefined, plan);
    expect(result.facts.path).toBe('/containers/json');
    expect(result.facts.operation?.name).toBe(plan.match?.operation.name);
  });

  it.each<[string, string, string, Record<string, string>, string | undefined, string]>([
    ['an unclean path', 'GET', '/v1.41/containers//json', {}, undefined, 'unclean-path'],
    ['a bad escape', 'GET', '/v1.41/containers/%zz/json', {}, undefined, 'bad-escape'],
    ['a body that is no JSON', 'POST', '/v1.41/containers/create', json, '{"Image":', 'bad-json'],
    ['duplicate keys', 'POST', '/v1.41/containers/create', json, '{"Image":"a","Image":"b"}', 'ambiguous-json'],
    ['a start body with a HostConfig', 'POST', '/v1.41/containers/abc/start', json, '{"Privileged":true}', 'json-shape'],
  ])('%s is refused 400 malformed with the facts code, and the policy never sees it', (_label, method, target, headers, body, code) => {
    const gk = recorder();
    let caught: unknown;
    try {
      admit(gk, alice, method, target, headers, body === undefined ? undefined : Buffer.from(body));
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(GatewayError);
    const e = caught as GatewayError;
    expect([e.code, e.status, e.reasonCode]).toEqual(['malformed', 400, code]);
    expect(e.message).toMatch(new RegExp(`^dockgate: refused ${method} request: \\S`));
    expect(gk.calls).toEqual([]);
  });

  it('the refusal carries the facts stage\'s message', () => {
    let caught: unknown;
    try {
      buildFacts({ method: 'GET', rawTarget: '/v1.41/containers//json', headers: {} });
    } catch (err) {
      caught = err;
    }
    expect(() => admit(recorder(), alice, 'GET', '/v1.41/containers//json', {})).toThrow(`dockgate: refused GET request: ${(caught as Error).message}`);
  });
});
