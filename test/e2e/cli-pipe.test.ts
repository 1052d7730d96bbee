/**
 * The built `dockgate` command writing into a pipe its reader has already closed
 * (`dockgate policy check | head`): it stops quietly instead of dying on an unhandled EPIPE.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLI } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

describe('a closed stdout pipe', () => {
  it.each([
    ['policy check', ['policy', 'check', '--policy', 'config/policies/developer.yaml']],
    ['policy explain', ['policy', 'explain', '--as', 'alice', 'GET', '/containers/json']],
    ['help', ['--help']],
  ])('%s: no EPIPE stack trace, exit 0', (_name, args) => {
    const errFile = join(scratchDir('cli-pipe-'), 'stderr');
    // `true` exits at once, so the pipe is closed before node has booted and writes.
    const quoted = [process.execPath, CLI, ...args].map((a) => `'${a}'`).join(' ');
    const r = spawnSync('bash', ['-c', `${quoted} 2>'${errFile}' | true; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(readFileSync(errFile, 'utf8')).toBe('');
    expect(r.stdout.trim()).toBe('0');
  });
});
