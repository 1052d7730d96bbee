/**
 * Names and groups holding hidden characters (names37): `certs issue` refuses them, showing each
 * as \uXXXX, since `\u202Eecila` prints as "alice" in `certs list`, logs and policies. A client
 * that already has such a name (issued before, or by another tool) keeps working: renew,
 * revoke and list take it, and list shows its hidden characters escaped.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { validateClientName, validateGroups, validateNewClientName } from '../../../src/pki/names.js';
import { readIndex } from '../../../src/pki/pki-index.js';
import { openssl, tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

/** Names with a hidden character, and how the refusal shows it. */
const HIDDEN_NAMES: readonly (readonly [string, string, string])[] = [
  ['right-to-left override', '\u202Eecila', '\\u202E'],
  ['left-to-right embedding and pop', 'al\u202Aice\u202C', '\\u202A \\u202C'],
  ['right-to-left isolate', '\u2067alice', '\\u2067'],
  ['left-to-right mark', 'alice\u200E', '\\u200E'],
  ['Arabic letter mark', 'alice\u061C', '\\u061C'],
  ['zero-width space', 'mal\u200Blory', '\\u200B'],
  ['zero-width joiner', 'al\u200Dice', '\\u200D'],
  ['word joiner', 'ali\u2060ce', '\\u2060'],
  ['byte order mark', 'ali\uFEFFce', '\\uFEFF'],
  ['soft hyphen', 'ali\u00ADce', '\\u00AD'],
  ['variation selector', 'alice\uFE0F', '\\uFE0F'],
  ['Hangul filler', 'alice\u3164', '\\u3164'],
  ['tag character (beyond U+FFFF: its UTF-16 pair)', 'alice\u{E0041}', '\\uDB40\\uDC41'],
  ['line separator', 'alice\u2028x', '\\u2028'],
  ['C1 control', 'alice\u009B', '\\u009B'],
];

describe('new names and groups: hidden characters refused, shown as \\uXXXX', () => {
  test.each(HIDDEN_NAMES)('name with a %s is refused for a new client, accepted for an existing one', (_what, name, shown) => {
    let message = '';
    try {
      validateNewClientName(name);
    } catch (err) {
      expect(err).toMatchObject({ code: 'PKI_BAD_NAME' });
      message = (err as Error).message;
    }
    expect(message).toContain(`contains ${shown}`);
    // The message itself holds no hidden character: it prints as what it says.
    expect(message).not.toMatch(/[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Zl}\p{Zp}\p{Cs}]/u);
    // `renew` checks only what keeps the name a safe directory name: an existing client is not cut off.
    if (!/\p{Cc}/u.test(name)) expect(() => validateClientName(name)).not.toThrow();
  });

  test.each(HIDDEN_NAMES)('group with a %s is refused', (_what, group, shown) => {
    expect(() => validateGroups(['ops', group])).toThrow(expect.objectContaining({ code: 'PKI_BAD_GROUP', message: expect.stringContaining(`contains ${shown}`) }));
  });

  // What `policy check` warns about in a policy's names (who-warnings.ts) is refused in new names too.
  test.each<[string, string, string]>([
    ['no-break space', 'Jean\u00A0Dupont', '\\u00A0'],
    ['em space', 'Jean\u2003Dupont', '\\u2003'],
    ['ideographic space', 'Jean\u3000Dupont', '\\u3000'],
    ['braille blank', 'al\u2800ice', '\\u2800'],
    ['private-use character', 'alice\uE000', '\\uE000'],
    ['replacement character', 'alice\uFFFD', '\\uFFFD'],
  ])('name and group with a %s, which prints as a blank, box or other character, are refused new', (_what, name, shown) => {
    expect(() => validateNewClientName(name)).toThrow(expect.objectContaining({ code: 'PKI_BAD_NAME', message: expect.stringContaining(`contains ${shown}`) }));
    expect(() => validateGroups([name])).toThrow(expect.objectContaining({ code: 'PKI_BAD_GROUP', message: expect.stringContaining(`contains ${shown}`) }));
    expect(() => validateClientName(name)).not.toThrow();
  });

  test.each(['alice', 'Zoë', 'José', '日本', 'j.smith', 'build-bot', 'Alice Smith', '\u0430dmin'])('%j is still a good new name and group', (name) => {
    expect(() => validateNewClientName(name)).not.toThrow();
    expect(() => validateGroups([name])).not.toThrow();
  });
});

