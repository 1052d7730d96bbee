import { describe, expect, it } from 'vitest';
import { compileMuxPattern, matchOperation, OPERATIONS, operationByName, SECTIONS } from '../../../src/facts/operations.js';
import { REFERENCE_ROUTES } from './fixtures/reference-routes.js';

/** A concrete path for a mux template: greedy variables get a `/` to prove they span segments. */
function samplePath(template: string): { path: string; params: Record<string, string> } {
  const params: Record<string, string> = {};
  const path = template.replace(/\{(\w+)(?::([^}]*))?\}/g, (_m, name: string, re?: string) => {
    const value = re === '.*' || re === '.+' ? `ns/${name}1` : `${name}1`;
    params[name] = value;
    return value;
  });
  return { path, params };
}

describe('matchOperation covers every route of the reference', () => {
  const prefixes: Array<[string, string | undefined]> = [
    ['', undefined],
    ['/v1.41', '1.41'],
    ['/v1.041', '1.041'],
    ['/v1.24', '1.24'],
  ];
  for (const [method, template, name, section] of REFERENCE_ROUTES) {
    for (const [prefix, version] of prefixes) {
      // The debug routes are matched bare only (dockerd up to 27 registers no other form; 28 and
      // later also serve GET with the prefix, which the gateway denies as unknown-route: fails closed).
      if (section === 'debug' && prefix !== '') {
        it(`${method} ${prefix}${template} -> no route`, () => {
          expect(matchOperation(method, prefix + samplePath(template).path)).toBeUndefined();
        });
        continue;
      }
      it(`${method} ${prefix}${template} -> ${name}`, () => {
        const { path, params } = samplePath(template);
        const m = matchOperation(method, prefix + path);
        expect(m?.operation.name).toBe(name);
        expect(m?.operation.section).toBe(section);
        expect({ ...m?.params }).toEqual(params);
        expect(m?.apiVersion).toBe(version);
      });
    }
  }
});

describe('matchOperation follows gorilla/mux', () => {
  const cases: Array<[string, string, string | undefined, Record<string, string>?]> = [
    ['GET', '/containers/a/b/json', 'ContainerInspect', { name: 'a/b' }],
    ['GET', '/containers/json', 'ContainerList', {}],
    ['GET', '/containers/x/json/json', 'ContainerInspect', { name: 'x/json' }],
    ['GET', '/containers/x/export/json', 'ContainerInspect', { name: 'x/export' }],
    ['GET', '/containers/x/archive', 'ContainerArchive', { name: 'x' }],
    ['HEAD', '/containers/x/archive', 'ContainerArchiveInfo', { name: 'x' }],
    ['PUT', '/containers/x/archive', 'PutContainerArchive', { name: 'x' }],
    // Checkpoint routes are registered first, so DELETE does not fall to the greedy ContainerDelete.
    ['DELETE', '/containers/c1/checkpoints/cp1', 'ContainerCheckpointDelete', { name: 'c1', checkpoint: 'cp1' }],
    ['DELETE', '/v1.41/containers/c1/checkpoints/cp1', 'ContainerCheckpointDelete', { name: 'c1', checkpoint: 'cp1' }],
    // Plain {name} does not cross `/`: this one is a container delete of "a/b/checkpoints/cp".
    ['DELETE', '/containers/a/b/checkpoints/cp', 'ContainerDelete', { name: 'a/b/checkpoints/cp' }],
    ['DELETE', '/containers/abc', 'ContainerDelete', { name: 'abc' }],
    ['POST', '/containers/create', 'ContainerCreate', {}],
    ['POST', '/containers/create/start', 'ContainerStart', { name: 'create' }],
    ['GET', '/images/get', 'ImageGetAll', {}],
    ['GET', '/images/get/get', 'ImageGet', { name: 'get' }],
    ['GET', '/images/registry:5000/ns/img:tag/json', 'ImageInspect', { name: 'registry:5000/ns/img:tag' }],
    ['GET', '/volumes', 'VolumeList', {}],
    ['GET', '/volumes/create', 'VolumeInspect', { name: 'create' }],
    ['GET', '/networks/', 'NetworkList', {}],
    ['GET', '/networks/n1', 'NetworkInspect', { id: 'n1' }],
    ['GET', '/services/a/b', undefined],
    ['GET', '/debug/pprof/heap', 'DebugPprof', { name: 'heap' }],
    ['POST', '/debug/pprof/heap', 'DebugPprof', { name: 'heap' }],
    ['DELETE', '/debug/vars', 'DebugVars', {}],
    // Matched without the version prefix only (dockerd up to 27: 404 there; 28 and later serve
    // GET there too, denied by the gateway as unknown-route).
    ['GET', '/v1.45/debug/vars', undefined],
    ['GET', '/v1.41/debug/pprof/heap', undefined],
    ['GET', '/debug/pprof/a/b', undefined],
    ['OPTIONS', '/containers/json', 'CorsPreflight', { anyroute: 'containers/json' }],
    ['OPTIONS', '/debug/vars', 'CorsPreflight', { anyroute: 'debug/vars' }],
    ['POST', '/session', 'Session', {}],
    ['POST', '/v1.41/grpc', 'Grpc', {}],
    ['POST', '/containers/x/copy', 'ContainerCopy', { name: 'x' }],
    // Wrong method: dockerd answers 404, so there is no operation.
    ['POST', '/containers/json', undefined],
    ['GET', '/containers/create', undefined],
    ['DELETE', '/images/json/x', 'ImageDelete', { name: 'json/x' }],
    ['PATCH', '/containers/x', undefined],
    ['get', '/containers/json', undefined],
    ['HEAD', '/containers/json', undefined],
    // Unknown paths.
    ['GET', '/', undefined],
    ['GET', '/containers', undefined],
    ['GET', '/nope', undefined],
    ['GET', '/v1.41', undefined],
    ['GET', '/v1.41/', undefined],
    // The version must be numeric, and there is only one prefix.
    ['GET', '/v1.x/containers/json', undefined],
    ['GET', '/vabc/info', undefined],
    ['GET', '/V1.41/info', undefined],
    ['GET', '/v/info', undefined],
    ['GET', '/v1.41/v1.41/info', undefined],
    ['GET', '/info/', undefined],
    // Go's `.` does not match a newline; a `\r` or U+2028 it does.
    ['GET', '/containers/a\nb/json', undefined],
    ['GET', '/containers/a\u2028b/json', 'ContainerInspect', { name: 'a\u2028b' }],
  ];
  it.each(cases)('%s %j -> %s', (method, path, name, params) => {
    const m = matchOperation(method, path);
    expect(m?.operation.name).toBe(name);
    if (params) expect({ ...m?.params }).toEqual(params);
  });

  it('keeps the version as written, for any numeric-with-dots prefix', () => {
    expect(matchOperation('GET', '/v1.041/info')?.apiVersion).toBe('1.041');
    expect(matchOperation('GET', '/v1..2/info')?.apiVersion).toBe('1..2');
    expect(matchOperation('GET', '/info')?.apiVersion).toBeUndefined();
  });
});

