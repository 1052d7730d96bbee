/**
 * `dockgate certs ...`: the command line over the PKI functions. Every failure is rendered
 * here, once, as a single line: PkiError exits 1, UsageError exits 2 (with a pointer to the
 * subcommand's --help); anything else is unexpected and also exits 1 with its message.
 */
import { join, resolve } from 'node:path';
import { commandName, withCommandName } from '../core/command-name.js';
import { escapeHidden } from '../core/hidden-characters.js';
import { archiveBundle, checkArchiveDestination } from './archive-bundle.js';
import type { CliIo } from './print-connect-lines.js';
import { COMMAND_HELP, CERTS_HELP } from './cli-help.js';
import { certTable } from './cli-format.js';
import { connectHostProblem } from './connect-lines.js';
import { parseArgs, type FlagSpec, type ParsedArgs } from './cli-args.js';
import { PkiError, UsageError } from './errors.js';
import { initPki } from './init-pki.js';
import { issueClient } from './issue-client.js';
import { parseKeyType } from './key-pair.js';
import { listCerts } from './list-certs.js';
import { pkiPaths } from './paths.js';
import type { IndexEntry } from './pki-index.js';
import { printConnectLines, say } from './print-connect-lines.js';
import { renewClient } from './renew-client.js';
import { refreshCrl, revokeCert } from './revoke-cert.js';
import { parseRevocationReason } from './revocation-reason.js';
import { rotateServer } from './rotate-server.js';

export type { CliIo } from './print-connect-lines.js';
// `dockgate serve` imports the embedded-default PKI set-up from here, beside the commands.
export { DefaultPkiError, ensureDefaultPki } from './ensure-default-pki.js';

/** Default CA directory, relative to the working directory. */
export const DEFAULT_PKI_DIR = './certs';

interface Command {
  flags: FlagSpec;
  /** Number of positional arguments: exactly this many. */
  positionals: 0 | 1;
  run(args: ParsedArgs, io: CliIo): Promise<void>;
}

const dirOf = (args: ParsedArgs): string => args.string('dir') ?? DEFAULT_PKI_DIR;
/** `--connect-host`, checked as a usage error before anything is signed. */
function connectHostOf(args: ParsedArgs, command: string): string | undefined {
  const value = args.string('connect-host');
  const problem = value === undefined ? undefined : connectHostProblem(value);
  if (problem) throw new UsageError(problem, command);
  return value;
}

const keyTypeOf = (args: ParsedArgs) => (args.string('key-type') === undefined ? undefined : parseKeyType(args.string('key-type')));

function summary(entry: IndexEntry): string {
  return [
    `  serial       ${entry.serial}`,
    `  fingerprint  ${entry.fingerprint}`,
    `  not after    ${entry.notAfter}`,
  ].join('\n');
}

