/** Runs `dockgate certs ...` in-process, as the CLI tests do. */
import { runCertsCommand } from '../../../src/pki/cli.js';
import { captureIo } from './helpers.js';

/** Exit code, stdout and stderr of one `certs` command. */
export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  const c = captureIo();
  const code = await runCertsCommand(argv, c.io);
  return { code, out: c.out(), err: c.err() };
}
