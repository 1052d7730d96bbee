/**
 * The listener's TLS material read from disk and checked before use: the CA bundle, the server
 * certificate chain and key (which must match), and the optional CRL.
 */
import { X509Certificate, constants } from 'node:crypto';
import type { SecureContextOptions } from 'node:tls';
import type { TlsConfig } from '../config/types.js';
import { certificateNameKeys, type ParsedCertificate } from '../identity/identity.js';
import { caKey } from './ca-key.js';
import { caLabel, parseCrl, type CrlInfo } from './crl.js';
import { crlGaps } from './crl-gaps.js';
import { normalizeSerialHex } from './crl-serial.js';
import { DerTag, derChildren, parseDer } from './der.js';
import { collecting, oneLine, parseCertificate, readTlsFile, splitPem } from './tls-material-files.js';
import { loadServerPair } from './tls-material-server-pair.js';

/** Something in the TLS material that stops working at a known time. */
export interface ExpiringItem {
  kind: 'server certificate' | 'CA' | 'CRL';
  /** Subject (certificates) or issuer (CRLs), for the log line. */
  name: string;
  /** The file it was read from. */
  file: string;
  /** notAfter of a certificate, nextUpdate of a CRL. */
  expires: Date;
  /** Of a CRL: its CA (CrlInfo.ca), so a held CRL's item is swapped per CA (crl-pending.ts). */
  ca?: string;
}

/**
 * A CA of `tls.ca` by name, key and serial, its names as Identity.issuerKey is (for the
 * revocation sweep, which walks from a client's issuer up to the root).
 */
export interface CaName {
  subjectKey: string;
  issuerKey: string;
  /** Normalised hex (crl.ts normalizeSerialHex). */
  serial: string;
  /** Which CA it is (ca-key.ts caKey): two CAs of the bundle may share a name. */
  ca: string;
  /** The certificate, whose key tells CAs of one name apart (ca-key.ts issuersOf). */
  cert: X509Certificate;
}

/** Loaded TLS material plus what the metrics need to know about it. */
export interface TlsMaterial {
  options: SecureContextOptions;
  serverNotAfter: Date;
  /** Start of the server certificate's validity (a reload refuses one not valid yet). */
  serverNotBefore: Date;
  /** SHA-256 fingerprint of the server certificate (whether a reload brings a new one). */
  serverFingerprint: string;
  /** Serial number of the server certificate, lowercase hex (normalizeSerialHex), as `certs list` and the audit write serials. */
  serverSerial: string;
  caNotAfter: Date[];
  /** The CAs of `tls.ca`, so the sweep can walk from a client's issuer up to the root. */
  caNames: CaName[];
  /** The certificates of `tls.ca`, parsed (the sweep after a bundle change walks chains to them). */
  caCerts: X509Certificate[];
  /** Serial numbers (lowercase hex) the CRL revokes; empty without a CRL. */
  revokedSerials: Set<string>;
  /** `tls.crl` holds a CRL of every CA of `tls.ca` (then a missing CRL is the client chain's doing). */
  everyCaHasCrl: boolean;
  /** The CRLs of `tls.crl`; empty without one. */
  crls: CrlInfo[];
  /**
   * The CAs of `tls.ca` no CRL of `tls.crl` covers (their clients are all refused), as messages
   * name them (crl.ts caLabel: quoted subject, and which certificate when two CAs share it);
   * empty without `tls.crl`.
   */
  casWithoutCrl: string[];
  /** Per CRL: its CA (caKey: the one whose key verified the CRL) and the serials it revokes. */
  revocations: Array<{ ca: string; serials: ReadonlySet<string> }>;
  /** Everything that expires, for expiry warnings. */
  expiring: ExpiringItem[];
  /** Problems that do not stop loading but will refuse clients; to be logged. */
  warnings: string[];
}

const caKeys = new WeakMap<X509Certificate, string>();

/**
 * Which CA a certificate is (ca-key.ts caKey of its subject, as Identity.issuerKey names it,
 * and its public key), whatever certificate of that CA it is: a CA re-issued with its old name
 * and key has the same. Kept per certificate object, as a bundle's certificates are asked again
 * at each sweep.
 */
export function caKeyOf(cert: X509Certificate): string {
  let key = caKeys.get(cert);
  if (key === undefined) {
    key = caKey(certificateNameKeys(cert.toLegacyObject() as unknown as ParsedCertificate).subjectKey, cert.publicKey);
    caKeys.set(cert, key);
  }
  return key;
}


