/**
 * The cgroupns amendment (src/policy/guards/host-namespaces.ts): when it is made and where,
 * and how decisions carry it (src/policy/rule-verdict.ts guardAmendments, src/policy/evaluate.ts combine), from a
 * mutation review.
 */
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide, decideTraced } from '../../../src/policy/evaluate.js';
import { hostNamespacesGuard } from '../../../src/policy/guards/host-namespaces.js';
import { alice, guarded, req } from './fixtures.js';

const refuse = guarded('hostNamespaces: false');
const create = (version: string, body?: unknown) => req('POST', `/v${version}/containers/create`, body);

describe('the amendment survives a staged (audit-mode) refusal', () => {
  // An audit-mode rule that would refuse the create goes first: the request is forwarded as
  // would-deny, and the enforced rule's amendment must still be written (else a /v1.40 create
  // gets the host's cgroup namespace while a policy is being staged).
  const staged = loadPolicy(`
version: 1
rules:
  - name: stage-no-create
    who: { anyone: true }
    mode: audit
    deny: [ContainerCreate]
  - name: dev
    who: { anyone: true }
    allow: [ContainerCreate]
    guards: { hostNamespaces: false }
`);
  it.each([['decide', decide], ['decideTraced', decideTraced]] as const)('%s', (_n, fn) => {
    const d = fn(staged, alice, create('1.40', { Image: 'x', HostConfig: {} }));
    expect(d.outcome).toBe('would-deny');
    expect(d.amendments).toEqual([expect.objectContaining({ code: 'cgroupns-private', path: ['HostConfig', 'CgroupnsMode'], value: 'private' })]);
  });
});

describe('only a refusing hostNamespaces guard amends, and only a container create', () => {
  it('hostNamespaces: true amends nothing', () => {
    const d = decide(guarded('hostNamespaces: true'), alice, create('1.40', { Image: 'x', HostConfig: {} }));
    expect(d.outcome).toBe('allow');
    expect(d.amendments).toBeUndefined();
  });

  it('a /v1.40 container update (same guard, other operation) is not amended', () => {
    const d = decide(refuse, alice, req('POST', '/v1.40/containers/abc/update', { Memory: 1000000 }));
    expect(d.outcome).toBe('allow');
    expect(d.amendments).toBeUndefined();
  });

  it('a /v1.40 service create is not amended', () => {
    const d = decide(refuse, alice, req('POST', '/v1.40/services/create', { Name: 's', TaskTemplate: { ContainerSpec: { Image: 'x' } } }));
    expect(d.outcome).toBe('allow');
    expect(d.amendments).toBeUndefined();
  });
});

describe('what dockerd refuses or already reads as private is left alone', () => {
  it('HostConfig that is no object: no amendment (dockerd refuses the body; the gateway must not answer differently)', () => {
    const d = decide(refuse, alice, create('1.40', { Image: 'x', HostConfig: 'x' }));
    expect(d.amendments).toBeUndefined();
  });

  it('legacy top-level CgroupnsMode given (no HostConfig): no amendment, the given value is kept', () => {
    const d = decide(refuse, alice, create('1.24', { Image: 'x', Memory: 0, CgroupnsMode: 'private' }));
    expect(d.outcome).toBe('allow');
    expect(d.amendments).toBeUndefined();
    // An invalid legacy mode must not be replaced by a valid one (dockerd refuses the body as sent).
    const bad = decide(refuse, alice, create('1.24', { Image: 'x', Memory: 0, CgroupnsMode: 'weird' }));
    expect(bad.amendments).toBeUndefined();
  });

  it('a /v1.40 create with no body at all is decided without a guard error and not amended', () => {
    const d = decide(refuse, alice, create('1.40'));
    expect(d.outcome).toBe('allow');
    expect(d.amendments).toBeUndefined();
  });
});

describe('an amend that throws refuses the request (the guard would not have allowed it as sent)', () => {
  afterEach(() => vi.restoreAllMocks());
  it('guard-error, not forwarded without the amendment', () => {
    vi.spyOn(hostNamespacesGuard, 'amend').mockImplementation(() => {
      throw new Error('boom');
    });
    const d = decide(refuse, alice, create('1.40', { Image: 'x', HostConfig: {} }));
    expect(d).toMatchObject({ forward: false, outcome: 'deny', code: 'guard-error' });
  });
});
