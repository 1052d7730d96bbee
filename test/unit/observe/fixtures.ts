// Builders for the records the data path hands to the observer, with realistic defaults.
import type { RequestRecord } from '../../../src/core/observer.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import { auditLine } from '../../../src/observe/audit-line.js';
import { toAuditRecord } from '../../../src/observe/audit-record.js';
import type { Identity, JsonValue, Operation, RequestFacts } from '../../../src/core/types.js';

export function operation(name: string, method = 'POST', pattern = '/x', extra: Partial<Operation> = {}): Operation {
  return { name, method, pattern, section: 'containers', power: 'write', body: 'json', hijack: false, streaming: false, ...extra };
}

export const alice: Identity = {
  name: 'alice',
  groups: ['dev', 'ops'],
  organizations: ['example'],
  sans: { dns: [], ip: [], email: ['alice@example.com'], uri: [] },
  fingerprint: 'ab'.repeat(32),
  serial: '01',
  notAfter: new Date('2030-01-01T00:00:00Z'),
  issuer: 'CN=dockgate test CA',
  issuerKey: '',
};

export function facts(op: Operation | undefined, over: Partial<RequestFacts> & { body?: JsonValue } = {}): RequestFacts {
  return {
    method: op?.method ?? 'GET',
    rawTarget: over.rawTarget ?? '/v1.41/x',
    path: '/x',
    apiVersion: '1.41',
    operation: op,
    params: {},
    query: {},
    queryAll: {},
    ...over,
  };
}

export function record(over: Partial<RequestRecord> = {}): RequestRecord {
  const op = operation('ContainerList', 'GET', '/containers/json');
  return {
    requestId: 'req-1',
    startedAt: Date.UTC(2025, 0, 2, 3, 4, 5, 678),
    client: '127.0.0.1:50000',
    identity: alice,
    method: 'GET',
    rawTarget: '/v1.41/containers/json',
    facts: facts(op, { path: '/containers/json', rawTarget: '/v1.41/containers/json' }),
    decision: { forward: true, outcome: 'allow', rule: 'read-only', code: 'allowed', reason: 'reads are allowed' },
    outcome: 'allow',
    status: 200,
    bytesIn: 0,
    bytesOut: 1234,
    headersMs: 4.5,
    durationMs: 5.25,
    stream: false,
    ...over,
  };
}

/** A raw request as a client sends it, for {@link writtenAuditLine}. */
export interface RawRequest {
  method: string;
  target: string;
  headers?: Record<string, string>;
  body?: string;
}

/** The audit line written for `req`, from the raw request through the facts and the record (a docker 28 user agent). */
export function writtenAuditLine({ method, target, headers, body }: RawRequest): string {
  const allHeaders = { 'user-agent': 'Docker-Client/28.0 (linux)', ...headers };
  const built = buildFacts({ method, rawTarget: target, headers: allHeaders, body: body === undefined ? undefined : new TextEncoder().encode(body) });
  return auditLine(toAuditRecord(record({ method, rawTarget: target, facts: built, headers: allHeaders })));
}