/** Every problem found in one listener's TLS files, each naming its file. */
export class TlsMaterialError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join('; '));
    this.name = 'TlsMaterialError';
  }
}

/** The problems an error from loading TLS material stands for: all of a TlsMaterialError's, else its message. */
export function tlsProblems(err: unknown): string[] {
  return err instanceof TlsMaterialError ? err.problems : [(err as Error).message];
}

/**
 * Read and check the TLS files. Throws a TlsMaterialError listing every problem, each naming
 * its file: the CA bundle, the server certificate and the key are checked independently (the
 * key against the certificate when both are usable, the CRL against the CAs when they parse),
 * so an operator fixing the files learns of all of them at once. The configuration key the
 * warnings name (`tls`, or `admin.tls` for the admin listener): `configKey`.
 */
export async function loadTlsMaterial(tls: TlsConfig, configKey = 'tls'): Promise<TlsMaterial> {
  const problems: string[] = [];
  const attempt = collecting(problems);
  const ca = readTlsFile(tls.ca, attempt);
  const pair = loadServerPair(tls, problems);
  const crl = tls.crl ? readTlsFile(tls.crl, attempt) : undefined;
  const caCerts = ca === undefined ? undefined : attempt(() => caPems(ca, tls.ca));
  const cas = caCerts && attempt(() => caCerts.map((pem, i) => parseCertificate(pem, `${tls.ca}: certificate ${i + 1} of ${caCerts.length}`)));
  const notCa = (cas ?? []).flatMap((c, i) => (isCaCertificate(c) ? [] : [`certificate ${i + 1} of ${cas?.length ?? 0} ("${oneLine(c.subject)}")`]));
  if (notCa.length > 0 && !tls.partialChain) {
    problems.push(
      `${tls.ca}: ${notCa.join(', ')} ${notCa.length === 1 ? 'is not a CA certificate' : 'are not CA certificates'} (no basicConstraints CA:TRUE), so no client certificate they sign can be verified: ` +
        'tls.ca must hold the CA that issues client certificates (dockgate certs init writes it as ca.pem), not a server or client certificate',
    );
  }
  // Checked against the CAs once they parse, so a corrupt CA is reported with its file, not as the CRL's problem.
  let parsed: Awaited<ReturnType<typeof parseCrl>> = { serials: new Set<string>(), crls: [], revocations: [] };
  if (crl && caCerts && cas) {
    try {
      parsed = await parseCrl(crl.toString('utf8'), caCerts, tls.crl as string);
    } catch (err) {
      problems.push((err as Error).message);
    }
  }
  if (problems.length > 0 || !ca || !pair || !caCerts || !cas) throw new TlsMaterialError(problems);
  const { cert, key, server } = pair;
  const caNames = cas.map((c): CaName => ({ ...certificateNameKeys(c.toLegacyObject() as unknown as ParsedCertificate), serial: normalizeSerialHex(c.serialNumber), ca: caKeyOf(c), cert: c }));
  const withoutCrl = crl ? crlGaps(caCerts, parsed.crls) : [];
  const warnings = sharedNames(caNames, tls.ca, configKey);
  for (const gap of withoutCrl) {
    const which = gap.sharedName ? ` (certificate ${gap.index + 1} of ${caNames.length} in ${tls.ca}; another CA of that name has one)` : '';
    warnings.push(
      `${tls.crl as string} holds no CRL issued by "${gap.subject}"${which}: OpenSSL checks every certificate of a chain, so every client whose chain goes through that CA is refused ("unable to get certificate CRL")`,
    );
  }
  // With partialChain a certificate of tls.ca is trusted as itself, so a pinned client
  // certificate works; but it cannot vouch for anything it signed.
  for (const what of notCa) warnings.push(`${tls.ca}: ${what} is not a CA certificate: only a client presenting exactly that certificate is accepted, none it signed`);
  const expiring: ExpiringItem[] = [
    { kind: 'server certificate', name: oneLine(server.subject), file: tls.cert, expires: new Date(server.validTo) },
    ...cas.map((c) => ({ kind: 'CA' as const, name: oneLine(c.subject), file: tls.ca, expires: new Date(c.validTo) })),
    ...parsed.crls.flatMap((c) => (c.nextUpdate ? [{ kind: 'CRL' as const, name: c.issuer, file: tls.crl as string, expires: c.nextUpdate, ca: c.ca }] : [])),
  ];
  return {
    // The same options go to createServer and, on reload, setSecureContext.
    // No stateless session tickets: Docker clients (the Go CLI, docker-py) never resume a session,
    // and encrypting two tickets holding the client's certificate after every handshake cost
    // about a quarter of the gateway's main-thread CPU per new connection. Every connection is
    // fully verified.
    // No renegotiation: a TLS 1.2 client could otherwise switch to another certificate after its
    // identity was bound at the first handshake. OpenSSL answers a ClientHello on an established
    // connection with a no_renegotiation alert, which fails the connection.
    // The CRL file is passed block by block: given one string or Buffer, Node's addCRL reads only
    // its first CRL, and every client below a CA whose CRL came later is refused (UNABLE_TO_GET_CRL).
    // The blocks are those parseCrl verified (crlBlocks of the file, in order), one per CrlInfo.
    options: {
      ca,
      cert,
      key,
      crl: crl ? parsed.crls.map((c) => c.block) : undefined,
      minVersion: 'TLSv1.2',
      secureOptions: constants.SSL_OP_NO_TICKET | constants.SSL_OP_NO_RENEGOTIATION,
    },
    serverNotAfter: new Date(server.validTo),
    serverNotBefore: new Date(server.validFrom),
    serverFingerprint: server.fingerprint256,
    serverSerial: normalizeSerialHex(server.serialNumber),
    caNotAfter: cas.map((c) => new Date(c.validTo)),
    caCerts: cas,
    caNames,
    revokedSerials: parsed.serials,
    // With partialChain an intermediate is an anchor, yet OpenSSL still wants its issuer's CRL.
    everyCaHasCrl: crl !== undefined && withoutCrl.length === 0 && !tls.partialChain,
    crls: parsed.crls,
    casWithoutCrl: withoutCrl.map((gap) => caLabel(gap.subject, gap.sharedName ? gap.fingerprint : undefined)),
    revocations: parsed.revocations.map((r) => ({ ca: caNames[r.signer]?.ca ?? '', serials: r.serials })),
    expiring,
    warnings,
  };
}

