/**
 * Key generation, PEM export and import. ECDSA P-256 is the default: small, fast and accepted
 * by every Docker client; RSA 4096 exists for environments whose policy demands RSA.
 */
import { createPrivateKey, type KeyObject } from 'node:crypto';
import { PkiError, UsageError } from './errors.js';
import { subtle, x509 } from './webcrypto.js';

/** The key algorithms `--key-type` accepts. */
export type KeyType = 'ecdsa' | 'rsa';

/** All accepted `--key-type` values, for validation and help text. */
export const KEY_TYPES: readonly KeyType[] = ['ecdsa', 'rsa'];

/** WebCrypto algorithms of one key: how it is generated/imported and how it signs. */
export interface KeyAlgorithm {
  keyType: KeyType;
  /** For generateKey/importKey. */
  params: EcKeyImportParams | RsaHashedImportParams;
  /** For signing certificates and CRLs with this key. */
  signing: Algorithm | EcdsaParams;
}

const ECDSA_P256: KeyAlgorithm = {
  keyType: 'ecdsa',
  params: { name: 'ECDSA', namedCurve: 'P-256' },
  signing: { name: 'ECDSA', hash: 'SHA-256' } as EcdsaParams,
};

const ECDSA_P384: KeyAlgorithm = {
  keyType: 'ecdsa',
  params: { name: 'ECDSA', namedCurve: 'P-384' },
  signing: { name: 'ECDSA', hash: 'SHA-384' } as EcdsaParams,
};

const RSA: KeyAlgorithm = {
  keyType: 'rsa',
  params: { name: 'RSASSA-PKCS1-v1_5', hash: 'SHA-256' },
  signing: { name: 'RSASSA-PKCS1-v1_5' },
};

/** Parses a `--key-type` value; undefined means the default (ecdsa). */
export function parseKeyType(value: string | undefined): KeyType {
  if (value === undefined) return 'ecdsa';
  const lower = value.toLowerCase();
  if (lower === 'ecdsa' || lower === 'ec' || lower === 'p256' || lower === 'p-256') return 'ecdsa';
  if (lower === 'rsa' || lower === 'rsa4096') return 'rsa';
  throw new UsageError(`unknown key type "${value}" (expected ecdsa or rsa)`);
}

/** Generates an extractable key pair: ECDSA P-256 or RSA 4096 (e = 65537). */
export async function generateKeyPair(keyType: KeyType): Promise<{ keys: CryptoKeyPair; algorithm: KeyAlgorithm }> {
  if (keyType === 'rsa') {
    const params: RsaHashedKeyGenParams = {
      name: 'RSASSA-PKCS1-v1_5',
      hash: 'SHA-256',
      modulusLength: 4096,
      publicExponent: new Uint8Array([1, 0, 1]),
    };
    return { keys: await subtle.generateKey(params, true, ['sign', 'verify']), algorithm: RSA };
  }
  const keys = (await subtle.generateKey(ECDSA_P256.params, true, ['sign', 'verify'])) as CryptoKeyPair;
  return { keys, algorithm: ECDSA_P256 };
}

/** Exports a private key as PKCS#8 PEM (`BEGIN PRIVATE KEY`), which Node, Go and OpenSSL all read. */
export async function exportPrivateKeyPem(key: CryptoKey): Promise<string> {
  const der = await subtle.exportKey('pkcs8', key);
  return x509.PemConverter.encode(der, 'PRIVATE KEY') + '\n';
}

// PKCS#8 `ENCRYPTED PRIVATE KEY`, or the legacy OpenSSL header of an encrypted PKCS#1/SEC1 key.
const ENCRYPTED_PEM = /-----BEGIN ENCRYPTED PRIVATE KEY-----|^Proc-Type:\s*4,\s*ENCRYPTED/m;

/**
 * Parses a PEM private key; PKI_BAD_KEY naming `path` when it cannot be read. Keys with a
 * passphrase are not supported (no command asks for one): such a key gets a message saying so
 * and how to decrypt it, not OpenSSL's "interrupted or cancelled".
 */
export function parsePrivateKey(pem: string, path: string): KeyObject {
  if (ENCRYPTED_PEM.test(pem)) {
    throw new PkiError(
      'PKI_BAD_KEY',
      `${path} is encrypted with a passphrase; encrypted private keys are not supported: decrypt it with "openssl pkey -in ${path} -out ${path}.plain" (keep the result mode 0600) and put that in its place`,
    );
  }
  try {
    return createPrivateKey(pem);
  } catch (err) {
    throw new PkiError('PKI_BAD_KEY', `cannot read the private key ${path}: ${(err as Error).message} (expected an unencrypted PKCS#8, PKCS#1 or SEC1 PEM key)`);
  }
}

/**
 * Imports a PEM private key (PKCS#8, or the older PKCS#1 / SEC1 forms that openssl recipes
 * produce) as a signing key. Node's parser normalises the form; WebCrypto then gets PKCS#8.
 */
export async function importSigningKey(pem: string, path = 'the private key'): Promise<{ key: CryptoKey; algorithm: KeyAlgorithm }> {
  const nodeKey = parsePrivateKey(pem, path);
  let algorithm: KeyAlgorithm;
  if (nodeKey.asymmetricKeyType === 'rsa') {
    algorithm = RSA;
  } else if (nodeKey.asymmetricKeyType === 'ec') {
    const curve = nodeKey.asymmetricKeyDetails?.namedCurve;
    if (curve === 'prime256v1') algorithm = ECDSA_P256;
    else if (curve === 'secp384r1') algorithm = ECDSA_P384;
    else throw new PkiError('PKI_BAD_KEY', `${path}: unsupported EC curve ${curve ?? 'unknown'} (use P-256 or P-384)`);
  } else {
    throw new PkiError('PKI_BAD_KEY', `${path}: unsupported key type ${nodeKey.asymmetricKeyType ?? 'unknown'} (use RSA, P-256 or P-384)`);
  }
  const der = nodeKey.export({ type: 'pkcs8', format: 'der' });
  const key = await subtle.importKey('pkcs8', der, algorithm.params, false, ['sign']);
  return { key, algorithm };
}
