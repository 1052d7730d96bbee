import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { promoteLegacyHostConfig } from '../../../src/tenancy/legacy-host-config.js';

describe('promoteLegacyHostConfig', () => {
  const cases: Array<[string, JsonObject, JsonObject]> = [
    ['legacy fields move into a new HostConfig; Config and wrapper keys stay out',
      { Image: 'b', Cmd: ['x'], Labels: { a: '1' }, Cpuset: '0', Binds: ['/h:/c'], Memory: 5, NetworkingConfig: {} },
      { Image: 'b', Cmd: ['x'], Labels: { a: '1' }, Cpuset: '0', Binds: ['/h:/c'], Memory: 5, NetworkingConfig: {}, HostConfig: { Binds: ['/h:/c'], Memory: 5 } }],
    ['a null HostConfig is replaced, under the client\'s spelling',
      { hostconfig: null, Privileged: true },
      { hostconfig: { Privileged: true }, Privileged: true }],
    ['an existing HostConfig is left alone (dockerd ignores the legacy copy then)',
      { HostConfig: { Memory: 1 }, Binds: ['/h:/c'] },
      { HostConfig: { Memory: 1 }, Binds: ['/h:/c'] }],
    ['nothing legacy: no HostConfig added',
      { Image: 'b', env: ['A=1'], LABELS: {} },
      { Image: 'b', env: ['A=1'], LABELS: {} }],
    // rev-interplay F4: dockerd ignores unknown keys; they neither make a HostConfig nor go into one.
    ['an unknown key alone: no HostConfig added',
      { Image: 'b', Foo: 1 },
      { Image: 'b', Foo: 1 }],
    ['an unknown key beside a legacy field: only the host field is copied',
      { Image: 'b', Foo: 1, memory: 5 },
      { Image: 'b', Foo: 1, memory: 5, HostConfig: { memory: 5 } }],
  ];
  it.each(cases)('%s', (_name, body, want) => {
    promoteLegacyHostConfig(body);
    expect(body).toEqual(want);
  });

  it('copies, so a later rewrite of HostConfig leaves the top level as sent', () => {
    const body: JsonObject = { Mounts: [{ Type: 'volume' }] };
    promoteLegacyHostConfig(body);
    ((body.HostConfig as JsonObject).Mounts as JsonObject[])[0]!.Source = 'x';
    expect(body.Mounts).toEqual([{ Type: 'volume' }]);
  });
});
