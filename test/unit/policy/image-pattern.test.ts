/**
 * Image patterns of the `images` guard: `*` matches any characters. The matcher works without
 * backtracking; it must agree with the plain regular-expression reading of the pattern on
 * every input, and a long name against a many-star pattern must still be decided.
 */
import { describe, expect, it } from 'vitest';
import { compileEveryTagPattern, compileImagePattern, normalizeReference } from '../../../src/policy/guards/image-reference.js';

/** The pattern as a regular expression over the normalised name (the reference reading). */
function byRegExp(pattern: string, image: string): boolean {
  const p = normalizeReference(pattern, false);
  const r = normalizeReference(image, false);
  if (!p || !r) return false;
  const re = (glob: string) => new RegExp(`^${glob.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return re(p.name).test(r.name) && (p.tag === undefined || (r.tag !== undefined && re(p.tag).test(r.tag)));
}

describe('image patterns', () => {
  it.each([
    ['registry.example.com/*/*-ci', 'registry.example.com/team/app-ci', true],
    ['registry.example.com/*/*-ci', 'registry.example.com/team/app-ci-x', false],
    ['registry.example.com/*/*-ci', 'registry.example.com/team-ci', false],
    ['registry.example.com/*', 'registry.example.com/a/b/c', true],
    ['*/app', 'docker.io/library/app', true],
    ['busybox', 'busybox:1.36', true],
    ['busybox:1.*', 'busybox:1.36', true],
    ['busybox:1.*', 'busybox:2.0', false],
    ['a*a*a', 'docker.io/library/aa', false],
    ['docker.io/library/a*a*a', 'docker.io/library/aaa', true],
    ['docker.io/library/ab*ba', 'docker.io/library/aba', false],
    ['docker.io/library/ab*ba', 'docker.io/library/abba', true],
  ])('%s against %s: %s', (pattern, image, want) => {
    const ref = normalizeReference(image, false);
    expect(ref).toBeDefined();
    expect(compileImagePattern(pattern)(ref!)).toBe(want);
    expect(byRegExp(pattern, image)).toBe(want);
  });

  // Digests (which the regular-expression reading above leaves out): a tag pattern needs a
  // tag, a pinned pattern its digest. With a digest, dockerd ignores the tag (reference store
  // favorDigest): a reference with both matches as its digest alone, and so does a pattern.
  const A = 'sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
  const B = 'sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb';
  it.each([
    ['alpine:3.*', `alpine@${A}`, false],
    ['alpine:3.*', `alpine:3.19@${A}`, false],
    ['alpine:*', `alpine:3.19@${A}`, false],
    ['alpine:3.*', `alpine:edge@${A}`, false],
    ['alpine:*', `alpine@${A}`, false],
    ['alpine', `alpine@${A}`, true],
    [`busybox@${A}`, `busybox@${A}`, true],
    [`busybox@${A}`, `docker.io/library/busybox:1.36@${A}`, true],
    [`busybox@${A}`, `busybox@${B}`, false],
    [`busybox@${A}`, 'busybox:1.36', false],
    [`busybox@${A}`, 'busybox', false],
    [`busybox:1.36@${A}`, `busybox:1.36@${B}`, false],
    [`busybox:1.36@${A}`, `busybox@${A}`, true],
    [`busybox:1.36@${A}`, `busybox:edge@${A}`, true],
  ])('%s against %s: %s', (pattern, image, want) => {
    const ref = normalizeReference(image);
    expect(ref).toBeDefined();
    expect(compileImagePattern(pattern)(ref!)).toBe(want);
  });

  // Whether a pattern allows every tag of a name (a name-only pull or push acts on all of them).
  it.each([
    ['app', 'docker.io/library/app', true],
    ['app:*', 'docker.io/library/app', true],
    ['app:**', 'docker.io/library/app', true],
    ['*', 'docker.io/library/app', true],
    ['docker.io/library/*', 'docker.io/library/app', true],
    ['registry.example.com/*', 'docker.io/library/app', false],
    ['app:latest', 'docker.io/library/app', false],
    ['app:1.*', 'docker.io/library/app', false],
    [`app@${A}`, 'docker.io/library/app', false],
    [`app:*@${A}`, 'docker.io/library/app', false],
  ])('%s allows every tag of %s: %s', (pattern, name, want) => {
    expect(compileEveryTagPattern(pattern)(name)).toBe(want);
  });

  it('agrees with the regular-expression reading on 20 000 generated pairs', () => {
    let seed = 7;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const word = (alphabet: string, max: number) => Array.from({ length: rand(max) }, () => alphabet[rand(alphabet.length)]).join('');
    let disagreements = 0;
    let matches = 0;
    for (let i = 0; i < 20_000; i++) {
      const pattern = `docker.io/library/${word('ab*', 7)}`.replace(/\/\*|\*$/, 'a');
      const image = `docker.io/library/${word('ab', 9) || 'a'}`;
      const ref = normalizeReference(image, false);
      if (!ref || !normalizeReference(pattern, false)) continue;
      const got = compileImagePattern(pattern)(ref);
      if (got) matches += 1;
      if (got !== byRegExp(pattern, image)) disagreements += 1;
    }
    expect(disagreements).toBe(0);
    // The generator must produce both outcomes, or the comparison proves little.
    expect(matches).toBeGreaterThan(500);
  });

  it('a very long name against a two- and a three-star pattern is decided (a backtracking RegExp takes minutes)', () => {
    const ref = normalizeReference(`registry.example.com/${'a/'.repeat(200_000)}b`, false);
    expect(ref).toBeDefined();
    expect(compileImagePattern('registry.example.com/*/*-ci')(ref!)).toBe(false);
    expect(compileImagePattern('registry.example.com/*/*/*-ci')(ref!)).toBe(false);
    expect(compileImagePattern('registry.example.com/*/*b')(ref!)).toBe(true);
  });
});
