/**
 * One place that binds @peculiar/x509 to Node's WebCrypto. Every PKI module imports `x509`
 * from here so the provider is set before any certificate is built or parsed.
 */
// Must come before @peculiar/x509: ES modules evaluate their imports in order.
import './reflect-metadata.js';
import { webcrypto } from 'node:crypto';
import * as x509 from '@peculiar/x509';

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** Node's SubtleCrypto, typed as the DOM one @peculiar/x509 expects. */
export const subtle: SubtleCrypto = (webcrypto as unknown as Crypto).subtle;

export { x509 };
