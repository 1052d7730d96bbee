/**
 * A gateway config and a policy given in each other's place (rev-config F7): both are refused
 * for their keys, and the refusal says what the file looks like and where it belongs.
 */
import { describe, expect, it } from 'vitest';
import { LOOKS_LIKE_A_POLICY, topLevelProblems } from '../../../src/config/top-level.js';
import { problems } from '../policy/fixtures.js';

const CONFIG_HINT = /^this looks like a gateway config file \(it has (.*)\), not a policy: give it to serve or policy check\|explain with --config; the policy is the file its policy: key names$/;

describe('a gateway config given as the policy', () => {
  it.each([
    ['listen: 127.0.0.1:2376\npolicy: policy.yaml\n', 'listen:, policy:'],
    ['tls: { ca: ca.pem }\n', 'tls:'],
    ['upstream: unix:///var/run/docker.sock\nadmin: off\naudit: { path: a.log }\nmetrics: {}\nlimits: {}\n', 'upstream:, admin:, audit:, metrics:, limits:'],
  ])('%j says so, naming %s', (text, keys) => {
    const hints = problems(text).filter((p) => CONFIG_HINT.test(p.message));
    expect(hints).toEqual([{ path: '', line: 1, message: expect.stringContaining(`(it has ${keys})`) }]);
  });

  it.each([
    ['a policy with a misspelt key', 'version: 1\ncolour: red\nrules: []\n'],
    ['a policy with rules and a stray config key', 'version: 1\nlisten: x\nrules: []\n'],
    ['a mapping of neither kind', 'foo: 1\n'],
  ])('no hint for %s', (_label, text) => {
    expect(problems(text).filter((p) => CONFIG_HINT.test(p.message))).toEqual([]);
  });
});

describe('a policy given as the gateway config', () => {
  it.each([
    ['a whole policy', { version: 1, rules: [{ name: 'r', who: { anyone: true }, allow: 'all' }] }, true],
    ['rules alone', { rules: [] }, true],
    ['a config with a misspelt key', { polcy: 'policy.yaml', listen: '127.0.0.1:2376' }, false],
    ['a config with a version key', { version: 1, listen: '127.0.0.1:2376' }, false],
  ])('%s: hint %s', (_label, doc, hinted) => {
    const found = topLevelProblems(doc, '/etc/dockgate/dockgate.yaml');
    expect(found.some((p) => p.path === '(file)' && p.message === LOOKS_LIKE_A_POLICY)).toBe(hinted);
    // The keys are refused either way: the hint adds to the refusal, never replaces it.
    expect(found.length).toBeGreaterThan(hinted ? 1 : 0);
  });
});
