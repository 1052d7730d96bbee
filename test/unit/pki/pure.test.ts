/** Table tests of the pure helpers: serials, hosts, names, connect lines, argument parsing, DER. */
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { parseArgs } from '../../../src/pki/cli-args.js';
import { bundleFiles } from '../../../src/pki/bundle.js';
import { chooseConnectHost, connectAddress, connectHostProblem, connectLines, contextName, shellQuote } from '../../../src/pki/connect-lines.js';
import { derInteger } from '../../../src/pki/crl.js';
import { isLoopback, normalizeHost, serverSans } from '../../../src/pki/hosts.js';
import { clientSubject, validateClientName, validateGroups } from '../../../src/pki/names.js';
import { certStatus, readIndex, type IndexEntry } from '../../../src/pki/pki-index.js';
import { parseRevocationReason } from '../../../src/pki/revocation-reason.js';
import { normalizeSerial, randomSerial } from '../../../src/pki/serial.js';
import { checkDays, validity } from '../../../src/pki/validity.js';
import { tempDirs } from './helpers.js';

const tmp = tempDirs();

describe('serials', () => {
  test.each([
    ['0A', '0a'],
    ['a', '0a'],
    ['00:DF:84:29', 'df8429'],
    ['0xDEADBEEF', 'deadbeef'],
    ['0000', '00'],
    // Zero bytes inside a serial are part of it: only leading ones go (mutation review s29).
    ['DF:00:84', 'df0084'],
    ['a00b', 'a00b'],
    ['00:01:00', '0100'],
    ['not-hex', undefined],
    ['', undefined],
  ])('normalizeSerial(%j) = %j', (input, expected) => {
    expect(normalizeSerial(input)).toBe(expected);
  });

  test('random serials are 32 hex digits with the top bit set, and distinct', () => {
    const serials = new Set(Array.from({ length: 200 }, randomSerial));
    expect(serials.size).toBe(200);
    for (const s of serials) expect(s).toMatch(/^[89a-f][0-9a-f]{31}$/);
  });
});

describe('hosts', () => {
  test.each([
    ['Gw.Example.COM.', 'gw.example.com'],
    ['[::1]', '::1'],
    ['10.0.0.1', '10.0.0.1'],
    ['FD00::A', 'fd00::a'],
    ['*.example.com', '*.example.com'],
  ])('normalizeHost(%j) = %j', (input, expected) => {
    expect(normalizeHost(input)).toBe(expected);
  });

  test.each([['has space'], ['a..b'], [''], ['-lead.example'], ['x'.repeat(64) + '.com']])('normalizeHost(%j) throws', (input) => {
    expect(() => normalizeHost(input)).toThrow(/neither an IP address nor a DNS name/);
  });

  test.each([
    ['localhost', true],
    ['127.0.0.53', true],
    ['::1', true],
    ['app.localhost', true],
    ['10.0.0.1', false],
    ['gw.example.com', false],
    ['127.0.0.1.example.com', false],
    // An address with 127 in another place is no loopback (mutation review s29).
    ['10.127.0.1', false],
    ['app.localhost.example.com', false],
  ])('isLoopback(%j) = %j', (host, expected) => {
    expect(isLoopback(host)).toBe(expected);
  });

  test('serverSans dedupes, keeps order, splits IPs from names, skips an invalid machine name', () => {
    expect(serverSans(['GW.example.com', '127.0.0.1', '10.1.1.1', 'gw.example.com'], 'box')).toEqual({
      dns: ['localhost', 'box', 'gw.example.com'],
      ip: ['127.0.0.1', '::1', '10.1.1.1'],
    });
    expect(serverSans([], 'bad name!')).toEqual({ dns: ['localhost'], ip: ['127.0.0.1', '::1'] });
  });
});

