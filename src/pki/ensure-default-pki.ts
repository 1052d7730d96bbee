/** The embedded default of `dockgate serve`: make a PKI and an admin bundle on first start. */
import { commandName } from '../core/command-name.js';
import { exists } from './files.js';
import { detectLocalHosts } from './hosts.js';
import { findInitConflict, initPki } from './init-pki.js';
import { issueClient } from './issue-client.js';
import { pkiPaths } from './paths.js';
import { printConnectLines, type CliIo } from './print-connect-lines.js';

/** Name and groups of the client bundle created with a default PKI. */
export const DEFAULT_ADMIN = { name: 'admin', groups: ['admin'] } as const;

/**
 * The embedded default could not set up its directory. The message is one line that says what
 * to do with `serve` (which has no `--force`); `serve` prints it and exits 2, a configuration
 * error.
 */
export class DefaultPkiError extends Error {
  override readonly name = 'DefaultPkiError';
}

/** What to do instead, for every refusal: `serve` itself has no flag to get past one. */
const OR_CONFIG = 'or start with --config FILE naming your own TLS files';

/**
 * When `dir` holds no `ca.pem` (missing or empty directory, e.g. a fresh volume), creates a
 * CA and server certificate covering this host's name and non-internal IPv4 addresses, issues
 * an `admin` bundle into `<dir>/clients/admin` and prints how to connect with it. Otherwise
 * does nothing. Anything in the way (an orphaned `ca-key.pem`, a `clients/` left without a CA,
 * an unwritable directory) is a DefaultPkiError, thrown before anything is created.
 * `beforeCreate` is the caller's last check once nothing is in the way, before anything is
 * created (serve: that its listeners can bind); what it throws is thrown as it is.
 */
export async function ensureDefaultPki(dir: string, io: CliIo, beforeCreate: () => Promise<void> = async () => {}): Promise<{ created: boolean; adminBundle?: string }> {
  const paths = pkiPaths(dir);
  const cannotSetUp = (err: unknown) =>
    new DefaultPkiError(`cannot set up a CA in ${paths.dir}: ${(err as Error).message}; make ${paths.dir} (or its parent) a directory this user (uid ${process.getuid?.() ?? '?'}) can write, ${OR_CONFIG}`, { cause: err });
  let conflict;
  try {
    if (await exists(paths.ca)) return { created: false };
    conflict = await findInitConflict(paths);
  } catch (err) {
    throw cannotSetUp(err);
  }
  if (conflict) {
    // No ca.pem here, so a `ca` conflict is a CA key left on its own.
    const what = conflict.kind === 'ca' ? `${paths.caKey} exists though ${paths.ca} does not` : conflict.what;
    throw new DefaultPkiError(`${what}; nothing was created: move it out of ${paths.dir} (a new CA and "${DEFAULT_ADMIN.name}" bundle are then made there), ${OR_CONFIG}`);
  }
  await beforeCreate();
  try {
    await initPki({ dir, hosts: detectLocalHosts() });
  } catch (err) {
    throw cannotSetUp(err);
  }
  let bundle;
  try {
    ({ bundle } = await issueClient({ dir, name: DEFAULT_ADMIN.name, groups: [...DEFAULT_ADMIN.groups] }));
  } catch (err) {
    // The CA is there now, and the next start uses it as it is: say how to get the bundle.
    throw new DefaultPkiError(
      `created a CA in ${paths.dir} but not its "${DEFAULT_ADMIN.name}" bundle: ${(err as Error).message}; fix that and run "${commandName()} certs issue ${DEFAULT_ADMIN.name} --dir ${dir} --group ${DEFAULT_ADMIN.groups.join(' --group ')}"`,
      { cause: err },
    );
  }
  io.stdout.write(`Created a CA, a server certificate and an "${DEFAULT_ADMIN.name}" client bundle in ${paths.dir}\n`);
  io.stdout.write(`Admin bundle: ${bundle.dir} (keep it private; issue one per teammate with "${commandName()} certs issue NAME --dir ${dir}")\n`);
  await printConnectLines(io, dir, DEFAULT_ADMIN.name, bundle);
  return { created: true, adminBundle: bundle.dir };
}
