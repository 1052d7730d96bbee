/** The embedded default of `dockgate serve`: make a PKI and an admin bundle on first start. */
import { exists } from './files.js';
import { detectLocalHosts } from './hosts.js';
import { initPki } from './init-pki.js';
import { issueClient } from './issue-client.js';
import { pkiPaths } from './paths.js';
import { printConnectLines, type CliIo } from './print-connect-lines.js';

/** Name and groups of the client bundle created with a default PKI. */
export const DEFAULT_ADMIN = { name: 'admin', groups: ['admin'] } as const;

/**
 * When `dir` holds no `ca.pem` (missing or empty directory, e.g. a fresh volume), creates a
 * CA and server certificate covering this host's name and non-internal IPv4 addresses, issues
 * an `admin` bundle into `<dir>/clients/admin` and prints how to connect with it. Otherwise
 * does nothing. Errors (an orphaned `ca-key.pem`, a `clients/` left without a CA, an
 * unwritable directory) are thrown before anything is created.
 */
export async function ensureDefaultPki(dir: string, io: CliIo): Promise<{ created: boolean; adminBundle?: string }> {
  const paths = pkiPaths(dir);
  if (await exists(paths.ca)) return { created: false };
  await initPki({ dir, hosts: detectLocalHosts() });
  const { bundle } = await issueClient({ dir, name: DEFAULT_ADMIN.name, groups: [...DEFAULT_ADMIN.groups] });
  io.stdout.write(`Created a CA, a server certificate and an "${DEFAULT_ADMIN.name}" client bundle in ${paths.dir}\n`);
  io.stdout.write(`Admin bundle: ${bundle.dir} (keep it private; issue one per teammate with "dockgate certs issue NAME --dir ${dir}")\n`);
  await printConnectLines(io, dir, DEFAULT_ADMIN.name, bundle);
  return { created: true, adminBundle: bundle.dir };
}