/**
 * A warning per name that several CAs of `tls.ca` with different keys share (a second `dockgate
 * certs init` on one host, `init --force` with the old CA kept, a CA re-keyed under its name):
 * all are trusted, and CRLs and revocations go to the CA whose key signed them, but a reader of
 * the bundle, the CRL file or the log cannot tell them apart by name.
 */
function sharedNames(cas: readonly CaName[], file: string, key: string): string[] {
  const byName = new Map<string, number[]>();
  cas.forEach((ca, i) => {
    const same = byName.get(ca.subjectKey) ?? [];
    if (!same.some((j) => cas[j]?.ca === ca.ca)) byName.set(ca.subjectKey, [...same, i]);
  });
  return [...byName.values()]
    .filter((places) => places.length > 1)
    .map((places) => {
      const first = cas[places[0] as number] as CaName;
      const list = places.map((i) => i + 1).join(', ');
      return (
        `${file}: certificates ${list} of ${cas.length} are CAs of one name, "${oneLine(first.cert.subject)}", with different keys: all are trusted, ` +
        `and each needs its own CRL in ${key}.crl (a CRL counts only for the CA whose key signed it)`
      );
    });
}

/** The certificates of a CA bundle, as PEM blocks; throws when it holds none. */
function caPems(ca: Buffer, file: string): string[] {
  const pems = splitPem(ca.toString('utf8'));
  if (pems.length === 0) throw new Error(`${file}: no PEM certificate found`);
  return pems;
}

/**
 * Whether OpenSSL accepts `cert` as the issuer of other certificates: basicConstraints CA:TRUE,
 * or (OpenSSL's legacy rule) a self-signed version 1 certificate, which has no extensions.
 */
function isCaCertificate(cert: X509Certificate): boolean {
  if (cert.ca) return true;
  try {
    const [tbs] = derChildren(parseDer(cert.raw));
    const first = tbs ? derChildren(tbs)[0] : undefined;
    const version1 = first !== undefined && first.tag !== DerTag.CONTEXT_0;
    return version1 && cert.checkIssued(cert) && cert.verify(cert.publicKey);
  } catch {
    return false;
  }
}
