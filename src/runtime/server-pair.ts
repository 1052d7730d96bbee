/** The Docker listener's server certificate and key, as a TLS reload compares and keeps them. */
import type { TlsMaterial } from '../server/tls-material.js';
import type { ServerCertificateDates } from './server-certificate-dates.js';

/** The Docker listener's server certificate, as a reload compares it. */
export function serverDates(tls: TlsMaterial): ServerCertificateDates {
  return { fingerprint: tls.serverFingerprint, serial: tls.serverSerial, notBefore: tls.serverNotBefore, notAfter: tls.serverNotAfter };
}

/** `loaded` with the server certificate and key of `current`, which serves on. */
export function withServerPairOf(loaded: TlsMaterial, current: TlsMaterial): TlsMaterial {
  return {
    ...loaded,
    options: { ...loaded.options, cert: current.options.cert, key: current.options.key },
    serverNotAfter: current.serverNotAfter,
    serverNotBefore: current.serverNotBefore,
    serverFingerprint: current.serverFingerprint,
    serverSerial: current.serverSerial,
    expiring: [...current.expiring.filter((e) => e.kind === 'server certificate'), ...loaded.expiring.filter((e) => e.kind !== 'server certificate')],
  };
}
