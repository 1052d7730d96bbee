import { describe, expect, it } from 'vitest';
import { operationByName } from '../../../src/facts/operations.js';
import { GUARDS } from '../../../src/policy/guards/index.js';
import { OP } from '../../../src/policy/guards/operations.js';

describe('guard table', () => {
  it.each(Object.values(OP))('operation %s exists in the operation table', (name) => {
    expect(operationByName(name)?.name).toBe(name);
  });
  it.each(GUARDS.map((g) => [g.key, g.operations] as const))('guard %s inspects only known operations', (_key, ops) => {
    expect(ops.filter((o) => operationByName(o) === undefined)).toEqual([]);
  });
  it('guard keys are unique', () => {
    expect(new Set(GUARDS.map((g) => g.key)).size).toBe(GUARDS.length);
  });
});
