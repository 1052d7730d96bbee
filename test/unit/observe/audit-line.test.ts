import { describe, expect, it } from 'vitest';
import type { RequestRecord } from '../../../src/core/observer.js';
import { auditLine } from '../../../src/observe/audit-line.js';
import { toAuditRecord, type AuditRecord } from '../../../src/observe/audit-record.js';
import { escapeJsonLine } from '../../../src/observe/escape.js';
import { alice, facts, operation, record } from './fixtures.js';

/** What the line must be: JSON.stringify of the record with `type` first, risky characters escaped. */
function reference(r: AuditRecord): string {
  return escapeJsonLine(`{"type":"decision",${JSON.stringify(r).slice(1)}\n`);
}

/** Strings that JSON or escapeJsonLine must rewrite, and some they must leave alone. */
const STRINGS: Array<[string, string]> = [
  ['empty', ''],
  ['plain', 'web-1_a.b:c/d@e~f'],
  ['every printable ASCII', Array.from({ length: 95 }, (_, i) => String.fromCharCode(0x20 + i)).join('')],
  ['quote', 'a"b'],
  ['backslash', 'a\\b'],
  ['newline and a forged record', 'web\n{"requestId":"forged","decision":"allow"}\r\n'],
  ['tab', 'a\tb'],
  ['NUL', 'a\u0000b'],
  ['ESC sequence', '\u001b[31mred\u001b[0m'],
  ['DEL', 'a\u007fb'],
  ['C1 NEL and CSI', '\u0085\u009b2J'],
  ['line separators', 'a\u2028b\u2029c'],
  ['bidi overrides and isolates', '\u202etxt.exe\u2066\u2069\u061c\u200e\u200f'],
  ['accents and CJK', 'café 日本'],
  ['emoji (surrogate pair)', 'ship 🚢'],
  ['lone high surrogate', 'a\ud800b'],
  ['lone low surrogate', '\udfffz'],
];

/** Characters no line may hold raw: C0 and C1 controls, DEL, line separators, bidi controls. */
function risky(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return c < 0x20 || (c >= 0x7f && c <= 0x9f) || c === 0x2028 || c === 0x2029 || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069) || c === 0x061c || c === 0x200e || c === 0x200f;
}

/** A request that puts `s` in every string the audit record carries. */
function everywhere(s: string): RequestRecord {
  const create = operation('ContainerCreate', 'POST', '/containers/create');
  return record({
    requestId: `req-${s}`,
    client: `${s}:1`,
    identity: { ...alice, name: s, groups: [s, 'dev', s], fingerprint: s, serial: s, issuer: s },
    method: 'POST',
    rawTarget: `/v1.41/containers/create?name=${s}`,
    facts: facts(create, {
      path: `/containers/create/${s}`,
      apiVersion: s,
      params: { name: s },
      query: { name: s },
      body: { Image: s, Cmd: [s, 'sh'], Env: [`${s}=secret`], User: s, HostConfig: { Binds: [`${s}:/x`], Privileged: false, CapAdd: [s] } },
    }),
    decision: { forward: false, outcome: 'deny', rule: s, code: s, reason: s },
    policyVersion: s,
    outcome: 'deny',
    status: 403,
    headers: { 'user-agent': s },
  });
}

describe('auditLine writes what JSON.stringify and escapeJsonLine write', () => {
  it.each(STRINGS)('%s, in every field', (_name, s) => {
    const r = toAuditRecord(everywhere(s));
    const line = auditLine(r);
    expect(line).toBe(reference(r));
    expect(JSON.parse(line)).toEqual({ type: 'decision', ...r });
    // One line, and none of the characters a terminal or a JavaScript reader would act on.
    expect(line.indexOf('\n')).toBe(line.length - 1);
    expect([...line.slice(0, -1)].filter(risky)).toEqual([]);
  });

  const shapes: Array<[string, RequestRecord]> = [
    ['an allowed read', record()],
    ['an allowed read with the policy version', record({ policyVersion: '0123456789ab' })],
    ['a malformed request: no facts, decision or identity', record({ facts: undefined, decision: undefined, identity: undefined, outcome: 'malformed', status: 400, reason: 'bad', headersMs: undefined })],
    ['no user agent, no version, no fields', record({ headers: {}, facts: facts(operation('SystemPing', 'GET', '/_ping'), { path: '/_ping', apiVersion: undefined }) })],
    ['numbers at their edges', record({ status: 0, bytesIn: 2 ** 53 - 1, bytesOut: 0, durationMs: 1e-7, headersMs: 123456.7891 })],
    ['non-finite durations (written as null)', record({ durationMs: Number.POSITIVE_INFINITY, headersMs: Number.NaN })],
    ['a stream', record({ stream: true })],
    ['lists of numbers and booleans', record({ facts: facts(operation('ContainerCreate'), { body: { Cmd: ['a', 1, true, 2.5, false] as never, Env: [] } }) })],
    ['an identity without groups', record({ identity: { ...alice, groups: [] } })],
    ['a stream cut by the gateway (endedBy)', record({ stream: true, endedBy: 'revoked', reason: 'reads are allowed' })],
    ['a stream whose daemon connection broke (upstreamError)', record({ stream: true, upstreamError: 'failed: ECONNRESET' })],
    ['a malformed request on a connection cut at shutdown', record({ facts: undefined, decision: undefined, outcome: 'malformed', status: 0, reason: 'client-left', endedBy: 'shutdown' })],
  ];
  it.each(shapes)('%s', (_name, rec) => {
    const r = toAuditRecord(rec);
    expect(auditLine(r)).toBe(reference(r));
  });

  it('leaves out an undefined field value, as JSON.stringify does', () => {
    const r = toAuditRecord(everywhere('web'));
    expect(r.fields).toBeDefined();
    r.fields = { ...r.fields, gone: undefined as unknown as string };
    expect(auditLine(r)).toBe(reference(r));
  });

  it('escapes a field name as JSON.stringify does (a record is data)', () => {
    const r = toAuditRecord(everywhere('web'));
    r.fields = { 'a"b\n\u2028': 'x' };
    const line = auditLine(r);
    expect(line).toBe(reference(r));
    expect(JSON.parse(line).fields).toEqual({ 'a"b\n\u2028': 'x' });
  });
});