describe('the operation table', () => {
  it('classifies power and bodies', () => {
    const expectations: Array<[string, string, string, boolean]> = [
      ['ContainerArchive', 'exfiltrate', 'stream', true],
      ['ContainerArchiveInfo', 'exfiltrate', 'stream', false],
      ['ContainerExport', 'exfiltrate', 'stream', true],
      ['ImageGet', 'exfiltrate', 'stream', true],
      ['SwarmInspect', 'exfiltrate', 'stream', false],
      ['DebugPprof', 'exfiltrate', 'stream', false],
      ['ContainerLogs', 'read', 'stream', true],
      ['ContainerChanges', 'read', 'stream', false],
      ['ContainerCreate', 'write', 'json', false],
      ['ContainerStart', 'write', 'json', false],
      ['ContainerExec', 'write', 'json', false],
      ['ExecStart', 'write', 'json', true],
      ['ContainerAttachWebsocket', 'write', 'stream', true],
      ['Session', 'write', 'stream', true],
      ['PluginPull', 'write', 'json', true],
      ['ContainerWait', 'read', 'stream', true],
      ['ImageBuild', 'write', 'stream', true],
      // The daemon fetches from the registry host the caller names (SSRF, port scan, error bodies).
      ['DistributionInspect', 'exfiltrate', 'stream', false],
      ['ImageSearch', 'exfiltrate', 'stream', false],
      ['GetPluginPrivileges', 'exfiltrate', 'stream', false],
      // The daemon logs in to the server the body names, and says whether the password was right.
      ['SystemAuth', 'exfiltrate', 'json', false],
      // `?dir=` lists any host directory on experimental daemons.
      ['ContainerCheckpointList', 'exfiltrate', 'stream', false],
      ['ConfigInspect', 'read', 'stream', false],
    ];
    for (const [name, power, body, streaming] of expectations) {
      const op = operationByName(name);
      expect({ name: op?.name, power: op?.power, body: op?.body, streaming: op?.streaming }).toEqual({ name, power, body, streaming });
    }
  });

  // `power: read` must never reach the daemon's expvar dump or its profiler.
  it('classes every debug route as /debug/pprof is: exfiltrate', () => {
    const pprof = operationByName('DebugPprof')?.power;
    expect(pprof).toBe('exfiltrate');
    const debug = OPERATIONS.filter((op) => op.section === 'debug');
    expect(debug.map((op) => op.name).sort()).toEqual(['DebugPprof', 'DebugPprofCmdline', 'DebugPprofIndex', 'DebugPprofProfile', 'DebugPprofSymbol', 'DebugPprofTrace', 'DebugVars']);
    for (const op of debug) expect({ name: op.name, power: op.power }).toEqual({ name: op.name, power: pprof });
    for (const [method, path, name] of [
      ['GET', '/debug/vars', 'DebugVars'],
      ['POST', '/debug/vars', 'DebugVars'],
      ['GET', '/debug/pprof/', 'DebugPprofIndex'],
      ['GET', '/debug/pprof/cmdline', 'DebugPprofCmdline'],
      ['GET', '/debug/pprof/profile', 'DebugPprofProfile'],
      ['POST', '/debug/pprof/symbol', 'DebugPprofSymbol'],
      ['GET', '/debug/pprof/trace', 'DebugPprofTrace'],
      ['GET', '/debug/pprof/heap', 'DebugPprof'],
      ['DELETE', '/debug/pprof/goroutine', 'DebugPprof'],
    ] as const) {
      const m = matchOperation(method, path);
      expect({ path, name: m?.operation.name, power: m?.operation.power }).toEqual({ path, name, power: 'exfiltrate' });
    }
    // The versioned form is no route (dockerd 28 answers it): unknown-route, denied.
    expect(matchOperation('GET', '/v1.41/debug/vars')).toBeUndefined();
  });

  it('marks hijacks and the build power of /session and /grpc', () => {
    const hijacks = OPERATIONS.filter((op) => op.hijack).map((op) => op.name);
    expect(hijacks.sort()).toEqual(['ContainerAttach', 'ContainerAttachWebsocket', 'ExecStart', 'Grpc', 'Session']);
    expect(operationByName('Grpc')?.section).toBe('build');
    expect(operationByName('Session')?.section).toBe('build');
  });

  it('carries minimum API versions', () => {
    expect(operationByName('VolumeUpdate')?.minApiVersion).toBe('1.42');
    expect(operationByName('ImageAttestations')?.minApiVersion).toBe('1.55');
    expect(operationByName('ContainerList')?.minApiVersion).toBeUndefined();
  });

  it('lists sections once each, and unknown names are undefined', () => {
    expect(SECTIONS).toContain('containers');
    expect(SECTIONS).toContain('debug');
    expect(new Set(SECTIONS).size).toBe(SECTIONS.length);
    expect(operationByName('NoSuchThing')).toBeUndefined();
    expect(operationByName('NetworkList')?.pattern).toBe('/networks');
  });

  it('compiles mux templates', () => {
    expect(compileMuxPattern('/containers/{name:.*}/json')).toBe('/containers/(?<name>[^\\n]*)/json');
    expect(compileMuxPattern('/services/{id}')).toBe('/services/(?<id>[^/]+)');
    expect(compileMuxPattern('/a.b/{v:[0-9.]+}')).toBe('/a\\.b/(?<v>[0-9.]+)');
  });
});

