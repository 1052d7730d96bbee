/**
 * `policy check` writes the hidden characters of what it prints as \uXXXX, as `policy explain`
 * does. A valid rule's name is ASCII, but a refused one was quoted raw (`rule name "\u202Eecila"
 * must be ...` printed as "alice", a newline in it made a line of its own), and so were the
 * names of a `who` a warning lists, a refused selector and the policy file's name.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPolicyCli } from './run-policy-cli.js';
import { afterAll, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'dockgate-check-hidden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `policy check` of `policy`, written to `name` in the test's directory. */
async function check(policy: string, name = 'p.yaml'): Promise<{ code: number; out: string; err: string }> {
  const file = join(dir, name);
  writeFileSync(file, policy);
  return runPolicyCli(['check', '--policy', file]);
}

/** Any character escapeHidden writes as \uXXXX, but the newlines between lines. */
const RAW_HIDDEN = /(?!\n)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cc}]/u;

/** A rule for `who`, allowing ContainerList (no guard to ask for; no ping forwarded to them). */
const ruleFor = (name: string, users: string) => `version: 1\nrules:\n  - name: ${name}\n    who: { users: [${users}] }\n    allow: [ContainerList]\n`;

describe('policy check escapes hidden characters in what it prints', () => {
  it.each<[string, string, string, string[]]>([
    ['a bidi isolate in a who entry, listed by the ping warning', ruleFor('r', '"\\u2067bob"'), 'p.yaml', ['warning: rule "r" allows operations to user \\u2067bob, but no rule forwards a ping']],
    ['a zero-width space in the policy file\'s name', ruleFor('r', 'bob'), 'p\u200B.yaml', ['policy OK: ', 'p\\u200B.yaml\n']],
  ])('valid: %s', async (_what, policy, name, lines) => {
    const r = await check(policy, name);
    expect(r.code, r.err).toBe(0);
    for (const line of lines) expect(r.out).toContain(line);
    expect(r.out).not.toMatch(RAW_HIDDEN);
  });

  it.each<[string, string, string[]]>([
    ['a bidi override in a rule name', ruleFor('"\\u202Eecila"', 'bob'), ['rules[0].name: rule name "\\u202Eecila" must be letters']],
    ['a newline and ESC in a rule name (a forged line, a terminal sequence)', ruleFor('"x\\npolicy OK\\e[2J"', 'bob'), ['rules[0].name: rule name "x\\u000Apolicy OK\\u001B[2J" must be letters']],
    ['a zero-width space in a refused selector', 'version: 1\nrules:\n  - name: r\n    who: { users: [bob] }\n    allow: ["GET /containers/*\\u200B"]\n', ['selector "GET /containers/*\\u200B" never matches']],
  ])('refused: %s', async (_what, policy, lines) => {
    const r = await check(policy);
    expect(r.code).toBe(2);
    for (const line of lines) expect(r.err).toContain(line);
    expect(r.err).not.toMatch(RAW_HIDDEN);
  });

  it('accented and CJK names print as they are', async () => {
    const r = await check(ruleFor('r', 'Zoë, 日本'));
    expect(r.out).toContain('allows operations to user Zoë, user 日本, but');
  });
});
