/**
 * `dockgate serve`'s command line: a usage error prints serve's own usage, as `certs` and
 * `policy` print theirs, not the top-level one (rev-docs F9).
 */
import { describe, expect, test } from 'vitest';
import { readServeArgs } from '../../../src/cli/serve-args.js';
import { captureIo } from '../pki/helpers.js';

const SERVE = 'Usage: dockgate serve [--config FILE]';
const TOP = 'dockgate policy check|explain';

describe('readServeArgs', () => {
  test.each([
    ['-c x (no short flag)', ['-c', 'x'], {}, 'dockgate: serve takes no argument "-c"'],
    ['a stray word', ['extra'], {}, 'dockgate: serve takes no argument "extra"'],
    ['--config twice', ['--config', 'a', '--config', 'b'], {}, 'dockgate: --config'],
    ['--config= (empty)', ['--config='], {}, 'dockgate: --config is empty'],
    ['an unknown flag', ['--listen', ':1'], {}, 'dockgate: unknown flag --listen'],
    ['DOCKGATE_CONFIG set but empty', [], { DOCKGATE_CONFIG: ' ' }, 'dockgate: DOCKGATE_CONFIG is set but empty'],
  ])('%s: exit 2, the error then serve\'s usage on stderr', (_label, argv, env, message) => {
    const c = captureIo();
    expect(readServeArgs(argv, env, c.io)).toBe(2);
    expect(c.err()).toContain(message);
    expect(c.err()).toContain(`\n\n${SERVE}`);
    expect(c.err()).not.toContain(TOP);
    expect(c.out()).toBe('');
  });

  test.each([[['--help']], [['-h']], [['--config', 'x', '--help']]])('%j: serve\'s usage on stdout, exit 0', (argv) => {
    const c = captureIo();
    expect(readServeArgs(argv, {}, c.io)).toBe(0);
    expect(c.out()).toContain(SERVE);
    expect(c.err()).toBe('');
  });

  test.each([
    [['--config', 'gw.yaml'], {}, 'gw.yaml'],
    [['--config=gw.yaml'], { DOCKGATE_CONFIG: 'other.yaml' }, 'gw.yaml'],
    [[], { DOCKGATE_CONFIG: 'env.yaml' }, 'env.yaml'],
    [[], {}, undefined],
  ])('%j with %j runs with config %s', (argv, env, configFile) => {
    const c = captureIo();
    expect(readServeArgs(argv, env, c.io)).toEqual({ configFile });
    expect(c.out() + c.err()).toBe('');
  });
});
