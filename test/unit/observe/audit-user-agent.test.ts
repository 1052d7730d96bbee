/** The User-Agent an audit record holds (audit-user-agent.ts): the first one, URLs in it without credentials, cut at 256 characters. */
import { describe, expect, it } from 'vitest';
import { auditUserAgent } from '../../../src/observe/audit-user-agent.js';
import { SECRET } from './redact-fixtures.js';

describe('auditUserAgent', () => {
  it('keeps the User-Agent and nothing else', () => {
    expect(auditUserAgent({ 'user-agent': 'Docker-Client/29.7.2 (linux)', 'x-registry-auth': SECRET })).toBe('Docker-Client/29.7.2 (linux)');
    expect(auditUserAgent(undefined)).toBeUndefined();
  });

  it.each([
    ['a URL with userinfo', 'Docker-Client/x https://u:PW@x', 'Docker-Client/x https://***@x'],
    ['a URL in parentheses, with a query and fragment', 'bot/1 (+https://tok@h/p?sig=abc#f)', 'bot/1 (+https://***@h/p?sig=***'],
    ['two URLs', 'x https://a:b@h git://c@d/r.git', 'x https://***@h git://***@d/r.git'],
    ['an @ in a URL path, not userinfo', 'a/1 http://h/x@y', 'a/1 http://h/x@y'],
    ['no URL', 'Docker-Client/28.2.2 (linux)', 'Docker-Client/28.2.2 (linux)'],
    ['userinfo without a scheme (no URL: kept)', 'curl/8 u:pw@host', 'curl/8 u:pw@host'],
    ['`:/` and `/` in separate words (no `://`: kept)', 'a/1 x:/ /y u:pw@h', 'a/1 x:/ /y u:pw@h'],
    ['tabs and runs of spaces, no URL (kept as sent)', 'a/1\t\tb  c ', 'a/1\t\tb  c '],
    ['a URL after tabs', 'a/1\thttps://u:p@h', 'a/1\thttps://***@h'],
  ])('masks credentials in a URL it holds: %s', (_name, sent, recorded) => {
    expect(auditUserAgent({ 'user-agent': sent })).toBe(recorded);
  });

  it('masks before cutting, so a URL across the cut is masked too', () => {
    expect(auditUserAgent({ 'user-agent': `${'u'.repeat(240)} https://user:${'p'.repeat(40)}@h/x` })).toBe(`${'u'.repeat(240)} https://***@h/x`);
  });

  // A pattern of the URL word (`\S*:\/\/\S*`) backtracks over every start of a long word without
  // `://`: these took over a minute each that way (~0.3 s at Node's 16 KB header limit).
  it.each([
    ['letters', 'a'.repeat(200_000)],
    ['colons and slashes, never `://`', ':/'.repeat(100_000)],
  ])('a long word without a URL is kept, in time linear in its length: %s', (_name, word) => {
    expect(auditUserAgent({ 'user-agent': word })).toBe(`${word.slice(0, 256)}...[truncated ${word.length - 256} chars]`);
  }, 10_000);

  it('keeps the first of several and cuts it at 256 characters', () => {
    expect(auditUserAgent({ 'user-agent': ['a/1', `b/2 ${SECRET}`] })).toBe('a/1');
    expect(auditUserAgent({ 'user-agent': 'u'.repeat(300) })).toBe(`${'u'.repeat(256)}...[truncated 44 chars]`);
  });
});
