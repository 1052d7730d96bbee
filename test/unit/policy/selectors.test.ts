import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '../../../src/facts/operations.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { PolicyError, type PolicyProblem } from '../../../src/policy/errors.js';
import { globSteps, overlaps, routeSteps } from '../../../src/policy/route-language.js';
import { compilePathGlob } from '../../../src/policy/path-glob.js';
import { compileSelector } from '../../../src/policy/selectors.js';
import { alice, req } from './fixtures.js';

function problems(text: string): PolicyProblem[] {
  try {
    loadPolicy(text, 'test.yaml');
  } catch (err) {
    if (err instanceof PolicyError) return [...err.problems];
    throw err;
  }
  return [];
}

const denyRule = (selector: string) => `version: 1\nrules:\n  - name: protect-prod\n    who: { anyone: true }\n    deny: [${JSON.stringify(selector)}]\n`;

describe('selectors that can never match are refused (M3)', () => {
  it.each([
    // The review's protect-prod rule: each of these denied nothing, so the next rule allowed.
    ['DELETE /v1.45/containers/prod-*', 'has an API version prefix, which globs never see: write /containers/prod-* (it matches every version)'],
    ['DELETE /v1.41', 'has an API version prefix, which globs never see: write / (it matches every version)'],
    // Only a CORS preflight could match it (dockerd's catch-all OPTIONS route): still a mistake.
    ['OPTIONS /v1.41', 'has an API version prefix, which globs never see: write / (it matches every version)'],
    ['DELETE /container/prod-*', 'never matches: it matches no DELETE route of the operation table (see the routes in docs/policy.md)'],
    ['GET /containers/json?all=1', 'never matches: a glob matches the path only, never the query string (drop the "?..." part; guards check query values)'],
    ['DELETE /containers/prod-*/', 'never matches: a path ending in "/" is refused unless its route ends in one (only /networks/ and /debug/pprof/ do): drop the trailing "/"'],
    ['PATCH /containers/*', 'never matches: it matches no PATCH route of the operation table (see the routes in docs/policy.md)'],
    ['DELETE /containers', 'never matches: it matches no DELETE route'],
    ['GET /containers/*/json/x', 'never matches: it matches no GET route'],
    ['DELETE /containers//prod', 'never matches: a request path never holds "//"'],
    ['DELETE /containers/../prod', 'never matches: a request path never holds "." or ".." segments'],
    ['GET /volumes/x/', 'never matches: a path ending in "/" is refused'],
    ['POST /debug/pprof/x/', 'never matches: it matches no POST route'],
    // A route pattern under a method it is not registered for.
    ['GET /containers/{name:.*}/kill', 'never matches: route /containers/{name:.*}/kill is registered for POST only'],
    ['POST /containers/{name:.*}/archive', 'never matches: route /containers/{name:.*}/archive is registered for HEAD, GET, PUT only'],
  ])('%s', (selector, why) => {
    expect(problems(denyRule(selector))).toEqual([{ path: 'rules[0].deny[0]', line: 5, message: expect.stringContaining(`selector "${selector}" ${why}`) }]);
  });

  it.each([
    'DELETE /containers/prod-*',
    'DELETE /containers/**',
    'GET /networks/',
    'GET /debug/pprof/',
    'POST /debug/pprof/heap', // /debug routes answer any method
    '* /containers/*/json',
    'GET /version', // not a version prefix
    'GET /v*/x', // /volumes/{name:.*} can be v-something/x
    'POST /containers/{name:.*}/kill',
    '* /containers/{name:.*}/kill',
    'PUT /containers/{name:.*}/archive',
    'GET /networks/*', // NetworkInspect: {id:.+}
    'DELETE /containers/a,b', // an odd but possible name
  ])('%s is accepted', (selector) => {
    expect(problems(denyRule(selector))).toEqual([]);
  });

  it('a deny glob fixed as the message says applies to every API version', () => {
    const p = loadPolicy(`${denyRule('DELETE /containers/prod-*')}  - name: dev\n    who: { anyone: true }\n    allow: [ContainerDelete]\n`);
    expect(decide(p, alice, req('DELETE', '/v1.45/containers/prod-db'))).toMatchObject({ outcome: 'deny', rule: 'protect-prod' });
    expect(decide(p, alice, req('DELETE', '/containers/prod-db'))).toMatchObject({ outcome: 'deny', rule: 'protect-prod' });
    expect(decide(p, alice, req('DELETE', '/v1.45/containers/dev-db'))).toMatchObject({ outcome: 'allow', rule: 'dev' });
  });
});

