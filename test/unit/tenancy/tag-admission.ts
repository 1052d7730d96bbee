/**
 * What the tag-reservation tests share: a tenancy with teams web (alice, bob) and data (carol),
 * dave without a team and admins in ops, admitted through createTenancy().admit as the data
 * path calls it, with a stand-in daemon each test file builds with `answer`.
 */
import { expect } from 'vitest';
import type { Identity } from '../../../src/core/types.js';
import { buildFacts } from '../../../src/facts/build-facts.js';
import type { TenancySpec } from '../../../src/policy/tenancy-schema.js';
import type { DaemonAnswer, DaemonClient } from '../../../src/tenancy/daemon-client.js';
import type { TenancyVerdict } from '../../../src/tenancy/hook.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

/** The tenancy section of the tests: images unowned, nothing shared, no quotas. */
export const spec: TenancySpec = {
  admins: { users: [], groups: ['ops'] },
  teams: ['web', 'data'],
  unowned: ['images'],
  shared: { networks: [], volumes: [] },
  quotas: { default: {}, groups: {}, users: {} },
};
const groups: Record<string, string[]> = { alice: ['web'], bob: ['web'], carol: ['data'], dave: [], root: ['ops'] };

/** The verified identity of `name`, with the groups above. */
export function identity(name: string): Identity {
  return { name, groups: groups[name] ?? [], organizations: [], sans: { dns: [], ip: [], email: [], uri: [] }, fingerprint: '', serial: '', notAfter: new Date(0), issuer: '', issuerKey: '' };
}

/** A daemon answer of `status` with JSON `json`. */
export function answer(status: number, json: unknown): DaemonAnswer {
  return { status, json, raw: Buffer.from(JSON.stringify(json)), contentType: 'application/json' };
}

/** Admit a bodiless POST to `target` by `who` (the gateway's request id `requestId`, if given). */
export type Admit = (who: string, target: string, requestId?: string) => Promise<TenancyVerdict>;

/** A tenancy over daemon `client`, with `spec`. */
export function tenancyOn(client: DaemonClient): Admit {
  const tenancy = createTenancy({ daemon: client, spec: () => spec, groups: (id) => id.groups });
  return (who, target, requestId) => tenancy.admit({ identity: identity(who), facts: buildFacts({ method: 'POST', rawTarget: target, headers: {} }), method: 'POST', target, ...(requestId !== undefined ? { requestId } : {}) });
}

/** Asserts `v` forwards holding a reservation, and returns its release. */
export function forwarded(v: TenancyVerdict): () => void {
  expect(v.kind, JSON.stringify(v)).toBe('forward');
  if (v.kind !== 'forward' || !v.release) throw new Error('no release to hold the reservation');
  return v.release;
}
