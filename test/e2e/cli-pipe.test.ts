/**
 * The built `dockgate` command at its edges: writing into a pipe its reader has already closed
 * (`dockgate policy check | head`) stops quietly instead of dying on an unhandled EPIPE, and
 * `serve` with `-h` or a stray word answers instead of starting a gateway.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync, realpathSync, writeFileSync } from 'node:fs';
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

describe('a closed stderr pipe', () => {
  it.each([
    ['serve with a config it refuses', (dir: string) => ['serve', '--config', join(dir, 'bad.yaml')], 2],
    ['serve with a stray word', () => ['serve', 'extra'], 2],
  ])('%s: the exit code it says, not 1 for an unhandled EPIPE', (_name, args, code) => {
    const dir = scratchDir('cli-pipe-err-');
    writeFileSync(join(dir, 'bad.yaml'), 'listen: [1\n');
    const quoted = [process.execPath, CLI, ...args(dir)].map((a) => `'${a}'`).join(' ');
    // stderr into a pipe whose reader (`true`) is gone before node writes.
    const r = spawnSync('bash', ['-c', `${quoted} 2>&1 >/dev/null | true; echo "\${PIPESTATUS[0]}"`], { encoding: 'utf8' });
    expect(r.stdout.trim()).toBe(String(code));
  });
});

describe('serve arguments', () => {
  // No `dockgate` on this PATH: the usage names the command as `node /path/dist/cli/main.js`,
  // as the hints do (src/core/command-name.ts), not a `dockgate` that is not there.
  const env = { ...process.env, PATH: '/usr/bin:/bin' };
  const usage = `Usage: node ${realpathSync(CLI)} serve [--config FILE]`;

  it('serve -h prints the usage and exits 0 (it used to start a gateway)', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', '-h'], { encoding: 'utf8', timeout: 10_000, env });
    expect(r.status).toBe(0);
    expect(r.stdout).toContain(usage);
  });

  it('serve with a stray word is a usage error (exit 2), not a gateway that ignores it', () => {
    const r = spawnSync(process.execPath, [CLI, 'serve', 'extra'], { encoding: 'utf8', timeout: 10_000, env });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('dockgate: serve takes no argument "extra"');
    // serve's own usage, not the top-level one (rev-docs F9).
    expect(r.stderr).toContain(usage);
    expect(r.stderr).not.toContain('policy check|explain');
  });
});
