/**
 * The admin listener's TLS material: the server certificate and key, and, when scrapers must
 * present client certificates, the CA bundle and an optional CRL. Loaded with the Docker
 * listener's checks (key matches certificate, CRL signed by a CA of the bundle), so a mistake
 * is refused at start or at reload, not at the first scrape.
 */
import type { X509Certificate } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import type { AdminTlsConfig } from '../config/types.js';
import { expiringWithHeldCrls, keepHeldCrls } from '../runtime/crl-pending.js';
import type { ServerCertificateDates } from '../runtime/server-certificate-dates.js';
import type { CrlInfo } from '../server/crl.js';
import { normalizeSerialHex } from '../server/crl-serial.js';
import { loadTlsMaterial, TlsMaterialError, type ExpiringItem, type TlsMaterial } from '../server/tls-material.js';
import { loadServerPair } from '../server/tls-material-server-pair.js';

/** Loaded admin TLS material. */
export interface AdminTlsMaterial {
  options: SecureContextOptions;
  /** What a connection's certificate is checked against at each request; undefined without `ca`. */
  revocation?: Pick<TlsMaterial, 'revocations' | 'caNames'>;
  /** The certificates of `ca`, so open connections can be checked after it changes; empty without. */
  caCerts: X509Certificate[];
  /** The CRLs of `crl`, so a reload cannot go back to an older one; empty without. */
  crls: CrlInfo[];
  /** Problems that do not stop loading but will refuse scrapers; to be logged. */
  warnings: string[];
  /**
   * The CAs of `ca` no CRL of `crl` covers (every scraper of theirs is refused), as
   * TlsMaterial.casWithoutCrl names them; empty without `crl`.
   */
  casWithoutCrl: string[];
  /** Whether `crl` holds a CRL of every CA of `ca` (how a refused handshake is classified); false without `ca`. */
  everyCaHasCrl: boolean;
  /** The server certificate's serial and dates (a reload refuses one not valid now). */
  server: ServerCertificateDates;
  /** notAfter of each certificate of `ca`, in file order; empty without. */
  caNotAfter: Date[];
  /**
   * The server certificate, the CAs of `ca` and the CRLs of `crl` with their end (notAfter,
   * nextUpdate), each naming its `admin.tls` file: for the `tls-expiry` warnings (rev-observe F1).
   */
  expiring: ExpiringItem[];
}

/** Read and check the files of `admin.tls`. Throws a TlsMaterialError listing every problem, each naming its file. */
export async function loadAdminTls(tls: AdminTlsConfig): Promise<AdminTlsMaterial> {
  if (tls.ca !== undefined) {
    // partialChain: a scraper's own (self-signed) certificate may be pinned in `ca`, as before:
    // an entry that is not a CA is a warning here, not an error.
    const material = await loadTlsMaterial({ ca: tls.ca, cert: tls.cert, key: tls.key, crl: tls.crl, partialChain: true }, 'admin.tls');
    return {
      options: material.options,
      revocation: { revocations: material.revocations, caNames: material.caNames },
      caCerts: material.caCerts,
      crls: material.crls,
      warnings: material.warnings,
      casWithoutCrl: material.casWithoutCrl,
      everyCaHasCrl: material.everyCaHasCrl,
      server: { fingerprint: material.serverFingerprint, serial: material.serverSerial, notBefore: material.serverNotBefore, notAfter: material.serverNotAfter },
      caNotAfter: material.caNotAfter,
      expiring: material.expiring,
    };
  }
  const problems: string[] = [];
  const pair = loadServerPair(tls, problems);
  if (!pair) throw new TlsMaterialError(problems);
  const server = { fingerprint: pair.server.fingerprint256, serial: normalizeSerialHex(pair.server.serialNumber), notBefore: new Date(pair.server.validFrom), notAfter: new Date(pair.server.validTo) };
  const expiring: ExpiringItem[] = [{ kind: 'server certificate', name: pair.server.subject.split('\n').join(', '), file: tls.cert, expires: server.notAfter }];
  return { options: { cert: pair.cert, key: pair.key, minVersion: 'TLSv1.2' }, caCerts: [], crls: [], casWithoutCrl: [], warnings: [], everyCaHasCrl: false, server, caNotAfter: [], expiring };
}

/**
 * `loaded` with, for each CA of `held` (PendingCrl.cas of a CRL of `admin.tls.crl` not valid
 * yet), the CRL of `current` in force instead of its new one (crl-pending.ts keepHeldCrls): in
 * the TLS context and the CRL infos. The revocations of a held CA's CRLs, old and new, are both
 * in `revocation`, which the admin listener checks at the end of each handshake and at each
 * request. `loaded` as is without `ca` (no CRL, nothing held). The Docker listener's
 * withCrlsOf (crl-pending.ts) is the same swap on TlsMaterial, whose revocations are not nested
 * and come with revokedSerials: both put keepHeldCrls's parts and expiringWithHeldCrls's items
 * into their own material's shape.
 */
export function withAdminCrlsOf(loaded: AdminTlsMaterial, current: AdminTlsMaterial, held: readonly string[]): AdminTlsMaterial {
  if (!loaded.revocation || !current.revocation) return loaded;
  const parts = keepHeldCrls({ crls: loaded.crls, everyCaHasCrl: loaded.everyCaHasCrl, ...loaded.revocation }, { crls: current.crls, revocations: current.revocation.revocations }, held);
  return {
    ...loaded,
    options: { ...loaded.options, crl: parts.crls.map((c) => c.block) },
    crls: parts.crls,
    revocation: { ...loaded.revocation, revocations: parts.revocations },
    everyCaHasCrl: parts.everyCaHasCrl,
    // The expiry items of the CRLs in force, as for the Docker listener (crl-pending.ts withCrlsOf).
    expiring: expiringWithHeldCrls(loaded.expiring, current.expiring, held),
  };
}
