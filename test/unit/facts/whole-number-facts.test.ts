/** buildFacts notes a whole number written as a float (decide-and-forward.ts refuses to re-serialise such a body). */
import { describe, expect, it } from 'vitest';
import { buildFacts } from '../../../src/facts/build-facts.js';

const facts = (body: string) =>
  buildFacts({ method: 'POST', rawTarget: '/v1.40/containers/create', headers: { 'content-type': 'application/json' }, body: new TextEncoder().encode(body) });

describe('buildFacts notes a whole number written as a float', () => {
  it.each([
    ['{"Image":"x","HostConfig":{"NanoCpus":1e9}}', true],
    ['{"Image":"x","HostConfig":{"Memory":100000000.0}}', true],
    ['{"Image":"x","HostConfig":{"Memory":100000000}}', undefined],
  ])('%s', (body, want) => {
    expect(facts(body).wholeNumberAsFloat).toBe(want);
  });
});
