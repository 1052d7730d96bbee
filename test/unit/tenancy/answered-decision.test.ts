/** The decision recorded for a request tenancy answered itself: the policy's, with the answer's note. */
import { describe, expect, it } from 'vitest';
import { answeredDecision, respondJson } from '../../../src/tenancy/hook.js';

const allowed = { forward: true, outcome: 'allow', rule: 'everyone', code: 'allowed', reason: 'allowed by rule "everyone"' } as const;

describe('answeredDecision', () => {
  it.each([
    ['a filtered list (no note): the policy decision as it is', respondJson(200, []), allowed],
    ['an answer standing for an action not taken: the note after the reason', respondJson(200, {}, 'answered by the gateway, not forwarded'), { ...allowed, reason: 'allowed by rule "everyone"; answered by the gateway, not forwarded' }],
  ])('%s', (_name, verdict, want) => {
    expect(answeredDecision(allowed, verdict)).toEqual(want);
  });
});