describe('a selector with a space that is no route (rev-newuser F8)', () => {
  it.each([
    ['"docker ps"', '"docker ps" is no selector: selectors are operation names (ContainerList), all, section:NAME, power:NAME or "METHOD /path" routes'],
    ['"list containers"', '"list containers" is no selector: selectors are operation names (ContainerList), all, section:NAME, power:NAME or "METHOD /path" routes'],
    ['"FETCH /x"', 'unknown HTTP method "FETCH"'],
    ['"GET containers/json"', 'path "containers/json" must start with /'],
  ])('%s', (selector, message) => {
    expect(problems(`version: 1\nrules:\n  - name: x\n    who: { anyone: true }\n    allow: [${selector}]\n`)).toEqual([{ path: 'rules[0].allow[0]', line: 5, message }]);
  });
});

describe('a selector holding "," is pointed at YAML lists (L4)', () => {
  it.each([
    ['allow: ContainerCreate, ContainerStart', 'rules[0].allow', '"ContainerCreate, ContainerStart" is no selector: selectors are operation names (ContainerList), all, section:NAME, power:NAME or "METHOD /path" routes; a selector is one string: for several, write a YAML list: [ContainerCreate, ContainerStart]'],
    ['allow: "ContainerCreate,ContainerStart"', 'rules[0].allow', 'unknown operation "ContainerCreate,ContainerStart" (see the operation names in docs/policy.md); a selector is one string: for several, write a YAML list: [ContainerCreate, ContainerStart]'],
    ['allow: ["power:read, ContainerTop"]', 'rules[0].allow[0]', 'unknown power "read, ContainerTop" (read, write or exfiltrate); a selector is one string: for several, write a YAML list: [power:read, ContainerTop]'],
  ])('%s', (line, path, message) => {
    expect(problems(`version: 1\nrules:\n  - name: x\n    who: { anyone: true }\n    ${line}\n`)).toEqual([{ path, line: 5, message }]);
  });
});

describe('section:, power: and all select by the operation', () => {
  it.each([
    ['section:exec', 'POST', '/exec/e1/start', true],
    ['section:exec', 'POST', '/v1.41/exec/e1/resize', true],
    ['section:exec', 'GET', '/containers/json', false],
    ['section:plugins', 'POST', '/plugins/pull?remote=x', true],
    ['section:plugins', 'GET', '/info', false],
    ['section:swarm', 'GET', '/swarm', true],
    ['section:swarm', 'GET', '/services', false],
    ['power:read', 'GET', '/containers/json', true],
    ['power:read', 'POST', '/containers/create', false],
    ['power:write', 'POST', '/containers/create', true],
    ['power:write', 'GET', '/containers/json', false],
    ['all', 'GET', '/info', true],
    ['all', 'GET', '/nope', false], // no operation: an unknown route is never selected
  ])('%s %s %s: %s', (text, method, target, selected) => {
    const s = compileSelector(text);
    if ('error' in s) throw new Error(s.error);
    expect(s.test(req(method, target))).toBe(selected);
  });
});

describe('which routes a selector may select', () => {
  const names = (text: string) => {
    const s = compileSelector(text);
    if ('error' in s) throw new Error(s.error);
    return { routes: [...new Set([...s.routes].map((op) => op.name))].sort(), whole: [...new Set([...s.wholeRoutes].map((op) => op.name))].sort() };
  };
  it.each([
    ['ContainerCreate', ['ContainerCreate'], ['ContainerCreate']],
    ['NetworkList', ['NetworkList'], ['NetworkList']],
    ['POST /containers/dev-*/exec', ['ContainerExec'], []],
    ['POST /containers/dev-*/update', ['ContainerUpdate'], []],
    ['POST /networks/dev-*/connect', ['NetworkConnect'], []],
    ['POST /images/busybox*/tag', ['ImageTag'], []],
    // Route order is ignored (a greedy {name:.*} route could take these too): assume it selects.
    ['POST /containers/create', ['ContainerCreate'], []],
    ['DELETE /containers/*', ['ContainerDelete'], []],
    ['GET /containers/*/top', ['ContainerTop'], []],
    ['GET /debug/pprof/{name}', ['DebugPprof'], []],
    ['* /debug/pprof/{name}', ['DebugPprof'], ['DebugPprof']],
  ])('%s', (text, routes, whole) => {
    expect(names(text)).toEqual({ routes, whole });
  });
});

