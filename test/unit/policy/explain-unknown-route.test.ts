/**
 * `policy explain` of a request with no operation: its line says why. A versioned
 * `GET /vX.YY/debug/...`, which dockerd 28 and later serve but the gateway matches to no route
 * (the /debug routes are matched unversioned only), is said to be denied by the gateway whatever
 * the policy allows, not that dockerd has no such route; any other unknown route keeps that
 * wording. The decision stays unknown-route in both cases, for a caller allowed everything.
 */
import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/policy/evaluate.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { explain, formatExplanation } from '../../../src/policy/explain.js';
import { identity, req } from './fixtures.js';

const policy = loadPolicy(`
version: 1
rules:
  - { name: admins, who: { users: [alice] }, allow: all }
`);
const alice = identity('alice');

const NO_ROUTE = 'operation: none (dockerd has no such route)';
const gatewayOnly = (unversioned: string, name: string): string =>
  `operation: none (the gateway matches the /debug routes unversioned only and denies this versioned one whatever the policy allows, though dockerd 28 and later serve it; the unversioned GET ${unversioned} is ${name}, decided by the policy)`;

describe('explain: the operation line of a request without an operation', () => {
  it.each<[string, string, string]>([
    // dockerd 28 and later register GET /vX.YY/debug/...: the gateway's refusal is its own.
    ['GET', '/v1.47/debug/vars', gatewayOnly('/debug/vars', 'DebugVars')],
    ['GET', '/v1.41/debug/pprof/cmdline', gatewayOnly('/debug/pprof/cmdline', 'DebugPprofCmdline')],
    ['GET', '/v1.50/debug/pprof/profile?seconds=1', gatewayOnly('/debug/pprof/profile', 'DebugPprofProfile')],
    ['GET', '/v1.47/debug/pprof/heap', gatewayOnly('/debug/pprof/heap', 'DebugPprof')],
    ['GET', '/v1.041/debug/pprof/trace', gatewayOnly('/debug/pprof/trace', 'DebugPprofTrace')],
    // Only GET is registered versioned (dockerd 28); up to 27 no versioned /debug route at all.
    ['POST', '/v1.47/debug/vars', NO_ROUTE],
    ['HEAD', '/v1.47/debug/vars', NO_ROUTE],
    ['DELETE', '/v1.47/debug/pprof/heap', NO_ROUTE],
    // Not a /debug route, with or without the prefix.
    ['GET', '/v1.47/debug/pprof/heap/more', NO_ROUTE],
    ['GET', '/v1.47/debug', NO_ROUTE],
    ['GET', '/v1.47/nope', NO_ROUTE],
    ['GET', '/nope', NO_ROUTE],
    ['GET', '/debug/nope', NO_ROUTE],
  ])('%s %s', (method, target, line) => {
    const facts = req(method, target);
    const e = explain(policy, alice, facts);
    expect(e.operation).toBeUndefined();
    expect(formatExplanation(e).split('\n')[1]).toBe(line);
    // The route table's decision is unchanged: denied, whatever the policy allows.
    expect(e.decision).toEqual(decide(policy, alice, facts));
    expect(e.decision).toMatchObject({ outcome: 'deny', forward: false, rule: 'default', code: 'unknown-route' });
  });

  it.each<[string, string, string]>([
    ['GET', '/debug/vars', 'operation: DebugVars (section debug, power exfiltrate, route * /debug/vars)'],
    ['POST', '/debug/pprof/heap', 'operation: DebugPprof (section debug, power exfiltrate, route * /debug/pprof/{name})'],
    ['GET', '/v1.47/info', 'operation: SystemInfo (section system, power read, route GET /info)'],
  ])('%s %s keeps its operation line and is decided by the policy', (method, target, line) => {
    const e = explain(policy, alice, req(method, target));
    expect(formatExplanation(e).split('\n')[1]).toBe(line);
    expect(e.unversionedOnly).toBeUndefined();
    expect(e.decision).toMatchObject({ outcome: 'allow', rule: 'admins' });
  });
});
