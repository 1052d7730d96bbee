/**
 * A new CA's own key, the same for a self-signed root (ca.ts) and an intermediate
 * (intermediate-ca.ts): the key pair, the identifier its certificate carries (SKI), and what it
 * signs with afterwards.
 */
import type { NewCa } from './ca.js';
import { exportPrivateKeyPem, generateKeyPair, type KeyType } from './key-pair.js';
import { x509 } from './webcrypto.js';

/** A new CA key: the pair, its subjectKeyIdentifier, and the CA's signing fields that come from it. */
export interface NewCaKey {
  keys: CryptoKeyPair;
  /** The CA certificate's subjectKeyIdentifier extension. */
  ski: x509.SubjectKeyIdentifierExtension;
  /** The private key (also in PEM for `ca-key.pem`), its algorithm, and the AKI of what it signs. */
  signer: Pick<NewCa, 'key' | 'keyPem' | 'algorithm' | 'authorityKeyId'>;
}

/** Generates a CA key of `keyType` with its SKI and the signing fields for a NewCa. */
export async function generateCaKey(keyType: KeyType): Promise<NewCaKey> {
  const { keys, algorithm } = await generateKeyPair(keyType);
  const ski = await x509.SubjectKeyIdentifierExtension.create(keys.publicKey);
  return {
    keys,
    ski,
    signer: {
      key: keys.privateKey,
      keyPem: await exportPrivateKeyPem(keys.privateKey),
      algorithm,
      authorityKeyId: new x509.AuthorityKeyIdentifierExtension(ski.keyId),
    },
  };
}
