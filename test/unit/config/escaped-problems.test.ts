/**
 * A config file's problems as `serve` and `policy check|explain --config` print them, and a
 * policy's as `serve` prints them when it refuses to start: the keys and values they quote are
 * the file's text, so a key holding a newline or ESC, or a value holding a bidi override, is
 * written `\uXXXX` (escapeHidden) on its own line; the problems themselves keep the exact text.
 */
import { describe, expect, it } from 'vitest';
import { buildConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/validate.js';
import { escapeHidden } from '../../../src/core/hidden-characters.js';
import { formatProblems } from '../../../src/policy/errors.js';

/** Any character escapeHidden writes as \uXXXX, but the newlines between lines. */
const RAW_HIDDEN = /(?!\n)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cc}]/u;

/** The ConfigError `buildConfig` throws for `doc`. */
function refusal(doc: unknown, source = '/etc/dockgate/config.yaml'): ConfigError {
  try {
    buildConfig(doc, '/etc/dockgate', source);
  } catch (err) {
    if (err instanceof ConfigError) return err;
    throw err;
  }
  throw new Error('accepted');
}

describe('ConfigError message', () => {
  it.each<[string, unknown, string | undefined, string]>([
    ['a key holding a newline and ESC', { 'bad\nkey\u001b[31m': 1 }, undefined, '  bad\\u000Akey\\u001B[31m: unknown key (expected one of: '],
    ['a nested key holding a bidi override', { limits: { '\u202EsetyBydob': 1 } }, undefined, '  limits.\\u202EsetyBydob: unknown key'],
    ['a listen value holding a bidi override', { listen: '127.0.0.1:2376\u202E' }, undefined, '  listen: "127.0.0.1:2376\\u202E" is not host:port or tcp://host:port'],
    ['a number value holding a zero-width space', { limits: { bodyBytes: '1\u200B0' } }, undefined, '  limits.bodyBytes: must be a positive integer up to 9007199254740991, got "1\\u200B0"'],
    ['a file name holding a C1 CSI', { 'x': 1 }, '/etc/dockgate/c\u009b2J.yaml', 'invalid configuration /etc/dockgate/c\\u009B2J.yaml:\n'],
  ])('%s', (_what, doc, source, expected) => {
    const err = refusal(doc, source);
    expect(err.message).toContain(expected);
    expect(err.message).not.toMatch(RAW_HIDDEN);
  });

  it('one line per problem, and the problems keep the exact text', () => {
    const err = refusal({ 'a\nb': 1, listen: 'x\u202E' });
    expect(err.message.split('\n')).toHaveLength(1 + err.problems.length);
    expect(err.problems.map((p) => p.path)).toContain('a\nb');
    expect(err.problems.find((p) => p.path === 'listen')?.message).toContain('x\u202E');
  });
});

describe('formatProblems with escapeHidden (serve refusing a policy)', () => {
  it('writes the file name and each problem escaped, one line each; without show, as they are', () => {
    const problems = [{ path: 'rules[0].wh\no\u001b[2J', line: 4, message: 'unknown key "wh\no\u001b[2J"' }, { path: 'rules[0].name', line: 3, message: 'rule name "a\u202Eb" must be ...' }];
    expect(formatProblems(problems, '/p\u200B.yaml', escapeHidden)).toBe(
      'invalid policy /p\\u200B.yaml: 2 problems\n' +
        '  rules[0].wh\\u000Ao\\u001B[2J (line 4): unknown key "wh\\u000Ao\\u001B[2J"\n' +
        '  rules[0].name (line 3): rule name "a\\u202Eb" must be ...',
    );
    expect(formatProblems(problems, '/p.yaml')).toContain('rules[0].wh\no\u001b[2J (line 4)');
  });
});
