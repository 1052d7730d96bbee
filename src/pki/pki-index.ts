/**
 * The CA's record of what it issued: `index.json` beside `ca.pem`. A small JSON file instead
 * of a database; it is what `certs list` shows, what `revoke` looks names up in, and what the
 * CRL is rebuilt from. Reading validates the shape so a hand-edited file fails loudly.
 */
import { readFile } from 'node:fs/promises';
import { PkiError } from './errors.js';
import { PUBLIC_MODE, writeFileAtomic } from './files.js';
import type { KeyType } from './key-pair.js';
import { REVOCATION_REASONS, type RevocationReason } from './revocation-reason.js';

/** One certificate the CA issued. Dates are ISO 8601 strings. */
export interface IndexEntry {
  kind: 'client' | 'server';
  /** Client name (subject CN); `server` for server certificates. */
  name: string;
  /** Subject OU values in order (empty for server certificates). */
  groups: string[];
  /** Serial number, lowercase hex without leading zero octets. */
  serial: string;
  /** SHA-256 of the DER certificate, lowercase hex. */
  fingerprint: string;
  notBefore: string;
  notAfter: string;
  keyType: KeyType;
  /** Absolute directory of a client bundle, so `renew` writes to the same place. */
  bundle?: string;
  /** Server certificates: the SANs, so `rotate-server` keeps them. */
  sans?: { dns: string[]; ip: string[] };
  /** Set once the certificate is on the CRL. */
  revoked?: { at: string; reason: RevocationReason };
}

/** What the index records of a signed certificate: its serial, fingerprint and validity (ISO dates). */
export function issuedCertificateFields(cert: { serial: string; fingerprint: string; notBefore: Date; notAfter: Date }): Pick<IndexEntry, 'serial' | 'fingerprint' | 'notBefore' | 'notAfter'> {
  return { serial: cert.serial, fingerprint: cert.fingerprint, notBefore: cert.notBefore.toISOString(), notAfter: cert.notAfter.toISOString() };
}

/** The whole index file. */
export interface PkiIndex {
  version: 1;
  /** The `--host` values given to `certs init`: the default connect host comes from them. */
  hosts: string[];
  /** Number of the last CRL written (the crlNumber extension); increases with every CRL. */
  crlNumber: number;
  certs: IndexEntry[];
}

/** An index with nothing issued yet. */
export function emptyIndex(hosts: string[] = []): PkiIndex {
  return { version: 1, hosts, crlNumber: 0, certs: [] };
}

/**
 * Reads the index. A missing file is an empty index (a CA made by other tools can still issue
 * with dockgate); a malformed one throws PKI_BAD_INDEX naming the problem.
 */
export async function readIndex(path: string): Promise<PkiIndex> {
  return (await readIndexFound(path)).index;
}

/** `readIndex`, telling a missing file (`found` false, an empty index) from an existing one. */
export async function readIndexFound(path: string): Promise<{ index: PkiIndex; found: boolean }> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { index: emptyIndex(), found: false };
    throw err;
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (err) {
    throw new PkiError('PKI_BAD_INDEX', `${path}: not valid JSON (${(err as Error).message})`);
  }
  const problem = indexProblem(data);
  if (problem) throw new PkiError('PKI_BAD_INDEX', `${path}: ${problem}`);
  return { index: data as PkiIndex, found: true };
}

/** Writes the index atomically (temp file + rename). */
export async function writeIndex(path: string, index: PkiIndex): Promise<void> {
  await writeFileAtomic(path, JSON.stringify(index, null, 2) + '\n', PUBLIC_MODE);
}

const isString = (v: unknown): v is string => typeof v === 'string';
const isStringArray = (v: unknown): v is string[] => Array.isArray(v) && v.every(isString);
const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function indexProblem(data: unknown): string | undefined {
  if (!isObject(data)) return 'expected a JSON object';
  if (data.version !== 1) return `unsupported version ${JSON.stringify(data.version)}`;
  if (!isStringArray(data.hosts)) return 'hosts must be a list of strings';
  if (typeof data.crlNumber !== 'number' || !Number.isSafeInteger(data.crlNumber) || data.crlNumber < 0) {
    return 'crlNumber must be a non-negative integer';
  }
  if (!Array.isArray(data.certs)) return 'certs must be a list';
  for (const [i, entry] of data.certs.entries()) {
    const problem = entryProblem(entry);
    if (problem) return `certs[${i}]: ${problem}`;
  }
  return undefined;
}

function entryProblem(e: unknown): string | undefined {
  if (!isObject(e)) return 'expected an object';
  if (e.kind !== 'client' && e.kind !== 'server') return 'kind must be client or server';
  for (const key of ['name', 'serial', 'fingerprint', 'notBefore', 'notAfter'] as const) {
    if (!isString(e[key])) return `${key} must be a string`;
  }
  if (!isStringArray(e.groups)) return 'groups must be a list of strings';
  if (e.keyType !== 'ecdsa' && e.keyType !== 'rsa') return 'keyType must be ecdsa or rsa';
  if (e.bundle !== undefined && !isString(e.bundle)) return 'bundle must be a string';
  if (e.sans !== undefined && !(isObject(e.sans) && isStringArray(e.sans.dns) && isStringArray(e.sans.ip))) {
    return 'sans must be {dns: [...], ip: [...]}';
  }
  if (e.revoked !== undefined) {
    if (!isObject(e.revoked) || !isString(e.revoked.at) || !isString(e.revoked.reason)) {
      return 'revoked must be {at, reason}';
    }
    if (!(e.revoked.reason in REVOCATION_REASONS)) return `unknown revocation reason ${e.revoked.reason}`;
  }
  return undefined;
}

/** Validity of an index entry at `now`: revoked wins over expired. */
export type CertStatus = 'valid' | 'revoked' | 'expired' | 'not-yet-valid';

/** The status `certs list` shows for an entry. */
export function certStatus(entry: IndexEntry, now: Date): CertStatus {
  if (entry.revoked) return 'revoked';
  if (now.getTime() > Date.parse(entry.notAfter)) return 'expired';
  if (now.getTime() < Date.parse(entry.notBefore)) return 'not-yet-valid';
  return 'valid';
}

/** Client entries named `name` that still grant access (not revoked, not expired). */
export function activeClientEntries(index: PkiIndex, name: string, now: Date): IndexEntry[] {
  return index.certs.filter(
    (e) => e.kind === 'client' && e.name === name && certStatus(e, now) !== 'revoked' && certStatus(e, now) !== 'expired',
  );
}
