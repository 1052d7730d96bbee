/**
 * docs/sharing.md's example policy says what `dockgate policy check` prints for it (review3
 * F7): the warnings quoted in the guide are exactly the check's, and the guards the `everyone`
 * rule leaves out are the ones the guide explains.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadPolicy } from '../../../src/policy/compile.js';
import { GUARDS } from '../../../src/policy/guards/index.js';
import { policyWarnings } from '../../../src/policy/warnings.js';

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
});
