/**
 * The command line of `dockgate serve`: its usage text and the config file it names. A usage
 * error prints serve's own usage (rev-docs F9), not the top-level one, as `certs` and `policy`
 * print theirs.
 */
import { DEFAULTS } from '../config/defaults.js';
import { withCommandName } from '../core/command-name.js';
import { escapeHidden } from '../core/hidden-characters.js';
import { type ArgSpec, parseArgs, refuseRepeated, UsageError } from './args.js';
import type { CliIo } from './io.js';

/** Usage text of `dockgate serve`. */
export const SERVE_USAGE = `Usage: dockgate serve [--config FILE]

Runs the gateway. The config file may also be named by DOCKGATE_CONFIG. With neither, the
embedded default listens on ${DEFAULTS.listen}, forwards to ${DEFAULTS.upstream} and uses ./certs,
creating a CA, a server certificate and an "admin" client bundle there if it holds none.
It also keeps ./certs/crl.pem fresh: checked at start and hourly, the CRL is re-signed
("dockgate certs crl --dir ./certs") once less than 10 days are left before its nextUpdate.
With a config file, re-sign the CRL with a timer or cron (docs/certificates.md).
`;

/** What `serve` accepts (`-h` as well as `--help`); README's serve row names each flag (test/unit/docs). */
export const SERVE_ARGS = { values: ['config'], switches: ['help'] } as const satisfies ArgSpec;

/** What serve's command line asks for: its help, or a run with this config file (undefined: the embedded default). */
export type ServeArgs = { help: true } | { help: false; configFile: string | undefined };

function parseServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv): ServeArgs {
  if (argv.includes('-h')) return { help: true };
  const args = parseArgs(argv, SERVE_ARGS);
  if (args.switches.has('help')) return { help: true };
  if (args.positionals.length > 0) throw new UsageError(`serve takes no argument "${args.positionals[0]}"`);
  // parseArgs keeps the last --config: a unit's ExecStart plus a drop-in's would run on one unsaid.
  refuseRepeated(argv, ['config'], ['config']);
  const configFile = args.values.config ?? env.DOCKGATE_CONFIG;
  // Set but empty (an unset variable in a unit or compose file) is not "no config": the
  // embedded default would serve with the built-in policy on 0.0.0.0:2376.
  if (configFile !== undefined && configFile.trim() === '') {
    throw new UsageError(args.values.config !== undefined ? '--config is empty' : 'DOCKGATE_CONFIG is set but empty (unset it to use the embedded default)');
  }
  return { help: false, configFile };
}

/**
 * Reads serve's command line; writes the usage (stdout) for `--help`/`-h` and returns 0, or an
 * error and the usage (stderr) for a usage error and returns 2. Otherwise the ServeArgs to run.
 */
export function readServeArgs(argv: readonly string[], env: NodeJS.ProcessEnv, io: CliIo): { configFile: string | undefined } | number {
  let args: ServeArgs;
  try {
    args = parseServeArgs(argv, env);
  } catch (err) {
    if (!(err instanceof UsageError)) throw err;
    io.stderr.write(`dockgate: ${escapeHidden(err.message)}\n\n${withCommandName(SERVE_USAGE)}`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(withCommandName(SERVE_USAGE));
    return 0;
  }
  return { configFile: args.configFile };
}
