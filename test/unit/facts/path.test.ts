import { describe, expect, it } from 'vitest';
import { FactsError } from '../../../src/facts/errors.js';
import { goPathClean, muxCleanPath, normalizePath } from '../../../src/facts/path.js';
import { factsErrorCode } from './facts-error-code.js';

function refusal(target: string): string | undefined {
  return factsErrorCode(() => normalizePath(target));
}

describe('normalizePath accepts what Go and mux read one way', () => {
  // [target, path, query, origin-form target forwarded to the daemon (default: the target)]
  const cases: Array<[string, string, string, string?]> = [
    ['/containers/json', '/containers/json', ''],
    ['/v1.41/containers/json?all=1&size=0', '/v1.41/containers/json', 'all=1&size=0'],
    ['/containers/json?', '/containers/json', ''],
    ['/containers/json?a=%zz', '/containers/json', 'a=%zz'], // the query is parsed later
    // Go splits the target at the first `?`: later ones belong to the query, never to the path.
    ['/containers/create?x=/kill?', '/containers/create', 'x=/kill?'],
    ['/v1.41/containers/create?name=a?b&x=/c1/kill', '/v1.41/containers/create', 'name=a?b&x=/c1/kill'],
    ['/containers/json??', '/containers/json', '?'],
    ['http://h/containers/create?x=/kill?', '/containers/create', 'x=/kill?', '/containers/create?x=/kill?'],
    ['/containers/a%2Fb/json', '/containers/a/b/json', ''], // mux matches the decoded path
    ['/containers/a%2fb/json', '/containers/a/b/json', ''],
    ['/containers/a+b/json', '/containers/a+b/json', ''], // `+` is literal in paths
    ['/containers/caf%C3%A9/json', '/containers/café/json', ''],
    ['/containers/a%3Fb/json', '/containers/a?b/json', ''],
    ['/containers/a%23b/json', '/containers/a#b/json', ''],
    ['/networks/', '/networks/', ''], // mux keeps a trailing slash
    ['/', '/', ''],
    ['/images/a\\b/json', '/images/a\\b/json', ''], // Go keeps a backslash; so is it forwarded
    ['http://api.moby.localhost/v1.41/info?x=1', '/v1.41/info', 'x=1', '/v1.41/info?x=1'],
    ['HTTP://localhost:2376/_ping', '/_ping', '', '/_ping'],
    ['http://[::1]:2376/_ping', '/_ping', '', '/_ping'],
    ['http://host:/_ping', '/_ping', '', '/_ping'], // Go: an empty port is valid
    ['http://a:1:2/_ping', '/_ping', '', '/_ping'], // Go checks only after the last colon
    ['http://[::1]/_ping', '/_ping', '', '/_ping'],
    ['http://xn--/_ping', '/_ping', '', '/_ping'],
    ['http:///containers/json', '/containers/json', '', '/containers/json'], // Go: an empty authority is an empty host
    ['http:///', '/', '', '/'],
    // Decoded printable characters are no control characters: a space (0x20), a tilde (0x7e).
    ['/volumes/a%20b', '/volumes/a b', ''],
    ['/volumes/%20', '/volumes/ ', ''],
    ['/volumes/a%7Eb', '/volumes/a~b', ''],
    // Any scheme: Go reads `//authority` as the host (url.parse would keep it in the path).
    ['javascript://_ping/v1.41/containers/json?all=1', '/v1.41/containers/json', 'all=1', '/v1.41/containers/json?all=1'],
  ];
  it.each(cases)('%j -> %j ? %j', (target, path, query, origin) => {
    expect(normalizePath(target)).toEqual({ path, query, origin: origin ?? target });
  });
});

describe('normalizePath refuses', () => {
  const cases: Array<[string, string]> = [
    ['', 'bad-target'],
    ['*', 'bad-target'],
    ['containers/json', 'bad-target'],
    ['/containers/json#frag', 'bad-target'],
    ['/containers/a b/json', 'bad-target'],
    ['/containers/\u00e9/json', 'bad-target'],
    ['/containers/a\tb/json', 'bad-target'],
    ['http://host', 'bad-target'],
    ['http://host?x=/containers/json', 'bad-target'],
    ['http:/containers/json', 'bad-target'],
    ['mailto:x', 'bad-target'],
    ['http://user@host/_ping', 'bad-target'],
    ['http://a:b/v1.41/containers/c1/json', 'bad-target'], // Go: invalid port
    ['http://a:b:c/_ping', 'bad-target'],
    ['http://[x/_ping', 'bad-target'], // Go: missing ']'
    ['http://[::1]x/_ping', 'bad-target'],
    ['http://[::1]:x/_ping', 'bad-target'],
    ['http://a]b/_ping', 'bad-target'], // Go takes it; no client sends it
    ['/containers/%zz/json', 'bad-escape'],
    ['/containers/abc%', 'bad-escape'],
    ['/containers/abc%2', 'bad-escape'],
    ['/containers/%ff/json', 'bad-escape'],
    ['/containers/%C3/json', 'bad-escape'],
    ['/containers/a%00b/json', 'bad-escape'],
    ['/containers/a%0Ab/json', 'bad-escape'],
    ['/containers/a%7Fb/json', 'bad-escape'],
    ['//containers/json', 'unclean-path'],
    ['/containers//json', 'unclean-path'],
    ['/containers/./json', 'unclean-path'],
    ['/containers/x/../json', 'unclean-path'],
    ['/containers/json/.', 'unclean-path'],
    ['/containers/json/..', 'unclean-path'],
    ['/containers/%2e%2e/json', 'unclean-path'],
    ['/containers/%2E/json', 'unclean-path'],
    ['/containers/a%2F%2Fb/json', 'unclean-path'],
    ['/containers/a%2F..%2Fb/json', 'unclean-path'],
    ['/v1.41/../info', 'unclean-path'],
    ['http://host//info', 'unclean-path'],
  ];
  it.each(cases)('%j: %s', (target, code) => {
    expect(refusal(target)).toBe(code);
  });

  // The reason names what is wrong with an absolute-form target (Go: missing ']', no path).
  it.each([
    ['http://[x/_ping', 'unsupported authority in request target'],
    ['http://[x', 'unsupported authority in request target'],
    ['http://[x]y', 'unsupported authority in request target'],
    ['http://host', 'absolute-form target without a path'],
    ['http://', 'absolute-form target without a path'],
    ['/volumes/a%1Fb', 'path contains control characters'],
    ['/volumes/a%7Fb', 'path contains control characters'],
  ])('%j: %s', (target, message) => {
    expect(() => normalizePath(target)).toThrow(message);
  });

  it('throws FactsError with status 400', () => {
    expect(() => normalizePath('/a//b')).toThrow(FactsError);
    try {
      normalizePath('/a//b');
    } catch (err) {
      expect((err as FactsError).status).toBe(400);
    }
  });
});

describe('Go path cleaning', () => {
  const cases: Array<[string, string, string]> = [
    ['/', '/', '/'],
    ['/a/b/', '/a/b', '/a/b/'],
    ['/a//b', '/a/b', '/a/b'],
    ['/a/./b/../c', '/a/c', '/a/c'],
    ['/../a', '/a', '/a'],
    ['/a/..', '/', '/'],
    ['/a/../', '/', '/'],
  ];
  it.each(cases)('%j -> %j (mux %j)', (p, clean, mux) => {
    expect(goPathClean(p)).toBe(clean);
    expect(muxCleanPath(p)).toBe(mux);
  });
});