describe('certs issue refuses them; an existing client with one keeps working', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
  });

  test('issue "\\u202Eecila": exit 2, the character shown, nothing issued', async () => {
    const r = await run('issue', '\u202Eecila', '--dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('name "\\u202Eecila" contains \\u202E');
    expect(r.err).not.toContain('\u202E');
    expect((await readIndex(join(dir, 'index.json'))).certs.filter((e) => e.kind === 'client')).toEqual([]);
  });

  test('issue with --group "op\\u200Bs": exit 2, nothing issued', async () => {
    const r = await run('issue', 'bob', '--group', 'op\u200Bs', '--dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toContain('group "op\\u200Bs" contains \\u200B');
    expect((await readIndex(join(dir, 'index.json'))).certs.filter((e) => e.kind === 'client')).toEqual([]);
  });

  test('a client named "\\u202Eecila" in the index (issued before the refusal): list shows it escaped; renew and revoke by name work', async () => {
    expect((await run('issue', 'ecila', '--group', 'dev', '--dir', dir)).code).toBe(0);
    // What an index written before names37 may hold: the same entry with the hidden character.
    const indexFile = join(dir, 'index.json');
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as { certs: { kind: string; name: string }[] };
    for (const e of index.certs) if (e.kind === 'client' && e.name === 'ecila') e.name = '\u202Eecila';
    await writeFile(indexFile, JSON.stringify(index, null, 2));

    const list = await run('list', '--dir', dir);
    expect(list.code).toBe(0);
    expect(list.out).toMatch(/^\\u202Eecila {2,}client {2,}dev /m);
    expect(list.out).not.toContain('\u202E');

    const renewed = await run('renew', '\u202Eecila', '--dir', dir);
    expect(renewed.code, renewed.err).toBe(0);
    expect(renewed.out).toContain('Renewed "\\u202Eecila" (groups: dev)');
    const subject = openssl('x509', '-in', join(dir, 'clients', 'ecila', 'cert.pem'), '-noout', '-subject', '-nameopt', 'RFC2253,-esc_msb').stdout.trim();
    expect(subject).toBe('subject=OU=dev,CN=\u202Eecila');

    const revoked = await run('revoke', '\u202Eecila', '--dir', dir);
    expect(revoked.code, revoked.err).toBe(0);
    expect(revoked.out.match(/^Revoked client "\\u202Eecila" serial /gm)).toHaveLength(2);
    const after = await readIndex(indexFile);
    expect(after.certs.filter((e) => e.name === '\u202Eecila').map((e) => e.revoked !== undefined)).toEqual([true, true]);
  });
});

/** Any hidden character (hidden-characters.ts), raw, in a text but its final newline. */
const RAW_HIDDEN = /(?!\n$)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Cc}\p{Zl}\p{Zp}]/u;

// A certs error quoting what the user typed, or a name the index holds, printed it raw:
// `certs revoke $'\u202Eecila'` answered `no certificate with name or serial "ecila"` read backwards.
describe('certs errors write the hidden characters of what they quote as \\uXXXX', () => {
  let dir: string;
  let serial: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    expect((await run('issue', 'ecila', '--dir', dir)).code).toBe(0);
    const indexFile = join(dir, 'index.json');
    const index = JSON.parse(await readFile(indexFile, 'utf8')) as { certs: { kind: string; name: string; serial: string }[] };
    for (const e of index.certs) if (e.kind === 'client' && e.name === 'ecila') e.name = '\u202Eecila';
    serial = index.certs.find((e) => e.name === '\u202Eecila')?.serial ?? '';
    await writeFile(indexFile, JSON.stringify(index, null, 2));
    expect((await run('revoke', '\u202Eecila', '--dir', dir)).code).toBe(0);
  });

  test.each<[string, () => string[], number, string]>([
    ['revoke of a name not in the index', () => ['revoke', 'mal\u200Blory', '--dir', dir], 1, 'no certificate with name or serial "mal\\u200Blory" in the index'],
    ['revoke of a name whose certificates are all revoked', () => ['revoke', '\u202Eecila', '--dir', dir], 1, 'every certificate of "\\u202Eecila" is already revoked'],
    ['revoke by the serial of a revoked certificate: the name the index holds', () => ['revoke', serial, '--dir', dir], 1, `(\\u202Eecila) is already revoked`],
    ['renew of a name not in the index', () => ['renew', 'mal\u200Blory', '--dir', dir], 1, 'no client "mal\\u200Blory" in the index; use "certs issue mal\\u200Blory"'],
    ['renew of a name whose certificates are all revoked', () => ['renew', '\u202Eecila', '--dir', dir], 1, 'every certificate of "\\u202Eecila" is revoked'],
    ['a --host that is no DNS name (a usage error)', () => ['rotate-server', '--host', '\u202Emoc.example', '--dir', dir], 2, '"\\u202Emoc.example" is neither an IP address nor a DNS name'],
    ['an unexpected argument (a usage error)', () => ['list', 'x\u001b[2J', '--dir', dir], 2, 'unexpected argument "x\\u001B[2J"'],
  ])('%s', async (_what, argv, code, shown) => {
    const r = await run(...argv());
    expect(r.code, r.err).toBe(code);
    expect(r.err).toContain(shown);
    expect(r.err).not.toMatch(RAW_HIDDEN);
  });
});
