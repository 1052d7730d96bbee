/**
 * Reads a PEM CRL and checks that one of the trusted CA certificates signed it, so a corrupt
 * or foreign CRL is refused before it reaches the TLS context.
 *
 * Only node:crypto and a small DER reader: the long-running gateway does not load an X.509
 * library (and its reflect-metadata polyfill, some 18 MiB of resident memory) to read a CRL.
 */
import { createHash } from 'node:crypto';
import { readCrl, type CrlFields } from './crl-der.js';
import { signatureScheme, verifies, type SignatureScheme } from './crl-signature.js';
import { readCa, sharedNameFingerprints } from './crl-trusted-cas.js';
import { formatName, sameName } from './x509-name.js';

/** One verified CRL of the file. */
export interface CrlInfo {
  /** Issuer DN (a CA of the bundle), formatted like `CN=dockgate CA, O=Example`. For messages. */
  issuer: string;
  /**
   * The CA whose key verified it (ca-key.ts caKey): what the CRL is matched to its CA by, as
   * two CAs of `tls.ca` may share a name.
   */
  ca: string;
  /** Before this, OpenSSL refuses every certificate the issuer signed ("CRL is not yet valid"). */
  thisUpdate: Date;
  /** After this, OpenSSL refuses every certificate the issuer signed ("CRL has expired"). */
  nextUpdate?: Date;
  /**
   * The cRLNumber extension, when the CRL has one: RFC 5280 has it increase with every CRL a
   * CA issues, so one not higher than the CRL in force's is an older CRL, or another CRL under
   * the same number, unless it is that very CRL (crl-rollback.ts).
   */
  crlNumber?: bigint;
  /**
   * SHA-256 (hex) of its tbsCertList, what the signature covers: two CRLs with the same one say
   * the same thing (the same CRL read again, whatever its PEM wrapping or signature bytes).
   */
  tbsHash: string;
  /** Its PEM block as read: what goes to the TLS context (a held CRL's block is swapped per CA, crl-pending.ts). */
  block: string;
  /**
   * Its CA certificate's SHA-256 fingerprint, first 16 hex digits (as `certs list` shows
   * certificates), set only when another CA of `tls.ca` (another key) has the same name: the
   * messages naming the CA add it (caLabel), or the two could not be told apart.
   */
  caFingerprint?: string;
}

/**
 * A CA as messages name it: its subject in quotes and, when another CA of the bundle shares the
 * name (`fingerprint` given), which certificate: `"CN=…" (CA certificate sha256 0123456789abcdef)`.
 */
export function caLabel(subject: string, fingerprint?: string): string {
  return fingerprint === undefined ? `"${subject}"` : `"${subject}" (CA certificate sha256 ${fingerprint})`;
}

/** What one CRL revokes: serials of certificates its signer issued, and only those. */
export interface Revocations {
  /** Index in the CA bundle of the CA whose key verified the CRL. */
  signer: number;
  /** Revoked serials, normalised. */
  serials: ReadonlySet<string>;
}

/** What a CRL file says, once verified. */
export interface ParsedCrl {
  /** Revoked serials (normalised hex) across every CRL in the file. */
  serials: Set<string>;
  crls: CrlInfo[];
  /** Per CRL, in file order: serials by issuer (a serial alone is ambiguous across CAs). */
  revocations: Revocations[];
}

/**
 * The PEM `X509 CRL` blocks of a file, in order. Node's `crl` option reads one CRL per string
 * or Buffer, so a file holding several (root and intermediate) must be passed as this array.
 */
export function crlBlocks(pem: string): string[] {
  return pem.match(/-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g) ?? [];
}

/**
 * Parse `pem` (one or more CRLs) and verify each against the CA certificates.
 * Throws an Error naming `file` when a CRL is unreadable, issued by an unknown CA or unsigned.
 */
export async function parseCrl(pem: string, caPems: readonly string[], file: string): Promise<ParsedCrl> {
  const blocks = crlBlocks(pem);
  if (blocks.length === 0) throw new Error(`${file}: no PEM CRL found`);
  const cas = caPems.map(readCa);
  const shared = sharedNameFingerprints(cas);
  const serials = new Set<string>();
  const crls: CrlInfo[] = [];
  const revocations: Revocations[] = [];
  for (const block of blocks) {
    let crl: CrlFields;
    try {
      crl = readCrl(pemBody(block, 'X509 CRL'));
    } catch (err) {
      throw new Error(`${file}: not a valid CRL (${(err as Error).message})`, { cause: err });
    }
    const issuer = formatName(crl.issuer);
    // Byte-identical subjects first, then those OpenSSL would also match after canonicalisation.
    // Several CAs may share a subject (a re-keyed CA): the one whose key verifies it is its CA.
    const exact = cas.filter((ca) => ca.subject.der.equals(crl.issuer.der));
    const candidates = [...exact, ...cas.filter((ca) => !exact.includes(ca) && sameName(ca.subject, crl.issuer))];
    if (candidates.length === 0) throw new Error(`${file}: CRL issuer "${issuer}" is not one of the trusted CAs`);
    let scheme: SignatureScheme;
    try {
      scheme = signatureScheme(crl.algorithm);
    } catch (err) {
      throw new Error(`${file}: CRL of "${issuer}": ${(err as Error).message}`, { cause: err });
    }
    const signer = candidates.find((ca) => verifies(scheme, crl, ca.publicKey));
    if (!signer) throw new Error(`${file}: CRL signature of "${issuer}" does not verify against that CA`);
    for (const serial of crl.serials) serials.add(serial);
    // Named as the CA that signed it, so casWithoutCrl sees it as covered even when the
    // CRL spells the name differently (case, spacing, string type).
    crls.push({
      issuer: formatName(signer.subject),
      ca: signer.ca,
      thisUpdate: crl.thisUpdate,
      nextUpdate: crl.nextUpdate,
      ...(crl.crlNumber === undefined ? {} : { crlNumber: crl.crlNumber }),
      tbsHash: createHash('sha256').update(crl.tbs).digest('hex'),
      block,
      ...(shared.has(signer.ca) ? { caFingerprint: shared.get(signer.ca) } : {}),
    });
    revocations.push({ signer: cas.indexOf(signer), serials: new Set(crl.serials) });
  }
  return { serials, crls, revocations };
}

/** The DER inside one PEM block; refuses a body that is not clean base64. */
function pemBody(block: string, label: string): Buffer {
  const body = block.slice(`-----BEGIN ${label}-----`.length, block.length - `-----END ${label}-----`.length).replace(/\s+/g, '');
  // Buffer.from(..., 'base64') skips characters it does not know; check first.
  if (!/^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(body)) throw new Error('PEM body is not base64');
  return Buffer.from(body, 'base64');
}
