// The audit fields of the requests that make dockerd contact a registry address the caller
// chooses (rev-redteam F3: their records named no host): an image search's `term`, a login's
// `serveraddress`, a plugin privileges look-up's or upgrade's `remote`. From the raw request
// as the gateway receives it to the written audit line, which must never hold a credential:
// a login body's username, password and identitytoken, or a `user:password@` in an address.
import { describe, expect, it } from 'vitest';
import { MAX_VALUE_LENGTH } from '../../../src/observe/escape.js';
import { maskRegistryAddress } from '../../../src/observe/registry-address.js';
import { type RawRequest, writtenAuditLine } from './fixtures.js';

const SECRET = 'hunter2-SECRET';
const TOKEN = 'eyJidG9rZW4tSURFTlRJVFk';
const JSON_CT = { 'content-type': 'application/json' };
const q = encodeURIComponent;
const LONG = 'x'.repeat(3000);

interface Row extends RawRequest {
  name: string;
  want: unknown;
}

const login = (fields: Record<string, unknown>) => JSON.stringify({ username: 'login-user-7f3', password: SECRET, identitytoken: TOKEN, email: 'a@example.invalid', ...fields });

const rows: Row[] = [
  {
    name: 'ImageSearch (docker search 127.0.0.1:5000/x): the term, whose index part is the host dockerd contacts',
    method: 'GET',
    target: `/v1.41/images/search?limit=25&term=${q('127.0.0.1:5000/x')}`,
    want: { term: '127.0.0.1:5000/x' },
  },
  {
    name: 'ImageSearch: a term naming no index (Docker Hub) as sent',
    method: 'GET',
    target: '/v1.41/images/search?term=busybox',
    want: { term: 'busybox' },
  },
  {
    name: 'ImageSearch: the first term value, the one dockerd reads (Form.Get)',
    method: 'GET',
    target: `/v1.41/images/search?term=${q('10.0.0.1:1/a')}&term=busybox`,
    want: { term: '10.0.0.1:1/a' },
  },
  {
    name: 'ImageSearch: a user:password@ in the index part is masked',
    method: 'GET',
    target: `/v1.41/images/search?term=${q(`u:${SECRET}@127.0.0.1:5000/x`)}`,
    want: { term: '***@127.0.0.1:5000/x' },
  },
  {
    name: 'ImageSearch: a password holding a / leaves no plain host (Go contacts nothing): masked whole',
    method: 'GET',
    target: `/v1.41/images/search?term=${q(`u:${SECRET}/more@127.0.0.1:5000/x`)}`,
    want: { term: '***' },
  },
  {
    name: 'ImageSearch: a ? before an @ ends the host dockerd contacts (https://127.0.0.1:5000?...): that host is recorded',
    method: 'GET',
    target: `/v1.41/images/search?term=${q(`127.0.0.1:5000?${SECRET}@other.invalid/x`)}`,
    want: { term: '127.0.0.1:5000?***' },
  },
  {
    name: 'ImageSearch: with a scheme, the userinfo is masked',
    method: 'GET',
    target: `/v1.41/images/search?term=${q(`https://u:${SECRET}@h.invalid/x`)}`,
    want: { term: 'https://***@h.invalid/x' },
  },
  {
    name: 'ImageSearch: a long term is cut like any recorded value, after its password was masked',
    method: 'GET',
    target: `/v1.41/images/search?term=${q(`u:${SECRET}${LONG}@127.0.0.1:5000/${LONG}`)}`,
    want: { term: `***@127.0.0.1:5000/${LONG}`.slice(0, MAX_VALUE_LENGTH) + `...[truncated ${`***@127.0.0.1:5000/${LONG}`.length - MAX_VALUE_LENGTH} chars]` },
  },
  {
    name: 'ImageSearch: no term, no field',
    method: 'GET',
    target: '/v1.41/images/search',
    want: undefined,
  },
  {
    name: 'SystemAuth (docker login 127.0.0.1:5000): the server address only, never username, password, identitytoken or email',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ serveraddress: '127.0.0.1:5000' }),
    want: { serverAddress: '127.0.0.1:5000' },
  },
  {
    name: 'SystemAuth: the key as Go decodes it (case-insensitive)',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ ServerAddress: 'https://registry.invalid:5000/v1/' }),
    want: { serverAddress: 'https://registry.invalid:5000/v1/' },
  },
  {
    name: 'SystemAuth: credentials in the address URL are masked',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ serveraddress: `https://u:${SECRET}@registry.invalid/?token=${SECRET}#${SECRET}` }),
    want: { serverAddress: 'https://***@registry.invalid/?token=***' },
  },
  {
    name: 'SystemAuth: a user:password@ without a scheme (dockerd prefixes https://) is masked',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ serveraddress: `u:${SECRET}@127.0.0.1:5000` }),
    want: { serverAddress: '***@127.0.0.1:5000' },
  },
  {
    name: 'SystemAuth: the host dockerd contacts when a ? comes before an @',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ serveraddress: `127.0.0.1:5000?${SECRET}@other.invalid` }),
    want: { serverAddress: '127.0.0.1:5000?***' },
  },
  {
    name: 'SystemAuth: an empty address (Docker Hub) as sent',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ serveraddress: '' }),
    want: { serverAddress: '' },
  },
  {
    name: 'SystemAuth: no address, no field; the credentials still never reach the line',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({}),
    want: undefined,
  },
  {
    name: 'SystemAuth: an address that is an object is dropped, its content never copied',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ serveraddress: { password: SECRET } }),
    want: undefined,
  },
  {
    name: 'SystemAuth: a long address is cut',
    method: 'POST',
    target: '/v1.41/auth',
    headers: JSON_CT,
    body: login({ serveraddress: `127.0.0.1:5000/${LONG}` }),
    want: { serverAddress: `127.0.0.1:5000/${LONG}`.slice(0, MAX_VALUE_LENGTH) + `...[truncated ${`127.0.0.1:5000/${LONG}`.length - MAX_VALUE_LENGTH} chars]` },
  },
  {
    name: 'GetPluginPrivileges (docker plugin install): the remote',
    method: 'GET',
    target: `/v1.41/plugins/privileges?remote=${q('127.0.0.1:5000/vieux/sshfs:latest')}`,
    want: { remote: '127.0.0.1:5000/vieux/sshfs:latest' },
  },
  {
    name: 'GetPluginPrivileges: a user:password@ in the remote is masked',
    method: 'GET',
    target: `/v1.41/plugins/privileges?remote=${q(`u:${SECRET}@127.0.0.1:5000/p:1`)}`,
    want: { remote: '***@127.0.0.1:5000/p:1' },
  },
  {
    name: 'PluginUpgrade (docker plugin upgrade): the remote beside the path name, masked',
    method: 'POST',
    target: `/v1.41/plugins/sshfs/upgrade?remote=${q(`u:${SECRET}@127.0.0.1:5000/vieux/sshfs:2`)}`,
    headers: JSON_CT,
    body: '[]',
    want: { name: 'sshfs', remote: '***@127.0.0.1:5000/vieux/sshfs:2' },
  },
];

