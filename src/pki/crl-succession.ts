/**
 * The guard before `certs crl` and `certs revoke` write a new `crl.pem` (also run by `issue`,
 * `renew`, `rotate-server`, which write the index, and by `list`): the new CRL is built
 * from `index.json` alone, so it must not replace a CRL of this CA that the index does not
 * account for. A lost index (a bad restore, an `rm`) is read as empty, which would sign an
 * empty CRL with a lower number and lift every revocation; an index restored from an older
 * backup would lift the revocations made since. Both are refused before anything is signed;
 * the CRL on disk stays in force until its nextUpdate, and after that every client is refused
 * (it fails closed) until the index is restored.
 */
import { readFile } from 'node:fs/promises';
import type { CaSigner } from './ca.js';
import { PkiError } from './errors.js';
import type { PkiPaths } from './paths.js';
import type { PkiIndex } from './pki-index.js';
import { normalizeSerial } from './serial.js';
import { x509 } from './webcrypto.js';

const CRL_NUMBER_OID = '2.5.29.20';
const PEM_CRL = /-----BEGIN X509 CRL-----[\s\S]+?-----END X509 CRL-----/g;

/** A CRL in `crl.pem` signed by the CA: its CRL Number (undefined without one) and revoked serials. */
export interface OwnCrl {
  crlNumber?: bigint;
  serials: string[];
}

/** The value of a DER INTEGER (the crlNumber extension), or undefined when it is not one. */
export function derIntegerValue(der: Uint8Array): bigint | undefined {
  if (der.length < 3 || der[0] !== 0x02 || (der[1] ?? 0) & 0x80 || der[1] !== der.length - 2) return undefined;
  let value = 0n;
  for (const byte of der.subarray(2)) value = (value << 8n) | BigInt(byte);
  return value;
}

/**
 * The CRLs in `text` signed by `ca`, and whether `text` held any readable CRL at all (of any
 * CA). A block that does not parse is skipped.
 */
export async function ownCrls(text: string, ca: Pick<CaSigner, 'cert'>): Promise<{ own: OwnCrl[]; readable: number }> {
  const own: OwnCrl[] = [];
  let readable = 0;
  for (const [pem] of text.matchAll(PEM_CRL)) {
    let crl: x509.X509Crl;
    try {
      crl = new x509.X509Crl(pem);
    } catch {
      continue;
    }
    readable += 1;
    if (!(await crl.verify({ publicKey: ca.cert }).catch(() => false))) continue;
    const ext = crl.getExtension(CRL_NUMBER_OID);
    own.push({
      crlNumber: ext ? derIntegerValue(new Uint8Array(ext.value)) : undefined,
      serials: crl.entries.map((e) => normalizeSerial(e.serialNumber) ?? e.serialNumber.toLowerCase()),
    });
  }
  return { own, readable };
}

const few = (serials: readonly string[]): string =>
  serials.slice(0, 3).join(', ') + (serials.length > 3 ? ` and ${serials.length - 3} more` : '');

/**
 * What the refused command would have written: a CRL (`crl`, `revoke`), or an index only
 * (`issue`, `renew`, `rotate-server`), which the next CRL would then be built from; `list`
 * writes nothing, but would show an index that does not account for the CRL.
 */
export type SuccessionWrite = 'crl' | 'index' | 'list';

/**
 * Throws PKI_BAD_INDEX unless a CRL built from `index` may replace `paths.crl`: refused when
 * `index.json` is missing (`indexFound` false) while `crl.pem` holds a CRL of this CA (or no
 * readable CRL at all), and when the index's crlNumber is below the CRL Number of this CA's
 * CRL on disk (the new CRL would not be numbered above it, as RFC 5280 requires).
 */
export async function checkCrlSuccession(
  paths: PkiPaths,
  ca: Pick<CaSigner, 'cert'>,
  index: PkiIndex,
  indexFound: boolean,
  writes: SuccessionWrite = 'crl',
): Promise<void> {
  let text: string;
  try {
    text = await readFile(paths.crl, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw err;
  }
  const { own, readable } = await ownCrls(text, ca);
  const nothingWritten = {
    crl: 'nothing was written, and the CRL on disk stays in force until its nextUpdate',
    index: 'nothing was issued or written',
    list: 'nothing is listed',
  }[writes];
  const lifts = {
    crl: 'a CRL written from an empty index would lift every revocation',
    index: 'an index started now would lack every revocation (the next CRL would lift them) and a certificate issued into it would be lost when the index is restored',
    list: 'the certificates this CA issued are listed from the index alone, so "no certificates" would be wrong',
  }[writes];
  const foreign = {
    crl: 'keep revoking with those tools, or start a dockgate CA in another directory (certs init --dir OTHER)',
    index: 'keep issuing with those tools, or start a dockgate CA in another directory (certs init --dir OTHER)',
    list: 'list its certificates with those tools',
  }[writes];
  if (!indexFound && (own.length > 0 || readable === 0)) {
    const what = own.length > 0
      ? `${paths.crl} is CRL #${own.map((c) => c.crlNumber ?? '?').join(', #')} of this CA and revokes ${own.reduce((n, c) => n + c.serials.length, 0)} certificate(s)`
      : `${paths.crl} exists but holds no readable CRL`;
    throw new PkiError(
      'PKI_BAD_INDEX',
      `${paths.index} is missing, but ${what}: ${lifts}. If this CA had an index.json, restore it from a backup into ${paths.dir}; if it never had one (a CA made by other tools, with a crl.pem of their own), dockgate cannot tell what it issued: ${foreign}; ${nothingWritten}`,
    );
  }
  for (const crl of own) {
    if (crl.crlNumber === undefined || BigInt(index.crlNumber) >= crl.crlNumber) continue;
    const revoked = new Set(index.certs.filter((e) => e.revoked).map((e) => e.serial));
    const missing = crl.serials.filter((s) => !revoked.has(s));
    throw new PkiError(
      'PKI_BAD_INDEX',
      `the crlNumber of ${paths.index} (${index.crlNumber}) is below the CRL Number of ${paths.crl} (#${crl.crlNumber}): the index is older than the CRL (restored from an older backup?)` +
        (missing.length > 0 ? ` and lacks ${missing.length} revocation(s) it holds (serial ${few(missing)})` : '') +
        `. Restore the index.json that goes with this crl.pem; ${nothingWritten}`,
    );
  }
}
