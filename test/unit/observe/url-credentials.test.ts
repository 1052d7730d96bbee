import { describe, expect, it } from 'vitest';
import { maskNameCredentials, maskPathCredentials, maskUrlCredentials } from '../../../src/observe/url-credentials.js';

describe('maskUrlCredentials', () => {
  // [value, schemeless, want]
  it.each([
    ['https://user:pw@host/x.git', false, 'https://***@host/x.git'],
    ['https://token@github.com/o/r', false, 'https://***@github.com/o/r'],
    ['https://tok:x-oauth-basic@github.com/o/r', false, 'https://***@github.com/o/r'],
    ['HTTP://u:p@h', false, 'HTTP://***@h'],
    ['git+ssh://git@h:22/r.git', false, 'git+ssh://***@h:22/r.git'],
    ['https://u:p@w@h/x', false, 'https://***@h/x'], // Go: userinfo ends at the last @
    ['https://u:p%40w@h/x', false, 'https://***@h/x'],
    ['https://u:p?w#x@h/x', false, 'https://***@h/x'], // malformed, still masked
    // A reference with a scheme is no URL to dockerd (refused): everything after the scheme up
    // to the last @ is masked, so a password with a / goes whole (rev-fixes1 F2).
    ['https://h/path/@v1', false, 'https://***@v1'],
    ['https://u:ab/SECRET@h/x', false, 'https://***@h/x'],
    ['https://h?u=a@b', false, 'https://***@b'], // errs towards masking
    [' https://u:p@h/x', false, ' https://***@h/x'],
    ['//u:p@h/share', false, '//***@h/share'],
    ['see https://a:b@h/x and ftp://c:d@i/y', false, 'see https://***@h/x and ftp://***@i/y'],
    ['https://host/x.tar', false, 'https://host/x.tar'],
    [`busybox@sha256:${'a'.repeat(64)}`, false, `busybox@sha256:${'a'.repeat(64)}`],
    [`localhost:5000/busybox:1@sha256:${'a'.repeat(64)}`, false, `localhost:5000/busybox:1@sha256:${'a'.repeat(64)}`],
    // A `user:pw@` without a scheme in a reference (rev-secrets F4): not a digest, so masked.
    ['u:p@h/x', false, '***@h/x'],
    ['u:p@h:5000/x', false, '***@h:5000/x'], // a port is no digest
    ['u:p@w@h/x', false, '***@h/x'],
    [`u:p@h/x@sha256:${'a'.repeat(64)}`, false, `***@h/x@sha256:${'a'.repeat(64)}`],
    // Only a digest dockerd accepts (sha256: 64 lower-case hex digits, sha384: 96, sha512:
    // 128) ends an @'s userinfo; anything else is refused by dockerd and errs towards masking.
    ['busybox@sha256:abc', false, '***@sha256:abc'],
    [`busybox@sha256:${'A'.repeat(64)}`, false, `***@sha256:${'A'.repeat(64)}`],
    [`busybox@sha256:${'a'.repeat(65)}`, false, `***@sha256:${'a'.repeat(65)}`],
    [`busybox@sha384:${'a'.repeat(96)}`, false, `busybox@sha384:${'a'.repeat(96)}`],
    [`busybox@sha512:${'a'.repeat(128)}`, false, `busybox@sha512:${'a'.repeat(128)}`],
    [`busybox@sha512:${'a'.repeat(64)}`, false, `***@sha512:${'a'.repeat(64)}`],
    ['u:p@md5:abc/x', false, '***@md5:abc/x'], // no digest algorithm dockerd knows
    ['u:SECRET@sha256:5000/x', false, '***@sha256:5000/x'], // a host called sha256 with a port (rev-fixes1 F1)
    ['u:SECRET@sha256:abcd', false, '***@sha256:abcd'],
    [`u:SECRET@sha256:${'a'.repeat(64)}/x`, false, `***@sha256:${'a'.repeat(64)}/x`], // a digest ends a reference
    // A password holding a / or @ is masked whole: up to the last @ that starts no digest (rev-fixes1 F2).
    ['u:ab/SECRET@h/x', false, '***@h/x'],
    ['u:a/b@c/SECRET@h/x', false, '***@h/x'],
    [`u:ab/SECRET@h/x@sha256:${'a'.repeat(64)}`, false, `***@h/x@sha256:${'a'.repeat(64)}`],
    ['//u:ab/SECRET@h/x', false, '//***@h/x'],
    ['h/path/@v1', false, '***@v1'], // errs towards masking: dockerd refuses it
    ['u:p@h/x', true, '***@h/x'],
    ['user@h', true, '***@h'],
    ['git@github.com:o/r.git', true, '***@github.com:o/r.git'],
    ['u:p@h/x?r=http://y', true, '***@h/x?r=***'],
    ['u:pa?ss@h/x', true, '***@h/x'], // a ? in a schemeless userinfo does not end it early
    ['u:pa#ss@h/x', true, '***@h/x'],
    ['https://u:p@h/x', true, 'https://***@h/x'],
    // git (dockerd's build `remote`) reads one to three slashes after the scheme as `//`: curl
    // sent `http:///u:pw@h/r.git`'s user and password as Basic auth (rev-secrets s27 F1).
    ['http:///u:SECRET@h/r.git', true, 'http:///***@h/r.git'],
    ['http:/u:SECRET@h/r.git', true, 'http:/***@h/r.git'],
    ['HTTPS:////u:SECRET@h/r.git', true, 'HTTPS:////***@h/r.git'],
    ['http:///u:SECRET@h/r.git', false, 'http:///***@h/r.git'],
    ['///u:SECRET@h/r.git', true, '///***@h/r.git'],
    ['https://h/@scope/pkg.tgz', true, 'https://h/@scope/pkg.tgz'], // Go: an @ after the host's / is path
    ['https://h:8080/@scope/pkg.tgz', true, 'https://h:8080/@scope/pkg.tgz'],
    // URLs: a ? or # ends the authority, as Go, git, curl and BuildKit read it, so the record
    // names the host the daemon contacts (rev-fix-http F3: these were recorded as
    // `http://***@github.com/...`, a host never contacted); the authority shows only when it is
    // a plain host[:port], else it is masked whole; what follows is query (masked) or fragment (dropped).
    ['http://127.0.0.1:43750?@github.com/company/app.git', true, 'http://127.0.0.1:43750?***'],
    ['http://127.0.0.1:43750#@github.com/company/app.git', true, 'http://127.0.0.1:43750'],
    ['http://127.0.0.1:43750?tok=SECRET@github.com/r.git', true, 'http://127.0.0.1:43750?tok=***'],
    ['http://u:SECRET@127.0.0.1:43750?x@github.com/r.git', true, 'http://***@127.0.0.1:43750?***'], // userinfo before the ?
    ['https://u:SECRET?w#x@h/x', true, 'https://***?***'], // Go: invalid port, nothing fetched; masked whole
    ['https://u:SECRET#x@h/x?y=1', true, 'https://***'],
    ['https://u:1234?SECRET@h/x', true, 'https://u:1234?***'], // a host and port to Go, git and curl: what is dialled
    ['https://u:p:1?SECRET@h/x', true, 'https://***?***'], // a : in the host name: masked
    ['https://h%41?x@y/z', true, 'https://***?***'], // an escape: masked (stricter than Go)
    ['https://[::1]:5000?x@h/x', true, 'https://[::1]:5000?***'],
    ['https://[::1%25SECRET]?x@h/x', true, 'https://***?***'],
    ['http://?x@h/x', true, 'http://?***'],
    ['http:///127.0.0.1:1?x@h/x', true, 'http:///127.0.0.1:1?***'],
    ['//127.0.0.1:1?x@h/x', true, '//127.0.0.1:1?***'],
    ['https://h?u=a@b', true, 'https://h?u=***'], // as a reference (false, above): masked
    ['https://u:SECRET@w@h/x', true, 'https://***@h/x'],
    ['https://u:SECRET@h/x?r=http://v:SECRET@y/z', true, 'https://***@h/x?r=***'],
    ['github.com/o/r.git', true, 'github.com/o/r.git'],
    ['-', true, '-'],
    ['', true, ''],
  ])('%j (schemeless %s) -> %j', (value, schemeless, want) => {
    const got = maskUrlCredentials(value, schemeless);
    expect(got).toBe(want);
    expect(got).not.toContain('SECRET');
  });
});