const COMMANDS: Readonly<Record<string, Command>> = {
  init: {
    flags: { dir: 'string', host: 'list', 'key-type': 'string', days: 'string', 'ca-days': 'string', force: 'bool' },
    positionals: 0,
    async run(args, io) {
      const result = await initPki({
        dir: dirOf(args),
        hosts: args.list('host'),
        keyType: keyTypeOf(args),
        days: args.int('days'),
        caDays: args.int('ca-days'),
        force: args.bool('force'),
      });
      const { paths, server, replaced } = result;
      if (replaced !== undefined) {
        say(io, `Kept the replaced files in ${replaced} (the old CA key included, mode 0600; clients/ moved there too):\n  re-sign the old CRL with "${commandName()} certs crl --dir ${replaced}" while tls.ca still trusts the old CA`);
      }
      say(io, `Created a CA and a server certificate in ${paths.dir}`);
      say(io, `  ${paths.ca}\n  ${paths.caKey} (private, 0600)\n  ${paths.serverCert}\n  ${paths.serverKey} (private, 0600)\n  ${paths.crl}\n  ${paths.index}`);
      say(io, `Server names: ${[...(server.sans?.dns ?? []), ...(server.sans?.ip ?? [])].join(', ')}`);
      say(io, summary(server));
      say(io, `\nNext: ${commandName()} certs issue NAME --dir ${args.string('dir') ?? DEFAULT_PKI_DIR} --group GROUP`);
    },
  },
  issue: {
    flags: {
      dir: 'string', group: 'list', days: 'string', out: 'string', 'key-type': 'string',
      archive: 'string', 'connect-host': 'string', force: 'bool',
    },
    positionals: 1,
    async run(args, io) {
      const name = args.positionals[0] ?? '';
      const dir = dirOf(args);
      const connectHost = connectHostOf(args, 'issue');
      // Checked before signing: an archive that cannot be written must not leave an issued certificate behind.
      const archive = args.string('archive');
      if (archive !== undefined) {
        const out = args.string('out');
        const caDir = pkiPaths(dir).dir;
        await checkArchiveDestination(archive, { caDir, bundleDir: resolve(out ?? join(pkiPaths(dir).clients, name)), force: args.bool('force') });
      }
      const { bundle, entry, warnings } = await issueClient({
        dir, name, groups: args.list('group'), days: args.int('days'), out: args.string('out'),
        keyType: keyTypeOf(args), force: args.bool('force'),
      });
      for (const warning of warnings) io.stderr.write(`dockgate certs: warning: ${escapeHidden(warning)}\n`);
      say(io, `Issued a client certificate for "${name}"${entry.groups.length ? ` (groups: ${entry.groups.join(', ')})` : ''}`);
      say(io, summary(entry));
      say(io, `  bundle       ${bundle.dir}`);
      if (archive !== undefined) {
        let written: string;
        try {
          written = await archiveBundle(bundle, name, archive);
        } catch (err) {
          throw new PkiError(
            'PKI_BAD_ARCHIVE',
            `the certificate for "${name}" was issued (serial ${entry.serial}, bundle ${bundle.dir}), but the archive ${resolve(archive)} could not be written (${(err as Error).message}): hand over the bundle directory instead`,
          );
        }
        say(io, `  archive      ${written} (contains the private key: hand it over privately)`);
      }
      await printConnectLines(io, dir, name, bundle, connectHost);
    },
  },
  list: {
    flags: { dir: 'string', json: 'bool' },
    positionals: 0,
    async run(args, io) {
      const certs = await listCerts(dirOf(args));
      if (args.bool('json')) say(io, JSON.stringify(certs, null, 2));
      else if (certs.length === 0) say(io, `no certificates in the index of ${resolve(dirOf(args))}`);
      else say(io, certTable(certs));
    },
  },
  revoke: {
    flags: { dir: 'string', reason: 'string', 'crl-days': 'string' },
    positionals: 1,
    async run(args, io) {
      const dir = dirOf(args);
      const revoked = await revokeCert({
        dir, nameOrSerial: args.positionals[0] ?? '', reason: parseRevocationReason(args.string('reason')),
        crlDays: args.int('crl-days'),
      });
      for (const e of revoked) say(io, `Revoked ${e.kind} "${escapeHidden(e.name)}" serial ${e.serial} (${e.revoked?.reason ?? 'unspecified'})`);
      say(io, `Wrote ${pkiPaths(dir).crl}; a running gateway with tls.crl pointing at it refuses these certificates about 3 s later (at once on SIGHUP) and closes their open connections.`);
    },
  },
  renew: {
    flags: { dir: 'string', days: 'string', 'key-type': 'string', 'connect-host': 'string' },
    positionals: 1,
    async run(args, io) {
      const name = args.positionals[0] ?? '';
      const dir = dirOf(args);
      const connectHost = connectHostOf(args, 'renew');
      const { bundle, entry, previous } = await renewClient({ dir, name, days: args.int('days'), keyType: keyTypeOf(args) });
      say(io, `Renewed "${escapeHidden(name)}"${entry.groups.length ? ` (groups: ${escapeHidden(entry.groups.join(', '))})` : ''}`);
      say(io, summary(entry));
      say(io, `  bundle       ${bundle.dir}`);
      say(io, `The previous certificate (serial ${previous.serial}) stays valid until ${previous.notAfter}; to end it now:\n  ${commandName()} certs revoke ${previous.serial} --dir ${dir} --reason superseded`);
      await printConnectLines(io, dir, name, bundle, connectHost);
    },
  },
  'rotate-server': {
    flags: { dir: 'string', host: 'list', days: 'string', 'key-type': 'string' },
    positionals: 0,
    async run(args, io) {
      const entry = await rotateServer({ dir: dirOf(args), hosts: args.list('host'), days: args.int('days'), keyType: keyTypeOf(args) });
      say(io, `Rotated the server certificate in ${pkiPaths(dirOf(args)).dir}`);
      say(io, `Server names: ${[...(entry.sans?.dns ?? []), ...(entry.sans?.ip ?? [])].join(', ')}`);
      say(io, summary(entry));
    },
  },
  crl: {
    flags: { dir: 'string', 'crl-days': 'string' },
    positionals: 0,
    async run(args, io) {
      const { crlNumber, nextUpdate } = await refreshCrl({ dir: dirOf(args), crlDays: args.int('crl-days') });
      say(io, `Wrote CRL #${crlNumber} to ${pkiPaths(dirOf(args)).crl}, next update ${nextUpdate.toISOString()}`);
    },
  },
};

