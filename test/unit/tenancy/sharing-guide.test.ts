/**
 * docs/sharing.md's example policy says what `dockgate policy check` prints for it (review3
 * F7): the warnings quoted in the guide are exactly the check's, and the guards the `everyone`
 * rule leaves out are the ones the guide explains.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { GUARDS } from '../../../src/policy/guards/index.js';
import { policyWarnings } from '../../../src/policy/warnings.js';
import { identity, req } from '../policy/fixtures.js';

const guide = readFileSync('docs/sharing.md', 'utf8');
const example = /```yaml\n(version: 1[\s\S]*?)```/.exec(guide)?.[1] ?? '';
/** The block right after the example that quotes `policy check`'s output. */
const quoted = /prints one\s+warning[\s\S]*?```\n([\s\S]*?)```/.exec(guide.slice(guide.indexOf(example) + example.length))?.[1] ?? '';

describe('docs/sharing.md example policy', () => {
  it('is in the guide, with the policy check output quoted after it', () => {
    expect(example).toContain('tenancy:');
    expect(quoted).toMatch(/^warning: /);
  });

  it('gets exactly the warnings the guide quotes', () => {
    const warnings = policyWarnings(loadPolicy(example));
    expect(warnings.map((w) => `warning: ${w}\n`).join('')).toBe(quoted);
    expect(warnings).toHaveLength(1);
  });

  it('leaves out only images, and the execRoot, volumesFrom and links that the guide explains', () => {
    const everyone = loadPolicy(example).rules.find((r) => r.name === 'everyone');
    const set = new Set(everyone?.guards.map((g) => g.definition.key));
    expect(GUARDS.map((g) => g.key).filter((key) => !set.has(key))).toEqual(['volumesFrom', 'links', 'images', 'execRoot']);
  });

  it('with containers unowned too, the check does not ask for execRoot and volumesFrom (exec and references need your own or your team\'s container), as the guide says', () => {
    const warnings = policyWarnings(loadPolicy(example.replace('unowned: [images]', 'unowned: [images, containers]')));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toContain('rule "admins"');
  });

  // docs/deployment.md, "What one tenant can still cost others": host settings no quota covers
  // (probe s31 F2), as the guide's policy decides them for a tenant.
  const deployment = readFileSync('docs/deployment.md', 'utf8');
  it.each([
    ['OomScoreAdj -1000', { OomScoreAdj: -1000 }, 'oom-protection'],
    ['OomKillDisable', { OomKillDisable: true }, 'oom-protection'],
    ['CpuRealtimeRuntime', { CpuRealtimeRuntime: 950000 }, 'cpu-realtime'],
    ['json-file log options past the maxima', { LogConfig: { Type: 'json-file', Config: { 'max-size': '100g', 'max-file': '99999' } } }, 'log-option'],
    ['json-file log options within them', { LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } } }, undefined],
  ])('%s: %j is decided as docs/deployment.md says', (_name, hostConfig, code) => {
    const d = decide(loadPolicy(example), identity('alice', ['web']), req('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: hostConfig }));
    if (code === undefined) expect(d).toMatchObject({ outcome: 'allow', rule: 'everyone' });
    else {
      expect(d).toMatchObject({ outcome: 'deny', rule: 'everyone', code });
      expect(deployment).toContain(`403 \`${code}\``);
    }
  });

  it('docs/deployment.md quotes policy explain\'s decision on OomScoreAdj -1000 as it is', () => {
    const d = decide(loadPolicy(example), identity('alice', ['web']), req('POST', '/v1.41/containers/create', { Image: 'busybox', HostConfig: { OomScoreAdj: -1000 } }));
    expect(deployment.replace(/\s+/g, ' ')).toContain(`\`decision: deny, rule everyone, code ${d.code}: ${d.reason}\``);
  });
});