describe('matchOperation skips routes by their literal prefix without changing a result', () => {
  // The plain form of the matcher: every route of the method, in order, versioned then bare.
  const ROUTES = OPERATIONS.map((op) => {
    const source = compileMuxPattern(op.pattern);
    return {
      op,
      versioned: op.method === '*' ? undefined : new RegExp(`^/v(?<version>[0-9.]+)${source}$`, 'u'),
      bare: new RegExp(`^${source}$`, 'u'),
    };
  });
  function plainMatch(method: string, path: string): [string, Record<string, string>] | undefined {
    for (const r of ROUTES) {
      if (r.op.method !== '*' && r.op.method !== method) continue;
      const m = r.versioned?.exec(path) ?? r.bare.exec(path);
      if (m) return [r.op.name, { ...m.groups }];
    }
    return undefined;
  }
  const prefixes = ['', '/v1.41', '/v1.041', '/v.', '/v1..2', '/v1.41.', '/v1', '/v', '/v1.41x', '/V1.41', '/v1.41/v1.41', '/vv1.41'];
  const suffixes = ['', '/', '/x', 'x', '/json', '/a/b', '//'];
  const paths = new Set<string>(['/', '/v', '/v1.41', '/v1.41/', '/v/', '/_ping', '/v1.41/_ping', '/v1.41_ping']);
  for (const [, template] of REFERENCE_ROUTES) {
    const { path } = samplePath(template);
    const literal = template.slice(0, template.includes('{') ? template.indexOf('{') : undefined);
    for (const prefix of prefixes) {
      for (const suffix of suffixes) {
        paths.add(prefix + path + suffix);
        paths.add(prefix + literal + suffix);
        paths.add(prefix + literal.slice(0, -1) + suffix);
      }
    }
  }
  const methods = [...new Set(OPERATIONS.map((op) => op.method).filter((m) => m !== '*')), 'PATCH', 'get'];

  it(`agrees with trying every route on ${paths.size} paths and ${methods.length} methods`, () => {
    let matched = 0;
    for (const method of methods) {
      for (const path of paths) {
        const m = matchOperation(method, path);
        const want = plainMatch(method, path);
        const got = m ? [m.operation.name, { ...m.params, ...(m.apiVersion === undefined ? {} : { version: m.apiVersion }) }] : undefined;
        expect(got, `${method} ${path}`).toEqual(want);
        if (want) matched += 1;
      }
    }
    // Both outcomes are exercised: most paths match some route of some method, many match none.
    expect(matched).toBeGreaterThan(1000);
    expect(matched).toBeLessThan(paths.size * methods.length);
  });
});
