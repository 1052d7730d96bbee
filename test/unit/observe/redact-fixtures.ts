/**
 * Shared by the tests of what an audit record holds of a request (redact.test.ts,
 * reference-audit-fields.test.ts, audit-path.test.ts, audit-user-agent.test.ts): the secret the
 * requests carry and no record may hold, and a row of an auditFields table with its check.
 */
import { expect } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { auditFields } from '../../../src/observe/redact.js';
import { facts, operation } from './fixtures.js';

/** Sent in the requests' bodies, queries and headers; never in what is recorded of them. */
export const SECRET = 'hunter2-SECRET';

/** One row of an auditFields table: an operation's request and the audit fields recorded of it. */
export interface AuditFieldsCase {
  /** The test's name. */
  name: string;
  /** The operation's name (fixtures.ts, operation). */
  op: string;
  body?: JsonValue;
  query?: Record<string, string>;
  queryAll?: Record<string, string[]>;
  params?: Record<string, string>;
  /** The audit fields (undefined: none). */
  want: unknown;
}

/** The audit fields of the row's request are `want`, and hold no SECRET. */
export function expectAuditFields({ op, body, query, queryAll, params, want }: AuditFieldsCase): void {
  const f = facts(operation(op), { body, query: query ?? {}, queryAll: queryAll ?? {}, params: params ?? {} });
  const got = auditFields(f);
  expect(got).toEqual(want);
  expect(JSON.stringify(got ?? null)).not.toContain(SECRET);
}
