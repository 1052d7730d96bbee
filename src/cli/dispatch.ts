/**
 * The `dockgate` command's dispatch: `serve`, `certs ...`, `policy ...`, `--version`, help.
 * Exit codes: 0 success, 1 operational error, 2 usage or configuration error
 * (`policy explain` exits 3 when the request would be denied). Importing it runs nothing
 * (main.ts, the executable, runs it on the process's arguments).
 */
import { withCommandName } from '../core/command-name.js';
import { escapeHidden } from '../core/hidden-characters.js';
import { VERSION } from '../runtime/version.js';
import { UsageError } from './args.js';
import type { CliIo } from './io.js';
import { captureServeSignals } from './serve-signals.js';

const USAGE = `dockgate ${VERSION}: a mutual-TLS gateway for the Docker Engine API

Usage:
  dockgate serve [--config FILE]          run the gateway (DOCKGATE_CONFIG may name the file)
  dockgate certs init|issue|list|revoke|renew|rotate-server|crl ...
                                          manage the CA, server and client certificates
  dockgate policy check|explain ...       validate a policy; explain a decision
  dockgate --version | --help

Run "dockgate COMMAND --help" for a command's flags.
`;

/** The commands `dockgate help COMMAND` gives the help of. */
const HELP_TOPICS: ReadonlySet<string> = new Set(['serve', 'certs', 'policy']);

/** Run the CLI with `argv` (without node and script); resolves with the exit code. */
export async function main(argv: readonly string[], io: CliIo): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      // Each command loads only its own modules: `certs` never pulls in the proxy.
      case 'serve':
        // Synchronously, before loading the gateway's modules: see serve-signals.ts.
        captureServeSignals();
        return await (await import('./serve-command.js')).runServe(rest, io);
      case 'certs':
        return await (await import('../pki/cli.js')).runCertsCommand([...rest], io);
      case 'policy':
        return await (await import('../policy/cli.js')).runPolicyCommand([...rest], io);
      case '--version':
      case 'version':
        // As every other command, extra arguments are a usage error (`dockgate --version x`).
        if (rest.length > 0) throw new UsageError(`${command} takes no arguments (got "${rest.join(' ')}")`);
        io.stdout.write(`${VERSION}\n`);
        return 0;
      case 'help':
        // `dockgate help COMMAND` is that command's help; an unknown one is a usage error.
        if (rest[0] !== undefined) {
          if (rest.length > 1 || !HELP_TOPICS.has(rest[0])) throw new UsageError(`unknown command "${rest.join(' ')}"`);
          return await main([rest[0], '--help'], io);
        }
        io.stdout.write(withCommandName(USAGE));
        return 0;
      case undefined:
      case '--help':
      case '-h':
        // Without a command it is a usage error: the usage goes to stderr, as `certs` does.
        (command === undefined ? io.stderr : io.stdout).write(withCommandName(USAGE));
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      // It quotes the command line, which may be pasted with a zero-width space or bidi mark in it.
      io.stderr.write(`dockgate: ${escapeHidden(err.message)}\n\n${withCommandName(USAGE)}`);
      return 2;
    }
    io.stderr.write(`dockgate: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