describe('audit fields of registry look-ups, from the raw request to the written line', () => {
  it.each(rows)('$name', ({ want, ...req }) => {
    const line = writtenAuditLine(req);
    expect(JSON.parse(line).fields).toEqual(want);
    expect(line).not.toContain(SECRET);
    expect(line).not.toContain(TOKEN);
    expect(line).not.toContain('login-user-7f3');
    expect(line).not.toContain('example.invalid');
  });
});

describe('maskRegistryAddress', () => {
  it.each([
    ['busybox', 'busybox'],
    ['127.0.0.1:5000/x', '127.0.0.1:5000/x'],
    ['localhost/x', 'localhost/x'],
    ['[::1]:5000/x', '[::1]:5000/x'],
    ['u:pw@h:5000/x', '***@h:5000/x'],
    ['u:a/b@h/x', '***'],
    // An @ after the first / is path: the host dockerd contacts stays in the record (rev-fix29 W1).
    ['127.0.0.1:5000/x@decoy.invalid/y', '127.0.0.1:5000/x@decoy.invalid/y'],
    ['127.0.0.1:5000/a/b@decoy.invalid/c', '127.0.0.1:5000/a/b@decoy.invalid/c'],
    ['http://127.0.0.1:5000/x@decoy.invalid', 'http://127.0.0.1:5000/x@decoy.invalid'],
    ['u:pw@127.0.0.1:5000/x@decoy.invalid', '***@127.0.0.1:5000/x@decoy.invalid'],
    ['[::1]:5000/x@decoy.invalid', '[::1]:5000/x@decoy.invalid'],
    ['h:5000?x@other/y', 'h:5000?***'],
    ['h:5000#x@other/y', 'h:5000'],
    ['u:pw@h?x@other/y', '***@h?***'],
    ['u:p?w#x@h/x', '***'],
    ['http://u:pw@h:5000', 'http://***@h:5000'],
    ['https://h/v1/?token=abc', 'https://h/v1/?token=***'],
    ['HTTPS://u:pw@h', 'HTTPS://***@h'],
    [`h/x@sha256:${'a'.repeat(64)}`, `h/x@sha256:${'a'.repeat(64)}`],
    ['', ''],
  ])('%j -> %j', (value, want) => {
    expect(maskRegistryAddress(value)).toBe(want);
  });
});