describe('connect lines', () => {
  test.each([
    ['gw', 'gw:2376'],
    ['gw:9999', 'gw:9999'],
    ['10.0.0.1', '10.0.0.1:2376'],
    ['fd00::1', '[fd00::1]:2376'],
    ['[fd00::1]', '[fd00::1]:2376'],
    ['[fd00::1]:9999', '[fd00::1]:9999'],
  ])('connectAddress(%j) = %j', (input, expected) => {
    expect(connectAddress(input)).toBe(expected);
  });

  test.each([
    ['gw', undefined],
    ['gw.example.com:12376', undefined],
    ['10.0.0.1', undefined],
    ['fd00::1', undefined],
    ['[fd00::1]', undefined],
    ['[fd00::1]:9999', undefined],
    ['my_host-1', undefined],
    ['a b:99', 'is not HOST'],
    ['gw:99999', 'port must be 1-65535'],
    ['gw:0', 'port must be 1-65535'],
    ['gw:', 'is not HOST'],
    ['', 'is not HOST'],
    ['[gw]:1', 'is not HOST'],
    ['gw;rm -rf', 'is not HOST'],
    ['-gw', 'is not HOST'],
    ['tcp://gw:2376', 'is not HOST'],
    ['fe80::1%eth0', 'an IPv6 zone'],
    ['[fe80::1%eth0]:2376', 'an IPv6 zone'],
  ])('connectHostProblem(%j) mentions %j', (input, problem) => {
    const found = connectHostProblem(input);
    if (problem === undefined) expect(found).toBeUndefined();
    else expect(found).toContain(problem);
  });

  test.each([
    [undefined, ['localhost', '127.0.0.1', 'gw.example.com', '10.0.0.1'], 'gw.example.com'],
    [undefined, ['localhost'], 'machine'],
    [undefined, [], 'machine'],
    ['explicit', ['gw.example.com'], 'explicit'],
  ])('chooseConnectHost(%j, %j) = %j', (explicit, hosts, expected) => {
    expect(chooseConnectHost(explicit, hosts, 'machine')).toBe(expected);
  });

  test.each([
    ['/plain/path', '/plain/path'],
    ['/with space', `'/with space'`],
    [`it's`, `'it'\\''s'`],
  ])('shellQuote(%j) = %j', (input, expected) => {
    expect(shellQuote(input)).toBe(expected);
  });

  // The docker CLIs read --docker as one CSV record: a comma in a path split the field
  // (`c/ca.pem must be formatted as key=value`, exit 125, with docker 28 and 20.10).
  test.each([
    ['/b/alice', 'docker context create alice --docker "host=tcp://gw:2376,ca=/b/alice/ca.pem,cert=/b/alice/cert.pem,key=/b/alice/key.pem"'],
    ['/b/my bundle', 'docker context create alice --docker "host=tcp://gw:2376,ca=/b/my bundle/ca.pem,cert=/b/my bundle/cert.pem,key=/b/my bundle/key.pem"'],
    ['/b/b,c', `docker context create alice --docker 'host=tcp://gw:2376,"ca=/b/b,c/ca.pem","cert=/b/b,c/cert.pem","key=/b/b,c/key.pem"'`],
    ['/b/say "hi"', `docker context create alice --docker 'host=tcp://gw:2376,"ca=/b/say ""hi""/ca.pem","cert=/b/say ""hi""/cert.pem","key=/b/say ""hi""/key.pem"'`],
    [`/b/it's,x`, `docker context create alice --docker 'host=tcp://gw:2376,"ca=/b/it'\\''s,x/ca.pem","cert=/b/it'\\''s,x/cert.pem","key=/b/it'\\''s,x/key.pem"'`],
    ['/b/two\nlines', `docker context create alice --docker 'host=tcp://gw:2376,"ca=/b/two\nlines/ca.pem","cert=/b/two\nlines/cert.pem","key=/b/two\nlines/key.pem"'`],
  ])('the context line for a bundle in %j', (dir, expected) => {
    expect(connectLines({ name: 'alice', host: 'gw', bundle: bundleFiles(dir) }).at(-1)).toBe(expected);
  });

  test.each([
    ['alice', 'alice'],
    ['alice@example.com', 'alice-example.com'],
    ['_x y', 'x-y'],
    ['a', 'dockgate-a'],
  ])('contextName(%j) = %j', (input, expected) => {
    expect(contextName(input)).toBe(expected);
  });
});

describe('parseArgs', () => {
  const spec = { dir: 'string', group: 'list', force: 'bool' } as const;
  test('accepts --flag value, --flag=value, repeats of lists, -- and -h', () => {
    const a = parseArgs('issue', ['n', '--dir', 'd', '--group=a', '--group', 'b=c', '--force', '--', '--literal'], spec);
    expect(a.positionals).toEqual(['n', '--literal']);
    expect(a.string('dir')).toBe('d');
    expect(a.list('group')).toEqual(['a', 'b=c']);
    expect(a.bool('force')).toBe(true);
    expect(parseArgs('issue', ['-h'], spec).bool('help')).toBe(true);
  });

  test.each([
    [['--nope'], 'unknown option --nope'],
    [['-x'], 'unknown option -x'],
    [['--dir'], '--dir needs a value'],
    [['--dir', 'a', '--dir', 'b'], '--dir given more than once'],
    [['--force=yes'], '--force takes no value'],
  ])('%j is a usage error', (argv, message) => {
    expect(() => parseArgs('issue', argv, spec)).toThrow(message);
  });
});

