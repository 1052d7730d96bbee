import { describe, expect, it } from 'vitest';
import { maskUrlCredentials } from '../../../src/observe/url-credentials.js';

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
    ['https://h/path/@v1', false, 'https://h/path/@v1'], // @ in the path is not userinfo
    ['https://h?u=a@b', false, 'https://***@b'], // errs towards masking
    [' https://u:p@h/x', false, ' https://***@h/x'],
    ['//u:p@h/share', false, '//***@h/share'],
    ['see https://a:b@h/x and ftp://c:d@i/y', false, 'see https://***@h/x and ftp://***@i/y'],
    ['https://host/x.tar', false, 'https://host/x.tar'],
    ['busybox@sha256:abc', false, 'busybox@sha256:abc'],
    ['u:p@h/x', false, 'u:p@h/x'],
    ['u:p@h/x', true, '***@h/x'],
    ['user@h', true, '***@h'],
    ['git@github.com:o/r.git', true, '***@github.com:o/r.git'],
    ['u:p@h/x?r=http://y', true, '***@h/x?r=http://y'],
    ['https://u:p@h/x', true, 'https://***@h/x'],
    ['github.com/o/r.git', true, 'github.com/o/r.git'],
    ['-', true, '-'],
    ['', true, ''],
  ])('%j (schemeless %s) -> %j', (value, schemeless, want) => {
    expect(maskUrlCredentials(value, schemeless)).toBe(want);
  });
});
