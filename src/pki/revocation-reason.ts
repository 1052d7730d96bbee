/** The CRL reason codes `certs revoke --reason` accepts (RFC 5280 section 5.3.1). */
import { UsageError } from './errors.js';
import { x509 } from './webcrypto.js';

/** Reason names accepted on the command line and stored in the index. */
export type RevocationReason =
  | 'unspecified'
  | 'keyCompromise'
  | 'affiliationChanged'
  | 'superseded'
  | 'cessationOfOperation';

/** Reason name to CRL reason code. `unspecified` is left out of the CRL entry, as RFC 5280 asks. */
export const REVOCATION_REASONS: Readonly<Record<RevocationReason, x509.X509CrlReason>> = {
  unspecified: x509.X509CrlReason.unspecified,
  keyCompromise: x509.X509CrlReason.keyCompromise,
  affiliationChanged: x509.X509CrlReason.affiliationChanged,
  superseded: x509.X509CrlReason.superseded,
  cessationOfOperation: x509.X509CrlReason.cessationOfOperation,
};

/** Parses `--reason` case-insensitively (also `key-compromise` style); undefined means unspecified. */
export function parseRevocationReason(value: string | undefined): RevocationReason {
  if (value === undefined) return 'unspecified';
  const wanted = value.replace(/[-_\s]/g, '').toLowerCase();
  for (const reason of Object.keys(REVOCATION_REASONS) as RevocationReason[]) {
    if (reason.toLowerCase() === wanted) return reason;
  }
  throw new UsageError(
    `unknown revocation reason "${value}" (expected one of ${Object.keys(REVOCATION_REASONS).join(', ')})`,
    'revoke',
  );
}
