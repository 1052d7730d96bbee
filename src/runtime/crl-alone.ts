/**
 * A TLS reload that fails for another file (a server key that does not match its certificate
 * mid-rotation, a broken CA bundle) must not hold back a new CRL's revocations (rev-reload F2):
 * the CRL file is then read alone, verified against the CA bundle in force, and, unless it goes
 * behind the CRLs in force or loaded since start (crl-rollback.ts), its revocations join those
 * the gateway checks itself (at the end of every handshake and in the sweep of open
 * connections), as for a CRL held until it is valid (crl-pending.ts). The TLS context keeps the
 * CRLs in force: nothing is lifted, and a CRL's dates lock no one out that way.
 */
import { readRegularFile } from '../config/regular-file.js';
import { parseCrl, type CrlInfo } from '../server/crl.js';
import type { TlsMaterial } from '../server/tls-material.js';
import { MAX_TLS_FILE_BYTES } from '../server/tls-material-files.js';

/** A CRL file read alone: its CRLs and its revocations, by CA of the bundle in force. */
export interface CrlAlone {
  crls: CrlInfo[];
  revocations: TlsMaterial['revocations'];
}

/** Read and verify `file` against the CAs of `current` (the material in force). Throws naming the file. */
export async function readCrlAlone(file: string, current: Pick<TlsMaterial, 'caCerts' | 'caNames'>): Promise<CrlAlone> {
  const pem = readRegularFile(file, MAX_TLS_FILE_BYTES).toString('utf8');
  const parsed = await parseCrl(pem, current.caCerts.map((c) => c.toString()), file);
  return { crls: parsed.crls, revocations: parsed.revocations.map((r) => ({ ca: current.caNames[r.signer]?.ca ?? '', serials: r.serials })) };
}

/** `current` with the revocations of `alone` added (never removed): the TLS context is unchanged. Pure. */
export function withRevocationsOf(current: TlsMaterial, alone: CrlAlone): TlsMaterial {
  // What the material already checks is not added again (the same CRL applied by each failed reload).
  const known = (r: CrlAlone['revocations'][number]): boolean => current.revocations.some((c) => c.ca === r.ca && [...r.serials].every((s) => c.serials.has(s)));
  return {
    ...current,
    revocations: [...current.revocations, ...alone.revocations.filter((r) => !known(r))],
    revokedSerials: new Set([...current.revokedSerials, ...alone.revocations.flatMap((r) => [...r.serials])]),
  };
}