describe('maskUrlCredentials: query values and fragments', () => {
  const SECRET = 'Hunter2-QUERY-SECRET';
  // [value, schemeless, want]: parameter names stay, every value becomes ***, the fragment goes.
  it.each([
    [`https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=AKIAEXAMPLE&X-Amz-Signature=${SECRET}`, false, 'https://bucket.s3.amazonaws.com/img.tar?X-Amz-Credential=***&X-Amz-Signature=***'],
    [`https://storage.googleapis.com/b/o?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=${SECRET}`, false, 'https://storage.googleapis.com/b/o?X-Goog-Algorithm=***&X-Goog-Signature=***'],
    [`https://acct.blob.core.windows.net/c/img.tar?sv=2022-11-02&se=2030-01-01&sig=${SECRET}%3D`, false, 'https://acct.blob.core.windows.net/c/img.tar?sv=***&se=***&sig=***'],
    [`https://gitlab.example.com/g/r.git?private_token=${SECRET}`, true, 'https://gitlab.example.com/g/r.git?private_token=***'],
    [`https://h/r.git?access_token=${SECRET}#main:sub`, true, 'https://h/r.git?access_token=***'],
    [`https://u:${SECRET}@h/x?token=${SECRET}`, false, 'https://***@h/x?token=***'],
    [`https://u:p#${SECRET}@h/x?y=1`, false, 'https://***@h/x?y=***'], // a # inside the userinfo does not end the URL
    [`https://h/x?r=http://u:${SECRET}@y/z`, false, 'https://h/x?r=***'],
    [`https://h/x?${SECRET}`, false, 'https://h/x?***'], // a parameter without = is masked whole
    [`https://h/x?a=1&&${SECRET}&b=`, false, 'https://h/x?a=***&&***&b=***'],
    [`https://h/x?a=1;b=${SECRET}`, false, 'https://h/x?a=***'],
    [`https://h/cb#access_token=${SECRET}`, false, 'https://h/cb'],
    [`https://h/x#frag?sig=${SECRET}`, false, 'https://h/x'],
    [`x.invalid/a.tar?sig=${SECRET}`, true, 'x.invalid/a.tar?sig=***'],
    [`u:${SECRET}@x.invalid/a.tar?sig=${SECRET}`, true, '***@x.invalid/a.tar?sig=***'],
    [`//u:${SECRET}@h/share?x=${SECRET}`, false, '//***@h/share?x=***'],
    ['https://h/x?', false, 'https://h/x?'],
    [`https://h/x?a=${SECRET}?b=1`, false, 'https://h/x?a=***'], // the query starts at the first ?, a later one is part of a value
    [`https://h/x?a=${SECRET}&`, false, 'https://h/x?a=***&'],
    ['https://h/x.git#main:sub', true, 'https://h/x.git'],
    [`busybox@sha256:${'a'.repeat(64)}`, false, `busybox@sha256:${'a'.repeat(64)}`],
  ])('%j (schemeless %s) -> %j', (value, schemeless, want) => {
    const got = maskUrlCredentials(value, schemeless);
    expect(got).toBe(want);
    expect(got).not.toContain(SECRET);
  });
});

