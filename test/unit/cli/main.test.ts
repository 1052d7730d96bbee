/** The top-level `dockgate` dispatch: help, version and unknown commands, with their exit codes. */
import { describe, expect, test } from 'vitest';
import { main } from '../../../src/cli/dispatch.js';
import { VERSION } from '../../../src/runtime/version.js';
import { captureIo } from '../pki/helpers.js';

describe('dockgate', () => {
  test.each([
    [['--help'], 0, 'stdout', 'Usage:'],
    [['-h'], 0, 'stdout', 'Usage:'],
    [['help'], 0, 'stdout', 'Usage:'],
    [[], 2, 'stderr', 'Usage:'],
    [['--version'], 0, 'stdout', VERSION],
    [['frobnicate'], 2, 'stderr', 'dockgate: unknown command "frobnicate"'],
    [['-x'], 2, 'stderr', 'dockgate: unknown command "-x"'],
    // `help COMMAND` is that command's help; another topic is a usage error (rev-fix-cli F5).
    [['help', 'policy'], 0, 'stdout', 'dockgate policy check'],
    [['help', 'certs'], 0, 'stdout', 'dockgate certs'],
    [['help', 'isue'], 2, 'stderr', 'dockgate: unknown command "isue"'],
    [['help', 'policy', 'x'], 2, 'stderr', 'dockgate: unknown command "policy x"'],
    // rev-config F7: it printed the version and exited 0.
    [['--version', 'extra'], 2, 'stderr', 'dockgate: --version takes no arguments (got "extra")'],
  ])('%j exits %i, writing %s', async (argv, code, stream, text) => {
    const c = captureIo();
    expect(await main(argv, c.io)).toBe(code);
    expect(stream === 'stdout' ? c.out() : c.err()).toContain(text);
  });
});
