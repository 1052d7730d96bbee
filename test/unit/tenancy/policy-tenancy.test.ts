import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { PolicyError } from '../../../src/policy/errors.js';
import { parseByteSize } from '../../../src/policy/tenancy-schema.js';
import { createTenancy } from '../../../src/tenancy/tenancy.js';

const base = 'version: 1\nrules:\n  - name: all\n    who: { anyone: true }\n    allow: all\n';

function problems(text: string): string[] {
  try {
    loadPolicy(text);
  } catch (err) {
    return (err as PolicyError).problems.map((p) => `${p.path}: ${p.message}`);
  }
  return [];
}

describe('policy tenancy: section', () => {
  it('absent: tenancy off', () => {
    expect(loadPolicy(base).tenancy).toBeUndefined();
  });

  it('enabled: false turns it off', () => {
    expect(loadPolicy(base + 'tenancy: { enabled: false, teams: [web] }\n').tenancy).toBeUndefined();
  });

  it('parses every key', () => {
    const t = loadPolicy(
      base +
        `tenancy:
  admins: { users: [root], groups: [ops] }
  teams: [web]
  unowned: [images]
  shared: { networks: [shared] }
  buildkit: true
  quotas:
    default: { containers: 10, running: 5, memory: 1g, defaultMemory: 256m, cpus: 2, defaultCpus: 0.5, pids: 256, streams: 20, rate: { perSecond: 5, burst: 10 } }
    groups: { web: { containers: 20 } }
    users: { alice: { rate: { perSecond: 1 } } }
`,
    ).tenancy;
    expect(t).toEqual({
      admins: { users: ['root'], groups: ['ops'] },
      teams: ['web'],
      unowned: ['images'],
      shared: { networks: ['shared'], volumes: [] },
      buildkit: true,
      quotas: {
        default: { containers: 10, running: 5, memory: 2 ** 30, defaultMemory: 256 * 2 ** 20, cpus: 2, defaultCpus: 0.5, pids: 256, streams: 20, rate: { perSecond: 5, burst: 10 } },
        groups: { web: { containers: 20 } },
        users: { alice: { rate: { perSecond: 1, burst: 1 } } },
      },
    });
  });

  it('reports every problem with its key path', () => {
    expect(
      problems(
        base +
          `tenancy:
  admin: [x]
  buildkit: yes
  unowned: [things]
  quotas:
    default: { containers: 0, memory: lots, defaultCpus: 3, cpus: 2, color: red }
`,
      ),
    ).toEqual([
      'tenancy.admin: unknown key "admin" (expected one of: enabled, admins, teams, unowned, shared, quotas, buildkit)',
      'tenancy.buildkit: must be true or false',
      'tenancy.unowned[0]: must be one of containers, volumes, networks, images',
      'tenancy.quotas.default.color: unknown key "color" (expected one of: containers, running, networks, memory, defaultMemory, cpus, defaultCpus, pids, streams, rate)',
      'tenancy.quotas.default.containers: must be a positive integer',
      'tenancy.quotas.default.memory: must be a byte size such as 512m, 2g or 1048576',
      'tenancy.quotas.default.defaultCpus: must not exceed cpus',
    ]);
  });

  // Mutation review s29: a quota that is no mapping must be refused, never read as "no limits".
  it.each([
    ['quotas.default', '  quotas: { default: 5 }\n'],
    ['quotas.groups.web', '  quotas: { groups: { web: 10 } }\n'],
    ['quotas.users.alice', '  quotas: { users: { alice: [containers] } }\n'],
  ])('tenancy.%s that is no mapping of limits is refused', (key, quotas) => {
    expect(problems(`${base}tenancy:\n${quotas}`)).toEqual([expect.stringMatching(new RegExp(`^tenancy\\.${key.replace(/\./g, '\\.')}: must be a mapping of limits \\(containers, `))]);
  });

  // Mutation review s29: dropping any of these problems survived the unit tests.
  it.each([
    ['enabled not a boolean', '  enabled: "no"\n', 'tenancy.enabled: must be true or false'],
    ['quotas not a mapping', '  quotas: 5\n', 'tenancy.quotas: must be { default: {...}, groups: {...}, users: {...} }'],
    ['quotas.groups not a mapping', '  quotas: { groups: [web] }\n', 'tenancy.quotas.groups: must be a mapping of name to limits'],
    ['a rate that is no mapping', '  quotas: { default: { rate: 5 } }\n', 'tenancy.quotas.default.rate: must be { perSecond: N, burst: N }'],
    ['shared not a mapping', '  shared: [net]\n', 'tenancy.shared: must be { networks: [...], volumes: [...] }'],
  ])('%s is refused', (_name, body, want) => {
    expect(problems(`${base}tenancy:\n${body}`)).toContain(want);
  });

  it('a default above its quota is refused: defaultMemory over memory, defaultCpus over cpus (mutation review s29)', () => {
    expect(problems(`${base}tenancy:\n  quotas: { default: { memory: 1g, defaultMemory: 2g, cpus: 1, defaultCpus: 2 } }\n`)).toEqual([
      'tenancy.quotas.default.defaultMemory: must not exceed memory',
      'tenancy.quotas.default.defaultCpus: must not exceed cpus',
    ]);
    expect(problems(`${base}tenancy:\n  quotas: { default: { memory: 1g, defaultMemory: 1g } }\n`)).toEqual([]);
  });

  it.each([
    ['512m', 512 * 2 ** 20],
    ['1g', 2 ** 30],
    ['1.5G', 1.5 * 2 ** 30],
    ['64MB', 64 * 2 ** 20],
    [1048576, 1048576],
    ['0', undefined],
    ['lots', undefined],
    [-1, undefined],
    [0, undefined],
  ])('parseByteSize(%s)', (v, want) => {
    expect(parseByteSize(v)).toBe(want);
  });
});

describe('tenancy hook: active follows the current policy', () => {
  it('is off without a tenancy: section and on with one, across a reload', () => {
    const withTenancy = loadPolicy(`${base}tenancy: {}\n`);
    expect(withTenancy.tenancy).toBeDefined();
    let current = loadPolicy(base);
    // The request path skips admit when inactive, so the daemon must never be needed here.
    const tenancy = createTenancy({ daemon: {} as never, spec: () => current.tenancy, groups: () => [] });
    expect(tenancy.active()).toBe(false);
    current = withTenancy;
    expect(tenancy.active()).toBe(true);
    current = loadPolicy(base);
    expect(tenancy.active()).toBe(false);
  });
});
