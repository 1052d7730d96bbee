/**
 * policyTextOf: what a settled read (file-watch.ts) of a policy file becomes, worded with the
 * policy's own bounds. The watch reads up to the largest bound of any watched file (64 MiB, for
 * TLS material); a policy file refused by that read is named with the policy's 4 MiB.
 */
import { mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { MAX_YAML_FILE_BYTES } from '../../../src/config/yaml-file.js';
import { whenSettled, type SettledFile } from '../../../src/runtime/file-watch.js';
import { policyTextOf } from '../../../src/policy/load-file.js';
import { PolicyError } from '../../../src/policy/errors.js';

const dir = mkdtempSync(join(tmpdir(), 'policy-text-of-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** What whenSettled hands over for `file` (quietMs 0: it counts as settled at once). */
function settledRead(file: string): Promise<SettledFile> {
  return new Promise((resolve) => whenSettled(file, resolve, { quietMs: 0 }));
}

/** The message of the PolicyError policyTextOf throws for `read`, or the text it returns. */
function outcome(file: string, read: SettledFile): string {
  try {
    return `text: ${policyTextOf(file, read)}`;
  } catch (err) {
    expect(err).toBeInstanceOf(PolicyError);
    return (err as PolicyError).problems.map((p) => p.message).join('; ');
  }
}

describe('policyTextOf on what the settle wait read', () => {
  const refused = (size: number): RegExp => new RegExp(`^cannot read policy file: .*policy-${size}\\.yaml is ${size} bytes; at most ${MAX_YAML_FILE_BYTES} are read$`);
  it.each<[string, number, RegExp]>([
    ['a policy file of 65 MiB (over the watch bound too)', 65 * 1024 * 1024, refused(65 * 1024 * 1024)],
    ['a policy file of 5 MiB (under the watch bound, over the policy bound)', 5 * 1024 * 1024, refused(5 * 1024 * 1024)],
    ['a policy file at the policy bound', MAX_YAML_FILE_BYTES, /^text: /],
  ])('%s', async (_what, size, expected) => {
    const file = join(dir, `policy-${size}.yaml`);
    writeFileSync(file, '');
    truncateSync(file, size);
    expect(outcome(file, await settledRead(file))).toMatch(expected);
  });

  it('passes another read error through, worded as a failed read of the policy file', async () => {
    const file = join(dir, 'missing.yaml');
    expect(outcome(file, await settledRead(file))).toBe('cannot read policy file: no such file');
  });
});
