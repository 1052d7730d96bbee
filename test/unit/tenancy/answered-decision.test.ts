/** The decision recorded for a request tenancy answered itself: the policy's, with the answer's note. */
import { describe, expect, it } from 'vitest';
import { answeredDecision, forward, respondJson } from '../../../src/tenancy/hook.js';

const allowed = { forward: true, outcome: 'allow', rule: 'everyone', code: 'allowed', reason: 'allowed by rule "everyone"' } as const;

describe('answeredDecision', () => {
  it.each([
    ['a filtered list (no note): the policy decision as it is', respondJson(200, []), allowed],
    ['an answer standing for an action not taken: the note after the reason', respondJson(200, {}, 'answered by the gateway, not forwarded'), { ...allowed, reason: 'allowed by rule "everyone"; answered by the gateway, not forwarded' }],
    ['a forward with a note (a removal by rule 4 of an unowned tag): the note after the reason', forward({ note: 'rule 4' }), { ...allowed, reason: 'allowed by rule "everyone"; rule 4' }],
    ['a forward without one: the policy decision as it is', forward(), allowed],
  ])('%s', (_name, verdict, want) => {
    expect(answeredDecision(allowed, verdict)).toEqual(want);
  });
});
