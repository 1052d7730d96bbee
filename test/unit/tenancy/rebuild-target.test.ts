/** The forwarded target rebuilt with tenancy's changes to its parameters and query (target.ts). */
import { describe, expect, it } from 'vitest';
import type { RequestFacts } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import { rebuildTarget } from '../../../src/tenancy/target.js';

function facts(method: string, target: string, body?: unknown): RequestFacts {
  const headers = body === undefined ? {} : { 'content-type': 'application/json' };
  return buildFacts({ method, rawTarget: target, headers, body: body === undefined ? undefined : Buffer.from(JSON.stringify(body)) });
}

describe('rebuildTarget', () => {
  it.each([
    ['GET', '/v1.41/containers/abc/json', { params: { name: 'f'.repeat(64) } }, `/v1.41/containers/${'f'.repeat(64)}/json`],
    ['POST', '/containers/ab%63/stop?t=1', { params: { name: 'ID' } }, '/containers/ID/stop?t=1'],
    ['GET', '/containers/json?all=1&filters=%7B%7D&filters=x', { query: { filters: '{"a":1}' } }, '/containers/json?all=1&filters=%7B%22a%22%3A1%7D'],
    ['POST', '/commit?container=x&changes=A&changes=B', { query: { container: 'ID' }, append: { changes: ['C'] } }, '/commit?changes=A&changes=B&container=ID&changes=C'],
    ['DELETE', '/images/library/busybox:latest', {}, '/images/library/busybox%3Alatest'],
  ])('%s %s', (method, target, change, want) => {
    expect(rebuildTarget(facts(method, target), change)).toBe(want);
  });
});
