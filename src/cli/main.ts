#!/usr/bin/env -S node --max-semi-space-size=4 --inspect-port=0.0.0.1:9229
/**
 * The `dockgate` command: dispatches to `serve`, `certs ...` and `policy ...`.
 * Exit codes: 0 success, 1 operational error, 2 usage or configuration error
 * (`policy explain` exits 3 when the request would be denied).
 *
 * `--inspect-port=0.0.0.1:9229` in the shebang: Node 20 has no --disable-sigusr1, and a SIGUSR1
 * that arrives while Node itself boots, before this file runs and `serve` takes the signal over
 * (serve-signals.ts), starts the inspector. Pointed at an address no interface has, it fails
 * to listen ("address not available") instead of opening an unauthenticated debugger.
 */
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
        io.stdout.write(USAGE);
        return 0;
      case undefined:
      case '--help':
      case '-h':
        // Without a command it is a usage error: the usage goes to stderr, as `certs` does.
        (command === undefined ? io.stderr : io.stdout).write(USAGE);
        return command === undefined ? 2 : 0;
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr.write(`dockgate: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    io.stderr.write(`dockgate: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

/**
 * A reader that stops early (`dockgate policy check | head`) closes stdout's pipe, and Node
 * would throw EPIPE as an unhandled 'error' event (a stack trace). A command then stops
 * quietly; `serve` keeps running (what it prints on stdout is for the operator only).
 * A stderr whose reader has gone (a log collector that exited) is the same: nothing more can
 * be said there, and a Node warning or a refusal written to it must not end the process with
 * an unhandled EPIPE (a `serve` whose config is refused exited 1, not 2; a running gateway
 * would have died on the next warning).
 */
function quietOnClosedPipe(command: string | undefined): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    if (command !== 'serve') process.exit(typeof process.exitCode === 'number' ? process.exitCode : 0);
  });
  process.stderr.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
  });
}

quietOnClosedPipe(process.argv[2]);
main(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
    // A stopped gateway must not linger on a forgotten handle; normal exits come sooner.
    setTimeout(() => process.exit(code), 3000).unref();
  },
  (err: unknown) => {
    process.stderr.write(`dockgate: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
