/** `certs init`: a new CA, a server certificate and an empty CRL in one directory. */
import { readdir } from 'node:fs/promises';
import { createCa, type NewCa } from './ca.js';
import { writeCrl } from './crl.js';
import { PkiError } from './errors.js';
import { PRIVATE_MODE, PUBLIC_MODE, ensurePrivateDir, exists, writeFileAtomic } from './files.js';
import { normalizeHost, serverSans, type ServerSans } from './hosts.js';
import { withIndexLock } from './index-lock.js';
import type { KeyType } from './key-pair.js';
import { issueLeaf, type IssuedLeaf } from './leaf-certificate.js';
import { serverSubject } from './names.js';
import { pkiPaths, type PkiPaths } from './paths.js';
import { initFiles, keepReplacedCa } from './replaced-ca.js';
import { emptyIndex, type IndexEntry, writeIndex } from './pki-index.js';
import { serverIndexEntry, writeServerPair } from './server-pair-files.js';
import { DEFAULT_CA_DAYS, DEFAULT_CRL_DAYS, DEFAULT_SERVER_DAYS, checkDays } from './validity.js';

/** Options of `initPki`. */
export interface InitPkiOptions {
  /** CA directory; created with mode 0700 when missing (an existing empty directory is fine). */
  dir: string;
  /** Extra server names and IPs besides localhost, 127.0.0.1, ::1 and the host name. */
  hosts: string[];
  keyType?: KeyType;
  /** Server certificate lifetime (default 825). */
  days?: number;
  /** CA lifetime (default 3650). */
  caDays?: number;
  /**
   * Replace an existing CA (or other init files in `dir`). Every certificate it issued stops
   * verifying; the replaced files and `clients/` are kept in `dir/replaced-<time>/`.
   */
  force?: boolean;
  /** Clock, for tests. */
  now?: Date;
  /** Machine host name to put in the SANs (default os.hostname()). */
  machineName?: string;
}

/** What `initPki` wrote. */
export interface InitPkiResult {
  paths: PkiPaths;
  server: IndexEntry;
  /** With `force`: the `replaced-<time>` directory holding the files (and `clients/`) it replaced. */
  replaced?: string;
}

/**
 * Creates `ca.pem`, `ca-key.pem` (0600), `server-cert.pem`, `server-key.pem` (0600), an empty
 * `crl.pem` and `index.json`. Refuses (PKI_CA_EXISTS) when a CA is already there unless
 * `force`, and also when only a server key, CRL or index is there; a forced init keeps the
 * replaced files in `replaced-<time>/` and starts a fresh index, since the old serials belong
 * to the old CA.
 */
export async function initPki(opts: InitPkiOptions): Promise<InitPkiResult> {
  const paths = pkiPaths(opts.dir);
  const now = opts.now ?? new Date();
  const keyType = opts.keyType ?? 'ecdsa';
  const days = checkDays(opts.days ?? DEFAULT_SERVER_DAYS, '--days');
  const caDays = checkDays(opts.caDays ?? DEFAULT_CA_DAYS, '--ca-days');
  const hosts = opts.hosts.map(normalizeHost);
  const sans = serverSans(hosts, opts.machineName);

  if (!opts.force) await refuseExisting(paths);
  await ensurePrivateDir(paths.dir);

  const ca = await createCa({ keyType, days: caDays, now, hostname: opts.machineName });
  const server = await issueLeaf(ca, { kind: 'server', subject: serverSubject(), keyType, days, now, sans });
  // Under index.lock, like issue/renew/revoke/crl: one of those running meanwhile must not read
  // the old CA and index before the copy and write them over the new CA's after it.
  return withIndexLock(paths.dir, async () => {
    if (!opts.force) await refuseExisting(paths);
    const replaced = opts.force ? await keepReplacedCa(paths, now) : undefined;
    return { paths, server: await writeNewCa(paths, ca, server, { keyType, sans, hosts, now }), replaced };
  });
}

/** Writes the new CA, server pair, index and first CRL into `paths` (init's files). */
async function writeNewCa(
  paths: PkiPaths,
  ca: NewCa,
  server: IssuedLeaf,
  opts: { keyType: KeyType; sans: ServerSans; hosts: string[]; now: Date },
): Promise<IndexEntry> {
  const { keyType, sans, hosts, now } = opts;
  // Key before certificate, for the CA and the server: a watcher that sees the new
  // certificate then finds the matching key already in place.
  await writeFileAtomic(paths.caKey, ca.keyPem, PRIVATE_MODE);
  await writeFileAtomic(paths.ca, ca.certPem, PUBLIC_MODE);
  await writeServerPair(paths, server);

  const entry = serverIndexEntry(server, keyType, sans);
  const index = emptyIndex(hosts);
  index.certs.push(entry);
  await writeCrl(paths, ca, index, now, DEFAULT_CRL_DAYS);
  await writeIndex(paths.index, index);
  return entry;
}

/**
 * PKI_CA_EXISTS when any file init writes is there: a CA (`ca.pem`, `ca-key.pem`), but also a
 * server key, index or CRL left without one (a hand-placed corporate server key, a directory
 * restored in part), which init would replace without a trace.
 */
async function refuseExisting(paths: PkiPaths): Promise<void> {
  const conflict = await findInitConflict(paths);
  if (conflict === undefined) return;
  const kept = `${paths.dir}/replaced-<time>`;
  const advice =
    conflict.kind === 'ca'
      ? `use --force to replace it and invalidate every certificate it issued (the old files are kept in ${kept})`
      : conflict.kind === 'file'
        ? `init would replace it: move it away, or use --force (the existing files are then kept in ${kept})`
        : `nothing was created: move it away, or use --force (it is then moved to ${kept})`;
  throw new PkiError('PKI_CA_EXISTS', `${conflict.what}; ${advice}`);
}

/** What in a directory stops `init` without `--force` (see `findInitConflict`). */
export interface InitConflict {
  /** `ca`: a CA file; `file`: another init file without a CA; `clients`: bundles without a CA. */
  kind: 'ca' | 'file' | 'clients';
  /** One phrase naming the file or directory, e.g. "a CA already exists (/d/ca-key.pem)". */
  what: string;
}

/**
 * The first thing that makes `init` (without `--force`) refuse `paths.dir`, or undefined. Each
 * caller adds its own advice: `certs init` has `--force`, the embedded default of `serve` not.
 */
export async function findInitConflict(paths: PkiPaths): Promise<InitConflict | undefined> {
  for (const file of [paths.ca, paths.caKey]) {
    if (await exists(file)) return { kind: 'ca', what: `a CA already exists (${file})` };
  }
  for (const file of initFiles(paths)) {
    if (await exists(file)) return { kind: 'file', what: `${file} exists though ${paths.dir} holds no CA` };
  }
  // Bundles of a CA that is gone: the new CA could not issue those names into them, and the
  // embedded default would make a CA and then fail to write its admin bundle.
  const leftover = await readdir(paths.clients).catch(() => []);
  if (leftover.length > 0) {
    return { kind: 'clients', what: `${paths.clients} holds bundles (${leftover.slice(0, 3).join(', ')}${leftover.length > 3 ? ', ...' : ''}) though ${paths.dir} holds no CA` };
  }
  return undefined;
}
