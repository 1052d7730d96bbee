/** Which signature algorithms a CRL may use, and whether a CA's key verifies a CRL's signature. */
import { verify, type KeyObject } from 'node:crypto';
import type { CrlFields } from './crl-der.js';
import { DerSequence, DerTag, readNull, readOid, type DerElement } from './der.js';

/** A signature algorithm the gateway accepts on a CRL. */
export interface SignatureScheme {
  name: string;
  /** Digest for node:crypto's verify; null for Ed25519. */
  digest: string | null;
  /** The CA key type it needs (KeyObject.asymmetricKeyType). */
  keyType: 'ec' | 'rsa' | 'ed25519';
  /** Whether AlgorithmIdentifier.parameters may be NULL (RSA) rather than absent. */
  nullParameters: boolean;
}

/** The signature algorithms the gateway accepts on a CRL, by OID. */
const SCHEMES: ReadonlyMap<string, SignatureScheme> = new Map([
  ['1.2.840.10045.4.3.2', { name: 'ecdsa-with-SHA256', digest: 'sha256', keyType: 'ec', nullParameters: false }],
  ['1.2.840.10045.4.3.3', { name: 'ecdsa-with-SHA384', digest: 'sha384', keyType: 'ec', nullParameters: false }],
  ['1.2.840.10045.4.3.4', { name: 'ecdsa-with-SHA512', digest: 'sha512', keyType: 'ec', nullParameters: false }],
  ['1.2.840.113549.1.1.11', { name: 'sha256WithRSAEncryption', digest: 'sha256', keyType: 'rsa', nullParameters: true }],
  ['1.2.840.113549.1.1.12', { name: 'sha384WithRSAEncryption', digest: 'sha384', keyType: 'rsa', nullParameters: true }],
  ['1.2.840.113549.1.1.13', { name: 'sha512WithRSAEncryption', digest: 'sha512', keyType: 'rsa', nullParameters: true }],
  ['1.3.101.112', { name: 'Ed25519', digest: null, keyType: 'ed25519', nullParameters: false }],
]);

/** The accepted scheme an AlgorithmIdentifier names; throws naming the OID of any other. */
export function signatureScheme(algorithm: DerElement): SignatureScheme {
  const fields = new DerSequence(algorithm, 'AlgorithmIdentifier');
  const oid = readOid(fields.next(DerTag.OID, 'algorithm'));
  const scheme = SCHEMES.get(oid);
  if (!scheme) throw new Error(`signature algorithm ${oid} is not supported (accepted: ${[...SCHEMES.values()].map((s) => s.name).join(', ')})`);
  const parameters = fields.optional(DerTag.NULL);
  if (parameters) {
    if (!scheme.nullParameters) throw new Error(`signature algorithm ${oid} (${scheme.name}) must not have parameters`);
    readNull(parameters);
  }
  fields.end();
  return scheme;
}

/** Whether `key` verifies the CRL's signature under `scheme`; a key of the wrong type never does. */
export function verifies(scheme: SignatureScheme, crl: CrlFields, key: KeyObject): boolean {
  if (key.asymmetricKeyType !== scheme.keyType) return false;
  try {
    return verify(scheme.digest, crl.tbs, key, crl.signature);
  } catch {
    return false;
  }
}