describe('client names (mutation review s29)', () => {
  // Only a leading - is refused (it would read as a flag): names such as build-bot are common.
  test.each(['build-bot', 'a-', 'a.b', 'x'.repeat(64)])('accepts %j', (name) => {
    expect(() => validateClientName(name)).not.toThrow();
  });
  test.each(['', ' a', 'a ', '-rf', '-', 'a/b', '.', '..'])('refuses %j', (name) => {
    expect(() => validateClientName(name)).toThrow(expect.objectContaining({ code: 'PKI_BAD_NAME' }));
  });
  test('groups: any text but control characters, empty or over-long ones', () => {
    expect(() => validateGroups(['ops', 'a-b', 'x'.repeat(64)])).not.toThrow();
    for (const bad of [['ok', 'bad\u0007'], [''], ['x'.repeat(65)]]) expect(() => validateGroups(bad)).toThrow(expect.objectContaining({ code: 'PKI_BAD_GROUP' }));
  });
});

describe('checkDays: a whole number of days from 1 to 36500 (mutation review s29)', () => {
  test.each([1, 90, 36500])('accepts %d', (days) => {
    expect(checkDays(days, '--days')).toBe(days);
  });
  test.each([0, -1, 36501, 1.5, Number.NaN, Infinity])('refuses %d', (days) => {
    expect(() => checkDays(days, '--days')).toThrow(expect.objectContaining({ code: 'PKI_BAD_DAYS' }));
  });
});

describe('misc', () => {
  test.each([
    [0, '020100'],
    [1, '020101'],
    [127, '02017f'],
    [128, '02020080'],
    [256, '02020100'],
    [65535, '020300ffff'],
  ])('derInteger(%i) = %s', (value, hex) => {
    expect(Buffer.from(derInteger(value)).toString('hex')).toBe(hex);
  });

  test('clientSubject puts CN first and one OU RDN per group in order', () => {
    expect(clientSubject('alice', ['b', 'a'])).toEqual([{ CN: ['alice'] }, { OU: ['b'] }, { OU: ['a'] }]);
  });

  test.each([
    ['keyCompromise', 'keyCompromise'],
    ['key-compromise', 'keyCompromise'],
    ['SUPERSEDED', 'superseded'],
    [undefined, 'unspecified'],
  ])('parseRevocationReason(%j) = %j', (input, expected) => {
    expect(parseRevocationReason(input)).toBe(expected);
  });

  test('parseRevocationReason refuses a reason it does not know (mutation review s29)', () => {
    expect(() => parseRevocationReason('bored')).toThrow(/unknown revocation reason "bored"/);
  });

  test('validity backdates 5 minutes and never outlives the CA', () => {
    const now = new Date('2030-01-01T00:00:00Z');
    expect(validity(now, 10)).toEqual({ notBefore: new Date('2029-12-31T23:55:00Z'), notAfter: new Date('2030-01-11T00:00:00Z') });
    expect(validity(now, 10, new Date('2030-01-05T00:00:00Z')).notAfter).toEqual(new Date('2030-01-05T00:00:00Z'));
  });

  test.each([
    [{ revoked: { at: '2030-01-01T00:00:00Z', reason: 'superseded' } }, 'revoked'],
    [{ notAfter: '2029-01-01T00:00:00Z' }, 'expired'],
    [{ notBefore: '2031-01-01T00:00:00Z' }, 'not-yet-valid'],
    [{}, 'valid'],
  ])('certStatus(%j) = %s', (patch, expected) => {
    const base: IndexEntry = {
      kind: 'client', name: 'a', groups: [], serial: '01', fingerprint: '00', keyType: 'ecdsa',
      notBefore: '2029-06-01T00:00:00Z', notAfter: '2031-06-01T00:00:00Z',
    };
    expect(certStatus({ ...base, ...patch } as IndexEntry, new Date('2030-06-01T00:00:00Z'))).toBe(expected);
  });

  test.each([
    ['{', 'not valid JSON'],
    ['[]', 'expected a JSON object'],
    ['{"version":2}', 'unsupported version 2'],
    ['{"version":1,"hosts":[],"crlNumber":-1,"certs":[]}', 'crlNumber must be a non-negative integer'],
    ['{"version":1,"hosts":[],"crlNumber":0,"certs":[{"kind":"x"}]}', 'certs[0]: kind must be client or server'],
  ])('readIndex rejects %s', async (text, message) => {
    const file = join(await tmp(), 'index.json');
    await writeFile(file, text);
    await expect(readIndex(file)).rejects.toThrow(message);
  });
});
