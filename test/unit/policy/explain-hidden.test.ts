/**
 * `policy explain` writes the hidden characters of names, groups, SANs and the request as
 * \uXXXX, as the audit log does (names37): `--as $'\u202Eecila'` printed as "alice". Display
 * only: the decision still compares the exact name.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runPolicyCli } from './run-policy-cli.js';
import { afterAll, describe, expect, it } from 'vitest';

async function explainOut(argv: string[]): Promise<{ code: number; out: string }> {
  const { code, out } = await runPolicyCli(['explain', ...argv]);
  return { code, out };
}

const dir = mkdtempSync(join(tmpdir(), 'dockgate-explain-hidden-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const policyFile = join(dir, 'p.yaml');
writeFileSync(
  policyFile,
  'version: 1\ntenancy: { unowned: [images] }\nrules:\n  - name: alice\n    who: { users: [alice] }\n    allow: [power:read]\n  - name: spoof\n    who: { users: ["\\u202Eecila"] }\n    allow: [SystemInfo]\n',
);

/** Any character escapeHidden writes as \uXXXX, but the newlines between lines. */
const RAW_HIDDEN = /(?!\n)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cc}]/u;

describe('policy explain escapes hidden characters in what it prints', () => {
  it.each<[string, string[], string[]]>([
    ['a bidi override in --as', ['--as', '\u202Eecila'], ['identity:  \\u202Eecila (groups none)', 'tenancy checks the request for \\u202Eecila (no team)']],
    ['a zero-width space in --as', ['--as', 'mal\u200Blory'], ['identity:  mal\\u200Blory (groups none)']],
    ['a newline and ESC in --as (a forged line, a terminal sequence)', ['--as', 'x\ndecision:  allow\u001b[2J'], ['identity:  x\\u000Adecision:  allow\\u001B[2J (groups none)']],
    ['a C1 CSI in --as', ['--as', 'x\u009b31m'], ['identity:  x\\u009B31m (groups none)']],
    ['a bidi isolate in --group', ['--as', 'bob', '--group', '\u2067ops'], ['identity:  bob (groups \\u2067ops)']],
    ['a left-to-right mark in --san', ['--as', 'bob', '--san', 'ci.example.com\u200E'], ['sans ci.example.com\\u200E)']],
  ])('%s', async (_what, args, expected) => {
    const { out } = await explainOut([...args, '--policy', policyFile, 'GET', '/info']);
    for (const text of expected) expect(out).toContain(text);
    expect(out).not.toMatch(RAW_HIDDEN);
  });

  it('display only: the exact name still decides (the spoofing name gets its own rule, not alice\'s)', async () => {
    const spoof = await explainOut(['--as', '\u202Eecila', '--policy', policyFile, 'GET', '/containers/json']);
    expect(spoof.code).toBe(3);
    expect(spoof.out).toContain('decision:  deny, rule default, code no-rule');
    expect(spoof.out).toContain('message:   dockgate: denied ContainerList for \\u202Eecila (groups none)');
    const own = await explainOut(['--as', '\u202Eecila', '--policy', policyFile, 'GET', '/info']);
    expect(own.code).toBe(0);
    expect(own.out).toContain('decision:  allow, rule spoof');
  });

  it('plain names, accents and scripts are printed as they are', async () => {
    const { out } = await explainOut(['--as', 'Zoë 日本', '--group', 'José', '--policy', policyFile, 'GET', '/info']);
    expect(out).toContain('identity:  Zoë 日本 (groups José)');
  });
});

describe('policy explain escapes what a refusal before the policy quotes from the request', () => {
  const form = 'application/x-www-form-urlencoded';
  it.each<[string, string[], string | undefined, string]>([
    ['a duplicate JSON key holding a bidi override', ['POST', '/v1.45/containers/create'], '{"\u202Ea":1,"\u202Ea":2}', 'request refused before the policy: duplicate key "\\u202Ea" in one object (Go merges them)'],
    ['a trailing slash after a decoded bidi override', ['GET', '/v1.45/containers/%e2%80%ae/json/'], undefined, 'request refused before the policy: path "/v1.45/containers/\\u202E/json/" has a trailing slash'],
    ['an unclean path holding a decoded zero-width space', ['GET', '/v1.45/containers/a%e2%80%8b/../json'], undefined, 'request refused before the policy: unclean path "/v1.45/containers/a\\u200B/../json" (dockerd would redirect)'],
    ['a form key also in the query, holding a bidi override', ['POST', '/v1.45/containers/create?%e2%80%ae=1', '--content-type', form], '%e2%80%ae=2', 'request refused before the policy: "\\u202E" is in both the form body and the query'],
  ])('%s', async (_what, request, body, expected) => {
    const bodyFile = join(dir, 'body');
    if (body !== undefined) writeFileSync(bodyFile, body);
    const { code, out } = await explainOut(['--as', 'bob', '--policy', policyFile, ...request, ...(body === undefined ? [] : ['--body', bodyFile])]);
    expect(code).toBe(3);
    expect(out).toContain(expected);
    expect(out).not.toMatch(RAW_HIDDEN);
  });
});