/** The flags each `certs` subcommand accepts, by subcommand (README and certificates.md name each: test/unit/docs). */
export const CERTS_FLAGS: Readonly<Record<string, FlagSpec>> = Object.fromEntries(Object.entries(COMMANDS).map(([name, command]) => [name, command.flags]));

/**
 * Runs `dockgate certs ARGV...` (ARGV without the leading `certs`; a leading `certs` is
 * tolerated). Returns the exit code: 0 success, 1 operational error, 2 usage error.
 */
export async function runCertsCommand(argv: string[], io: CliIo): Promise<number> {
  const args = argv[0] === 'certs' ? argv.slice(1) : argv;
  const [name, ...rest] = args;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const topic = name === 'help' ? rest[0] : undefined;
    // `certs help isue` is as wrong as `certs isue`: a usage error naming it, not the general help.
    if (topic !== undefined && !Object.hasOwn(COMMAND_HELP, topic)) return reportError(new UsageError(`unknown command "${topic}"`), io, 'help');
    (name === undefined ? io.stderr : io.stdout).write(withCommandName(topic === undefined ? CERTS_HELP : (COMMAND_HELP[topic] as string)));
    return name === undefined ? 2 : 0;
  }
  // Own keys only: `certs toString` names no command.
  const command = Object.hasOwn(COMMANDS, name) ? COMMANDS[name] : undefined;
  try {
    if (!command) throw new UsageError(`unknown command "${name}"`);
    const parsed = parseArgs(name, rest, command.flags);
    if (parsed.bool('help')) {
      io.stdout.write(withCommandName(COMMAND_HELP[name] ?? CERTS_HELP));
      return 0;
    }
    if (parsed.positionals.length !== command.positionals) {
      throw new UsageError(
        command.positionals === 0
          ? `unexpected argument "${parsed.positionals[0]}"`
          : parsed.positionals.length === 0
            ? 'missing NAME'
            : `expected one NAME, got ${parsed.positionals.length} arguments`,
        name,
      );
    }
    await command.run(parsed, io);
    return 0;
  } catch (err) {
    return reportError(err, io, name);
  }
}

/** A NAME, `--group` or `--host` value the library refuses is a bad value on the command line: exit 2. */
const BAD_VALUE_CODES: ReadonlySet<string> = new Set(['PKI_BAD_NAME', 'PKI_BAD_GROUP', 'PKI_BAD_HOST']);

/**
 * Renders an error as one line on stderr and returns its exit code. A message may echo what the
 * user typed or what the index holds (`certs revoke $'\u202Eecila'`: `no certificate with name
 * or serial "..."`): its hidden characters are written `\uXXXX`, as certs list writes names.
 */
function reportError(thrown: unknown, io: CliIo, command: string): number {
  const err = thrown instanceof PkiError && BAD_VALUE_CODES.has(thrown.code) ? new UsageError(thrown.message, command) : thrown;
  if (err instanceof UsageError) {
    const hint = `${commandName()} certs ${err.command ? `${err.command} ` : ''}--help`;
    io.stderr.write(`dockgate certs: ${escapeHidden(err.message)} (see "${hint}")\n`);
    return 2;
  }
  if (err instanceof PkiError) {
    io.stderr.write(`dockgate certs: ${escapeHidden(err.message)}\n`);
    return 1;
  }
  const e = err as NodeJS.ErrnoException;
  io.stderr.write(`dockgate certs: ${escapeHidden(e?.message ?? String(err))}\n`);
  return 1;
}
