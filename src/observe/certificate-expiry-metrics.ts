/**
 * `dockgate_certificate_expiry_timestamp_seconds`: when each certificate and CRL in force
 * expires, by kind and name. The series of the server, CA and CRL files follow each reload;
 * a client certificate's lasts while that client was seen recently (LRU and TTL bounded).
 */
import { Gauge, type Registry } from 'prom-client';
import { nameLabel } from './labels.js';
import { createRecentKeys } from './recent-keys.js';

/**
 * What an expiry gauge describes: a certificate, or a CRL (its nextUpdate). The `kind` label of dockgate_certificate_expiry_timestamp_seconds: the Docker listener's
 * `tls.*` files (`server`, `ca`, `crl`), client certificates, and the admin listener's own
 * `admin.tls.*` files (`admin-server`, `admin-ca`, `admin-crl`).
 */
export type CertificateKind = (typeof CERTIFICATE_KINDS)[number];

/** Every CertificateKind. */
export const CERTIFICATE_KINDS = ['server', 'ca', 'client', 'crl', 'admin-server', 'admin-ca', 'admin-crl'] as const;

/** Recording methods of the certificate expiry gauge. */
export interface CertificateExpiryMetrics {
  /** Expiry of a server/CA certificate or a CRL (or a client one; prefer `clientSeen` for those). */
  setCertificateExpiry(kind: CertificateKind, name: string, notAfter: Date): void;
  /**
   * The expiry series of `kind` become exactly `items`: series of that kind not named in it are
   * removed (a reload that drops a CA or a CRL must not leave its old expiry behind to alert on).
   */
  replaceCertificateExpiry(kind: Exclude<CertificateKind, 'client'>, items: ReadonlyArray<{ name: string; notAfter: Date }>): void;
  /** A verified client connected: refresh its certificate's expiry series (LRU/TTL bounded). */
  clientSeen(name: string, notAfter: Date): void;
}

/** How long client certificates keep their expiry series (MetricsOptions' fields of the same names). */
export interface ClientExpiryBounds {
  /** Clock in ms, for the client-certificate TTL (tests inject one). */
  now?: () => number;
  /** Client certificates not seen for this long lose their expiry series (default 24 h). */
  clientCertTtlMs?: number;
  /** At most this many client certificates keep an expiry series (default 1000). */
  clientCertMax?: number;
}

/** Register the certificate expiry gauge on `registry`. */
export function registerCertificateExpiryMetrics(registry: Registry, bounds: ClientExpiryBounds): CertificateExpiryMetrics {
  const registers = [registry];
  const certExpiry = new Gauge({
    name: 'dockgate_certificate_expiry_timestamp_seconds',
    help: 'Certificate notAfter (CRL: nextUpdate) as a Unix timestamp; client certificates only while seen recently',
    labelNames: ['kind', 'name'],
    registers,
    collect() {
      for (const key of recentClients.prune()) certExpiry.remove({ kind: 'client', name: key });
    },
  });

  const recentClients = createRecentKeys({
    ttlMs: bounds.clientCertTtlMs ?? 24 * 3600 * 1000,
    max: bounds.clientCertMax ?? 1000,
    now: bounds.now,
  });

  const seconds = (date: Date) => Math.floor(date.getTime() / 1000);
  /** Names with an expiry series, per kind other than `client` (those are in recentClients). */
  const fixedExpiry = new Map<CertificateKind, Set<string>>();
  function setFixedExpiry(kind: CertificateKind, name: string, notAfter: Date): void {
    const key = nameLabel(name);
    certExpiry.set({ kind, name: key }, seconds(notAfter));
    let names = fixedExpiry.get(kind);
    if (!names) fixedExpiry.set(kind, (names = new Set()));
    names.add(key);
  }

  function clientSeen(name: string, notAfter: Date): void {
    const key = nameLabel(name);
    certExpiry.set({ kind: 'client', name: key }, seconds(notAfter));
    for (const old of recentClients.touch(key)) certExpiry.remove({ kind: 'client', name: old });
  }

  return {
    setCertificateExpiry(kind, name, notAfter) {
      if (kind === 'client') return clientSeen(name, notAfter);
      setFixedExpiry(kind, name, notAfter);
    },
    replaceCertificateExpiry(kind, items) {
      const keep = new Set(items.map((i) => nameLabel(i.name)));
      for (const old of fixedExpiry.get(kind) ?? []) {
        if (keep.has(old)) continue;
        certExpiry.remove({ kind, name: old });
        fixedExpiry.get(kind)?.delete(old);
      }
      for (const i of items) setFixedExpiry(kind, i.name, i.notAfter);
    },
    clientSeen,
  };
}
