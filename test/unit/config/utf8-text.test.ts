/**
 * Config and policy files must be UTF-8 (rev-redteam F1): a policy saved as Latin-1 was decoded
 * with U+FFFD in place of each non-ASCII letter, so `users: ["José"]` named nobody and a deny rule
 * for him never applied, while `policy check` said OK.
 */
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { utf8Text } from '../../../src/config/yaml-file.js';
import { PolicyError, type PolicyProblem } from '../../../src/policy/errors.js';
import { loadPolicyFile } from '../../../src/policy/load-file.js';

const dir = mkdtempSync(join(tmpdir(), 'dgt-utf8-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('utf8Text', () => {
  it.each([
    ['ASCII', Buffer.from('users: [alice]\n')],
    ['multi-byte letters', Buffer.from('users: ["José", "Zoë", "日本"]\n', 'utf8')],
    ['a byte-order mark', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('version: 1\n')])],
    ['an encoded U+FFFD written on purpose', Buffer.from('x: "\uFFFD"\n', 'utf8')],
    ['a four-byte character', Buffer.from('x: "😀"\n', 'utf8')],
    ['empty', Buffer.alloc(0)],
  ])('%s reads as it is', (_label, bytes) => {
    expect(Buffer.from(utf8Text(bytes), 'utf8').equals(bytes)).toBe(true);
  });

  it.each([
    // label, bytes, the byte named, line, column
    ['Latin-1 é', Buffer.from('a: 1\nb: "Jos\xe9"\n', 'latin1'), 'E9', 2, 8],
    ['UTF-16 LE with its mark', Buffer.from('\ufeffa: 1\n', 'utf16le'), 'FF', 1, 1],
    ['a sequence cut short at the end', Buffer.from([0x61, 0x3a, 0x20, 0xc3]), 'C3', 1, 4],
    ['an overlong NUL (C0 80)', Buffer.from([0x61, 0xc0, 0x80]), 'C0', 1, 2],
    ['an encoded surrogate (ED A0 80)', Buffer.from([0x0a, 0x0a, 0x78, 0xed, 0xa0, 0x80]), 'ED', 3, 2],
    ['a Latin-1 byte after an emoji, which counts as one character', Buffer.concat([Buffer.from('a: "😀', 'utf8'), Buffer.from([0xe9])]), 'E9', 1, 6],
    ['a stray continuation byte after multi-byte text', Buffer.concat([Buffer.from('é: ', 'utf8'), Buffer.from([0x80])]), '80', 1, 4],
  ])('%s is refused, naming the byte and where', (_label, bytes, hex, line, column) => {
    expect(() => utf8Text(bytes)).toThrow(`is not UTF-8 text: byte 0x${hex} at line ${line}, column ${column} (a file saved as Latin-1 or UTF-16?)`);
  });
});

describe('files that are not UTF-8', () => {
  const latin1Policy = Buffer.from('version: 1\nrules:\n  - name: no-rm\n    who: { users: ["Jos\xe9"] }\n    deny: [ContainerDelete]\n', 'latin1');

  it('a policy file is refused by the loader (policy check, serve, reloads)', () => {
    const file = join(dir, 'latin1-policy.yaml');
    writeFileSync(file, latin1Policy);
    let problems: readonly PolicyProblem[] = [];
    try {
      loadPolicyFile(file);
    } catch (err) {
      if (err instanceof PolicyError) problems = err.problems;
    }
    expect(problems.map((p) => p.message)).toEqual([expect.stringMatching(/is not UTF-8 text: byte 0xE9 at line 4, column 24 .*save it as UTF-8$/)]);
  });

  it('a config file is refused', () => {
    const file = join(dir, 'latin1-config.yaml');
    writeFileSync(file, Buffer.from('listen: 127.0.0.1:2376\n# caf\xe9\n', 'latin1'));
    expect(() => loadConfig(file)).toThrow(/is not UTF-8 text: byte 0xE9 at line 2, column 6/);
  });

  it('the UTF-8 policy loads, and its version is the file\'s own SHA-256 (observability.md)', () => {
    const bytes = Buffer.from(latin1Policy.toString('latin1'), 'utf8');
    const file = join(dir, 'utf8-policy.yaml');
    writeFileSync(file, bytes);
    const policy = loadPolicyFile(file);
    expect(policy.rules[0]?.who).toMatchObject({ users: ['José'] });
    expect(policy.version).toBe(createHash('sha256').update(bytes).digest('hex').slice(0, 12));
  });
});
