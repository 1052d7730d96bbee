/**
 * A usage error quotes the command line, and a command pasted from a web page or chat can hold
 * a zero-width space or a bidi mark (`--a<U+200B>s` reads as `--as`): the quoted words have
 * their hidden characters written `\uXXXX`, as every other CLI message does.
 */
import { describe, expect, it } from 'vitest';
import { main } from '../../../src/cli/dispatch.js';
import { captureIo } from '../pki/helpers.js';

/** Any character escapeHidden writes as \uXXXX, but the newlines between lines. */
const RAW_HIDDEN = /(?!\n)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cc}]/u;

describe('usage errors write the command line they quote escaped', () => {
  it.each<[string, string[], string]>([
    ['an unknown command', ['po\u200Blicy'], 'dockgate: unknown command "po\\u200Blicy"'],
    ['an unknown help topic', ['help', 'cer\u202Ets'], 'dockgate: unknown command "cer\\u202Ets"'],
    ['a serve argument', ['serve', 'x\u001b[2J'], 'dockgate: serve takes no argument "x\\u001B[2J"'],
    ['a policy flag', ['policy', 'explain', '--a\u200Bs', 'bob', 'GET', '/info'], 'dockgate policy: unknown flag --a\\u200Bs'],
    ['a policy help topic', ['policy', 'help', 'ch\u200Beck'], 'dockgate policy: unknown policy command "ch\\u200Beck"'],
    ['a policy argument', ['policy', 'check', 'x\u2067y'], 'dockgate policy: unexpected argument "x\\u2067y"'],
  ])('%s', async (_what, argv, expected) => {
    const c = captureIo();
    expect(await main(argv, c.io)).toBe(2);
    expect(c.err()).toContain(expected);
    expect(c.err()).not.toMatch(RAW_HIDDEN);
  });
});
