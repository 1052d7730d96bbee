/** Test fixtures for the policy stage: identities, facts from real requests, policies from YAML. */
import type { Identity, JsonValue, RequestFacts } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import { operationByName } from '../../../src/facts/operations.js';
import { loadPolicy, type CompiledPolicy } from '../../../src/policy/compile.js';
import { PolicyError, type PolicyProblem } from '../../../src/policy/errors.js';

/** An identity as the certificate stage would produce it. */
export function identity(name: string, groups: string[] = [], sans: Partial<Identity['sans']> = {}): Identity {
  return {
    name,
    groups,
    organizations: [],
    sans: { dns: [], ip: [], email: [], uri: [], ...sans },
    fingerprint: '00'.repeat(32),
    serial: '01',
    notAfter: new Date('2030-01-01T00:00:00Z'),
    issuer: 'CN=dockgate test CA',
    issuerKey: '',
  };
}

/** Facts of a request, built by the real facts stage; `body` is JSON-encoded unless a string. */
export function req(method: string, target: string, body?: unknown): RequestFacts {
  const headers: Record<string, string> = {};
  let bytes: Uint8Array | undefined;
  if (body !== undefined) {
    headers['content-type'] = 'application/json';
    bytes = new TextEncoder().encode(typeof body === 'string' ? body : JSON.stringify(body));
  }
  return buildFacts({ method, rawTarget: target, headers, body: bytes });
}

/**
 * Hand-built facts for an operation with a body the decoder would refuse or reshape (for
 * checking that guards still read it as Go would, e.g. `ſ`-folded keys).
 */
export function rawFacts(opName: string, body?: JsonValue, query: Record<string, string> = {}, params: Record<string, string> = {}): RequestFacts {
  const operation = operationByName(opName);
  if (!operation) throw new Error(`no operation ${opName}`);
  const facts: RequestFacts = {
    method: operation.method,
    rawTarget: operation.pattern,
    path: operation.pattern,
    operation,
    params,
    query,
    queryAll: Object.fromEntries(Object.entries(query).map(([k, v]) => [k, [v]])),
  };
  if (body !== undefined) facts.body = body;
  return facts;
}

/** A policy with one allow-everything rule for `anyone` carrying these guards. */
export function guarded(guards: string): CompiledPolicy {
  const indented = guards
    .trim()
    .split('\n')
    .map((l) => `      ${l}`)
    .join('\n');
  return loadPolicy(`version: 1\nrules:\n  - name: guarded\n    who: { anyone: true }\n    allow: all\n    guards:\n${indented}\n`);
}

export const alice = identity('alice', ['developers']);

/** The problems loading `text` reports; throws when it loads without any. */
export function problems(text: string): PolicyProblem[] {
  try {
    loadPolicy(text, 'test.yaml');
  } catch (err) {
    if (err instanceof PolicyError) return [...err.problems];
    throw err;
  }
  throw new Error('policy loaded without problems');
}