describe('route-language overlaps', () => {
  it.each([
    ['/containers/dev-*/exec', '/containers/{name:.*}/exec', true],
    ['/containers/dev-*/exec', '/containers/{name:.*}/start', false],
    ['/containers/*', '/containers/{name:.*}', true],
    ['/containers/*', '/containers/create', true],
    ['/containers', '/containers/{name:.*}', false],
    ['/containers/**', '/containers/{name}/checkpoints/{checkpoint}', true],
    ['/containers/*', '/containers/{name}/checkpoints/{checkpoint}', false],
    ['/networks/*', '/networks/{id:.+}', true],
    ['/networks/', '/networks/{id:.+}', false],
    ['/services/a/b', '/services/{id}', false],
    ['/services/*', '/services/{id}', true],
    ['/x*y*z', '/x{a}z', true],
    ['/a*b', '/a/b', false],
    ['/a**b', '/a/b', true],
  ])('%s and %s: %s', (glob, pattern, want) => {
    expect(overlaps(globSteps(glob), routeSteps(pattern))).toBe(want);
  });

  it('every route pattern overlaps itself read as a glob with * for each variable', () => {
    for (const op of OPERATIONS) {
      const glob = op.pattern.replace(/\{[^}]*:\.[*+]\}/g, '**').replace(/\{[^}]*\}/g, '*');
      expect(overlaps(globSteps(glob), routeSteps(op.pattern)), op.pattern).toBe(true);
    }
  });
});

describe('the two readings of a glob agree', () => {
  // compilePathGlob decides what a selector matches; globSteps what the never-matches check and
  // the warnings reason about. A glob matches a literal path in one exactly when in the other.
  it('on 20 000 generated glob and path pairs', () => {
    // mulberry32: a small seeded generator, so a failure repeats.
    let seed = 7;
    const random = (n: number) => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) % n;
    };
    const pick = (parts: readonly string[], length: number) => Array.from({ length }, () => parts[random(parts.length)]).join('');
    let matched = 0;
    for (let i = 0; i < 20_000; i++) {
      const glob = `/${pick(['a', 'b', '-', '.', '/', '*', '**', '***'], 1 + random(6))}`;
      // Half the paths are the glob with its stars filled in (a `/` in a single star's place
      // must not match), half random.
      const filled = glob.replace(/\*+/g, (stars) => pick(stars.length > 1 ? ['a', '/', '-'] : ['a', 'b', '.', '/'], random(3)));
      const path = i % 2 === 0 ? filled : `/${pick(['a', 'b', '-', '.', '/'], random(8))}`;
      const byRegExp = compilePathGlob(glob)(path);
      expect(overlaps(globSteps(glob), routeSteps(path)), `${glob} on ${path}`).toBe(byRegExp);
      if (byRegExp) matched += 1;
    }
    // Both outcomes were exercised.
    expect(matched).toBeGreaterThan(1000);
    expect(matched).toBeLessThan(19_000);
  });
});

describe('compilePathGlob on characters a decoded path may hold', () => {
  // U+2028 and U+2029 are line terminators for `.` in a JavaScript regular expression; a path
  // may decode to them (%E2%80%A8), and a deny rule's `**` must still select the request.
  it.each([
    ['/containers/**', '/containers/a\u2028b/json', true],
    ['/containers/**', '/containers/a\u2029b/json', true],
    ['/containers/**/json', '/containers/x\u2028/y/json', true],
    ['/containers/*/json', '/containers/a\u2028b/json', true],
    ['/containers/*/json', '/containers/a/b/json', false],
  ])('%j on %j -> %s', (glob, path, want) => {
    expect(compilePathGlob(glob)(path)).toBe(want);
  });
});

describe('compilePathGlob against a RegExp reading of the glob', () => {
  /** The reading it replaces: `*` as [^/]*, `**` as [^]* (exponential on some paths, fine on these). */
  const asRegExp = (glob: string) =>
    new RegExp(`^${glob.replace(/\*\*|\*|[.+?^${'$'}{}()|[\]\\]/g, (m) => (m === '**' ? '[^]*' : m === '*' ? '[^/]*' : `\\${m}`))}$`);
  it.each([
    ['/containers/*/json', '/containers/abc/json'],
    ['/containers/*/json', '/containers/a/b/json'],
    ['/containers/**', '/containers/a/b/c'],
    ['/containers/**', '/containers'],
    ['/containers/**/json', '/containers/json'],
    ['/images/*', '/images/'],
    ['/a*b*c', '/aXbYc'],
    ['/a*b*c', '/aXb/c'],
    ['/a**b*c', '/aX/Yb/c'],
    ['/a**b*c', '/aX/YbZc'],
    ['/***', '/x/y'],
    ['/x*', '/x'],
    ['/x', '/x'],
    ['/x', '/y'],
    ['*', ''],
    ['/*/*', '/a/'],
  ])('%j on %j', (glob, path) => {
    expect(compilePathGlob(glob)(path)).toBe(asRegExp(glob).test(path));
  });

  it('a glob with many stars in one segment against a long run of the letter they surround: no match, and no backtracking', () => {
    // A RegExp of this glob takes seconds on 32 letters and doubles with each one more.
    const glob = `/containers/${'*a'.repeat(12)}*c/json`;
    expect(compilePathGlob(glob)(`/containers/${'a'.repeat(4000)}/json`)).toBe(false);
    expect(compilePathGlob(glob)(`/containers/${'a'.repeat(4000)}c/json`)).toBe(true);
  });
});
