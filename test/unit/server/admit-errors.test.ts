/**
 * admit()'s handling of errors the facts stage may throw but no request makes today: a
 * FactsError with a 5xx status is the gateway's fault (500 internal, not 400), and anything that
 * is no FactsError propagates untouched. buildFacts is replaced so these can be thrown.
 */
import { describe, expect, it, vi } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { FactsError } from '../../../src/facts/errors.js';
import { GatewayError } from '../../../src/http/gateway-error.js';

const thrown: { err?: unknown } = {};
vi.mock('../../../src/facts/build-facts.js', () => ({
  buildFacts: () => {
    throw thrown.err;
  },
}));

const { admit } = await import('../../../src/server/admit.js');

const alice: Identity = { name: 'alice', groups: [], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '00', serial: '01', notAfter: new Date(0), issuer: 'CN=CA', issuerKey: 'CN=CA' };
const gatekeeper = {
  version: 'test',
  decide: () => {
    throw new Error('the policy must not be asked');
  },
  denialWhateverTheBody: () => undefined,
  denyMessage: () => '',
};

/** A FactsError whose status is `status` (every real code is 400 today). */
function factsError(status: number): FactsError {
  const err = new FactsError('bad-query', 'boom');
  Object.defineProperty(err, 'status', { value: status });
  return err;
}

function caught(): unknown {
  try {
    admit(gatekeeper, alice, 'POST', '/x', {});
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('admit: errors of the facts stage', () => {
  it.each([
    [400, 'malformed', 400],
    [499, 'malformed', 400],
    [500, 'internal', 500],
    [503, 'internal', 500],
  ])('a FactsError with status %i becomes %s (%i)', (status, code, answer) => {
    thrown.err = factsError(status);
    const err = caught() as GatewayError;
    expect(err).toBeInstanceOf(GatewayError);
    expect([err.code, err.status, err.reasonCode, err.message]).toEqual([code, answer, 'bad-query', 'dockgate: refused POST request: boom']);
  });

  it('anything else propagates as it is', () => {
    const boom = new TypeError('not a facts error');
    thrown.err = boom;
    expect(caught()).toBe(boom);
  });
});
