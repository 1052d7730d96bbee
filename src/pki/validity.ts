/** Validity periods of the certificates `certs` issues. */
import { PkiError } from './errors.js';

/** Lifetime of a CA made by `certs init`. */
export const DEFAULT_CA_DAYS = 3650;
/** Lifetime of a server certificate (init, rotate-server). */
export const DEFAULT_SERVER_DAYS = 825;
/** Lifetime of a client certificate (issue, renew). */
export const DEFAULT_CLIENT_DAYS = 365;
/** Time to the CRL's nextUpdate. OpenSSL refuses every client once it has passed, see crl.ts. */
export const DEFAULT_CRL_DAYS = 30;

// Certificates start a few minutes in the past so a client or server whose clock is slightly
// behind the CA's does not reject a certificate issued a moment ago.
const BACKDATE_MS = 5 * 60 * 1000;
const DAY_MS = 24 * 60 * 60 * 1000;

/** Throws PKI_BAD_DAYS unless `days` is a whole number of days between 1 and 100 years. */
export function checkDays(days: number, what: string): number {
  if (!Number.isInteger(days) || days < 1 || days > 36500) {
    throw new PkiError('PKI_BAD_DAYS', `${what} must be a whole number of days between 1 and 36500, got ${days}`);
  }
  return days;
}

/**
 * notBefore/notAfter of a certificate valid for `days` from `now`. When `limit` (the CA's own
 * notAfter) comes first, the certificate ends there: outliving the issuer buys nothing, since
 * verification fails once the CA has expired.
 */
export function validity(now: Date, days: number, limit?: Date): { notBefore: Date; notAfter: Date } {
  const notBefore = new Date(now.getTime() - BACKDATE_MS);
  let notAfter = new Date(now.getTime() + days * DAY_MS);
  if (limit && limit.getTime() < notAfter.getTime()) notAfter = new Date(limit.getTime());
  return { notBefore, notAfter };
}

/** `now` plus whole days. */
export function addDays(now: Date, days: number): Date {
  return new Date(now.getTime() + days * DAY_MS);
}