describe('maskPathCredentials', () => {
  const SECRET = 'Hunter2-PATH-SECRET';
  const DIGEST = `sha256:${'c'.repeat(64)}`;
  // [path, want]: the userinfo of any segment goes, `?` and `#` (decoded %3F, %23) stay.
  it.each([
    [`/v1.41/images/u:${SECRET}@h/x/push`, '/v1.41/images/***@h/x/push'],
    [`/v1.41/distribution/https://u:${SECRET}@h/x/json`, '/v1.41/distribution/https://***@h/x/json'],
    [`/v1.41/images/u:${SECRET}%40h/x/push`, '/v1.41/images/***@h/x/push'],
    [`/plugins/${SECRET}@h/p/push`, '/plugins/***@h/p/push'],
    [`/images/busybox@${DIGEST}/json`, `/images/busybox@${DIGEST}/json`],
    [`/images/h:5000/busybox@${DIGEST}`, `/images/h:5000/busybox@${DIGEST}`],
    ['/containers/x?a=b#c/json', '/containers/x?a=b#c/json'],
    // A password holding a / (a decoded %2F) is masked whole, from the start of the name (rev-fixes1 F2).
    [`/images/u:ab/${SECRET}@h/x/json`, '/images/***@h/x/json'],
    [`/v1.41/images/u:${SECRET}/z@h/x/json`, '/v1.41/images/***@h/x/json'],
    [`/distribution/https://u:a/${SECRET}@h/x/json`, '/distribution/https://***@h/x/json'],
    [`/nosuch@${SECRET}@h/x`, '/***@h/x'],
    // Digests: before a raw target's ? or #, with the colon as %3A (rev-fixes1 F3); a port is none (F1).
    [`/images/busybox@${DIGEST}?force=1`, `/images/busybox@${DIGEST}?force=1`],
    [`/images/busybox@sha256%3A${'c'.repeat(64)}/json`, `/images/busybox@sha256%3A${'c'.repeat(64)}/json`],
    [`/images/u:${SECRET}@sha256:5000/x/json`, '/images/***@sha256:5000/x/json'],
    ['/containers/web/json', '/containers/web/json'],
  ])('%j -> %j', (path, want) => {
    const got = maskPathCredentials(path);
    expect(got).toBe(want);
    expect(got).not.toContain(SECRET);
  });
});

describe('maskNameCredentials', () => {
  // [name (a path parameter), want]: a reference's userinfo goes, nothing else changes.
  it.each([
    ['u:SECRET/z@h/x', '***@h/x'], // a password holding a %2F-decoded / (rev-fixes1 F2)
    ['u:SECRET@h/x', '***@h/x'],
    [`busybox@sha256:${'c'.repeat(64)}`, `busybox@sha256:${'c'.repeat(64)}`],
    ['a?b#c', 'a?b#c'], // a container name may hold ? and #
    ['web', 'web'],
  ])('%j -> %j', (name, want) => {
    const got = maskNameCredentials(name);
    expect(got).toBe(want);
    expect(got).not.toContain('SECRET');
  });
});
