/** amendBody writes a decision's amendments where dockerd reads them, and nothing else (from a mutation review). */
import { describe, expect, it } from 'vitest';
import { decide } from '../../../src/policy/evaluate.js';
import { amendBody } from '../../../src/server/amend-body.js';
import { alice, guarded, req } from '../policy/fixtures.js';

const policy = guarded('hostNamespaces: false');
/** limits.bodyBytes' default: far above these bodies. */
const LIMIT = 4 * 1024 * 1024;

function amended(target: string, body: unknown): unknown {
  const facts = req('POST', target, body);
  const d = decide(policy, alice, facts);
  expect(d.outcome).toBe('allow');
  expect(d.amendments?.length).toBe(1);
  return JSON.parse(amendBody(facts, d.amendments ?? [], LIMIT).toString('utf8'));
}

describe('amendBody writes the cgroupns amendment where dockerd reads it', () => {
  it('into an existing HostConfig, keeping its other fields', () => {
    expect(amended('/v1.40/containers/create', { Image: 'x', HostConfig: { Memory: 1 } })).toEqual({ Image: 'x', HostConfig: { Memory: 1, CgroupnsMode: 'private' } });
  });

  it('into a new HostConfig when the body has none', () => {
    expect(amended('/v1.40/containers/create', { Image: 'x' })).toEqual({ Image: 'x', HostConfig: { CgroupnsMode: 'private' } });
  });

  it('at the legacy top level when HostConfig is absent and legacy host fields are there', () => {
    expect(amended('/v1.24/containers/create', { Image: 'x', Memory: 0 })).toEqual({ Image: 'x', Memory: 0, CgroupnsMode: 'private' });
  });

  it("reuses the client's spelling of the HostConfig and of CgroupnsMode (one key per field, as Go matches them)", () => {
    expect(amended('/v1.40/containers/create', { Image: 'x', hostconfig: { cgroupnsmode: '' } })).toEqual({ Image: 'x', hostconfig: { cgroupnsmode: 'private' } });
  });

  it('amends facts.body in place (tenancy starts from it)', () => {
    const facts = req('POST', '/v1.40/containers/create', { Image: 'x', HostConfig: {} });
    const d = decide(policy, alice, facts);
    amendBody(facts, d.amendments ?? [], LIMIT);
    expect(facts.body).toEqual({ Image: 'x', HostConfig: { CgroupnsMode: 'private' } });
  });

  it('applies every amendment given, in order', () => {
    const facts = req('POST', '/v1.40/containers/create', { Image: 'x', HostConfig: {} });
    const out = JSON.parse(
      amendBody(facts, [
        { code: 'a', reason: 'a', path: ['HostConfig', 'CgroupnsMode'], value: 'private' },
        { code: 'b', reason: 'b', path: ['HostConfig', 'IpcMode'], value: 'private' },
      ], LIMIT).toString('utf8'),
    );
    expect(out).toEqual({ Image: 'x', HostConfig: { CgroupnsMode: 'private', IpcMode: 'private' } });
  });
});

describe('a HostConfig the cgroupns amendment adds is completed as dockerd would have acted without one', () => {
  const cases: Array<[string, string, unknown, unknown]> = [
    ['below API 1.40: IpcMode private (dockerd forces shareable into any HostConfig), the top-level Cpuset removed',
      '/v1.39/containers/create', { Image: 'x', Cpuset: '0' }, { Image: 'x', HostConfig: { CgroupnsMode: 'private', IpcMode: 'private' } }],
    ['at API 1.40: the top-level Cpuset removed (dockerd copies it into any HostConfig)',
      '/v1.40/containers/create', { Image: 'x', cpuset: '0' }, { Image: 'x', HostConfig: { CgroupnsMode: 'private' } }],
    ['the client\'s HostConfig: only the amendment',
      '/v1.39/containers/create', { Image: 'x', Cpuset: '0', HostConfig: {} }, { Image: 'x', Cpuset: '0', HostConfig: { CgroupnsMode: 'private' } }],
    ['legacy host fields: only the amendment, at the top level',
      '/v1.23/containers/create', { Image: 'x', Cpuset: '0', Memory: 0 }, { Image: 'x', Cpuset: '0', Memory: 0, CgroupnsMode: 'private' }],
  ];
  it.each(cases)('%s', (_name, target, body, want) => {
    expect(amended(target, body)).toEqual(want);
  });
});
