// The Record table of docs/observability.md names exactly the fields an audit line can have, the
// identity's sub-fields, and every `endedBy` value (brief: every audit record field documented).
import { describe, expect, it } from 'vitest';
import { ENDED_BY } from '../../../src/core/observer.js';
import { auditLine } from '../../../src/observe/audit-line.js';
import { toAuditRecord } from '../../../src/observe/audit-record.js';
import { facts, operation, record } from '../observe/fixtures.js';
import { codeNames, firstTable, repoText, section, tableRows } from './doc-text.js';

const rows = tableRows(firstTable(section(repoText('docs/observability.md'), '### Record')));

/** An audit line with every optional field set, parsed back. */
function fullLine(): Record<string, unknown> {
  const op = operation('ContainerInspect', 'GET', '/containers/{name}/json');
  const r = record({ facts: facts(op, { params: { name: 'web' } }), reason: 'why', endedBy: 'revoked', upstreamError: 'failed: ECONNRESET', policyVersion: 'abc', headers: { 'user-agent': 'Docker-Client/28' } });
  return JSON.parse(auditLine(toAuditRecord(r))) as Record<string, unknown>;
}

describe('docs/observability.md Record table', () => {
  it('names every field of an audit line, and no other', () => {
    const fields = Object.keys(fullLine()).sort();
    expect(fields.length).toBeGreaterThan(15);
    expect([...rows.keys()].sort()).toEqual(fields);
  });

  it('names the identity sub-fields', () => {
    const identity = Object.keys(fullLine().identity as object);
    const row = rows.get('identity')?.[1] ?? '';
    expect(row.startsWith(`\`{${identity.join(', ')}}\``), row.slice(0, 60)).toBe(true);
  });

  it.each([...ENDED_BY])('names the endedBy value %s', (value) => {
    expect(codeNames(rows.get('endedBy')?.[1] ?? '')).toContain(value);
  });
});
