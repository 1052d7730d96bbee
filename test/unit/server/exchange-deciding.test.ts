/**
 * The record of an exchange whose client leaves while the gateway still decides (a look-up on
 * the daemon after the policy allowed it: a service's networks, tenancy): written when that
 * step ends, with the decision or refusal it reached, not at the close with the policy's allow
 * (found by the revsvc review: a host-network service create whose client left during the
 * look-up was recorded `allow`, its refusal never).
 */
import type { IncomingMessage } from 'node:http';
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Observer, RequestRecord } from '../../../src/core/observer.js';
import type { Decision } from '../../../src/core/types.js';
import type { EndedBy } from '../../../src/core/observer.js';
import { cutConnection } from '../../../src/server/connection-cuts.js';
import { Exchange } from '../../../src/server/exchange.js';
import { identity } from '../policy/fixtures.js';

const ALLOW: Decision = { forward: true, outcome: 'allow', rule: 'ops', code: 'allowed', reason: 'allowed by rule "ops"' };
const DENY: Decision = { forward: false, outcome: 'deny', rule: 'ops', code: 'host-namespace', reason: 'T is the host network' };

type Step = 'client-left' | 'refused' | 'lookup-failed' | 'settled' | 'answered';

/** Run `steps` on an exchange awaiting a look-up; what `settled` returned and the records written. */
function run(steps: Step[]): { settled?: boolean; records: Pick<RequestRecord, 'outcome' | 'status' | 'reason'>[] } {
  const records: RequestRecord[] = [];
  const observer = { requestFinished: (r: RequestRecord) => records.push(r) } as unknown as Observer;
  const socket = Object.assign(new PassThrough(), { remoteAddress: '127.0.0.1', remotePort: 1 });
  const exchange = new Exchange(observer, { socket, headers: {}, method: 'POST', url: '/v1.41/services/create' } as unknown as IncomingMessage, identity('ops'));
  exchange.decision = ALLOW;
  exchange.awaitDaemon();
  let settled: boolean | undefined;
  for (const step of steps) {
    if (step === 'client-left') exchange.finish('allow', 0, 10, 0);
    else if (step === 'refused') exchange.decision = DENY;
    else if (step === 'lookup-failed') exchange.refusal = { outcome: 'error', reason: 'upstream-failed: the look-up failed' };
    else if (step === 'settled') settled = exchange.decidedAfterLeaving('the client left');
    else exchange.finish(exchange.refusal?.outcome ?? exchange.decision.outcome, 403, 10, 90);
  }
  return { settled, records: records.map(({ outcome, status, reason }) => ({ outcome, status, reason })) };
}

describe('Exchange.decidedAfterLeaving', () => {
  it.each<[string, Step[], boolean, Pick<RequestRecord, 'outcome' | 'status' | 'reason'>[]]>([
    ['the client left, the look-up refused: recorded deny with the refusal', ['client-left', 'refused', 'settled'], true, [{ outcome: 'deny', status: 0, reason: 'T is the host network; the client left' }]],
    ['the client left, the look-up allowed: recorded allow, nothing forwarded', ['client-left', 'settled'], true, [{ outcome: 'allow', status: 0, reason: 'allowed by rule "ops"; the client left' }]],
    ['the client left, the look-up failed: recorded with the failure', ['client-left', 'lookup-failed', 'settled'], true, [{ outcome: 'error', status: 0, reason: 'upstream-failed: the look-up failed; the client left' }]],
    ['no record before the look-up ends', ['client-left'], false, []],
    ['the client stayed: the exchange goes on and is recorded when answered', ['refused', 'settled', 'answered'], false, [{ outcome: 'deny', status: 403, reason: 'T is the host network' }]],
    ['a second settle does nothing', ['client-left', 'settled', 'settled'], false, [{ outcome: 'allow', status: 0, reason: 'allowed by rule "ops"; the client left' }]],
  ])('%s', (_name, steps, settled, records) => {
    const r = run(steps);
    if (steps.includes('settled')) expect(r.settled).toBe(settled);
    expect(r.records).toEqual(records);
  });
});

describe('Exchange.decidedAfterLeaving: what its record says of the leaving (rev-live F4)', () => {
  const WORDS = '(it was looking something up on the daemon); nothing was forwarded';
  /** The record of an allowed request whose connection went (`cut` by the gateway, or the client left) during the look-up. */
  function leftDuring(cut: EndedBy | undefined): Pick<RequestRecord, 'reason' | 'endedBy'> | undefined {
    const records: RequestRecord[] = [];
    const observer = { requestFinished: (r: RequestRecord) => records.push(r) } as unknown as Observer;
    const socket = Object.assign(new PassThrough(), { remoteAddress: '127.0.0.1', remotePort: 1 });
    const exchange = new Exchange(observer, { socket, headers: {}, method: 'DELETE', url: '/v1.41/containers/x' } as unknown as IncomingMessage, identity('ops'));
    exchange.decision = ALLOW;
    exchange.awaitDaemon();
    if (cut) cutConnection(socket, cut);
    else socket.destroy();
    exchange.finish('allow', 0, 0, 0);
    exchange.decidedAfterLeaving();
    return records.map(({ reason, endedBy }) => ({ reason, endedBy }))[0];
  }

  it.each<[string, EndedBy | undefined, string]>([
    ['the client left', undefined, `allowed by rule "ops"; the client left before the gateway had decided ${WORDS}`],
    ['cut as revoked: the gateway closed it, not the client', 'revoked', `allowed by rule "ops"; the gateway closed the client connection (revoked) before it had decided ${WORDS}`],
    ['cut as expired', 'expired', `allowed by rule "ops"; the gateway closed the client connection (expired) before it had decided ${WORDS}`],
  ])('%s', (_name, cut, reason) => {
    expect(leftDuring(cut)).toEqual({ reason, endedBy: cut });
  });
});
