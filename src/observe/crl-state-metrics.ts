/**
 * The CRL state metrics: how many CRLs the Docker API listener checks, and per listener how many
 * CAs have every peer refused for their CRL state (runtime/crl-lockouts.ts).
 */
import { Gauge, type Registry } from 'prom-client';

/** Recording methods of the CRL state metrics. */
export interface CrlStateMetrics {
  /** How many CRLs the Docker API listener checks (`dockgate_tls_crls`); 0 without `tls.crl`: revocation is off. */
  setCrlsInForce(count: number): void;
  /**
   * Where `dockgate_tls_cas_refused{reason}` reads, at each scrape, how many CAs of `tls.ca` have
   * every client refused for their CRL state (runtime/crl-lockouts.ts): `no-crl`, `crl-expired`, `crl-not-yet-valid`.
   */
  watchCrlLockouts(counts: () => Record<string, number>): void;
  /**
   * Where `dockgate_admin_tls_cas_refused{reason}` reads, at each scrape, how many CAs of
   * `admin.tls.ca` have every scraper refused for their CRL state (the reasons of watchCrlLockouts).
   */
  watchAdminCrlLockouts(counts: () => Record<string, number>): void;
}

/** Register the CRL state metrics on `registry`; the refused CAs read 0 series until watched. */
export function registerCrlStateMetrics(registry: Registry): CrlStateMetrics {
  const registers = [registry];
  const crlsInForce = new Gauge({
    name: 'dockgate_tls_crls',
    help: 'CRLs in force on the Docker API listener (one per CA with a CRL in tls.crl); 0 without tls.crl: revocation is off, a revoked client certificate is accepted',
    registers,
  });
  let crlLockouts: () => Record<string, number> = () => ({});
  new Gauge({
    name: 'dockgate_tls_cas_refused',
    help: 'CAs of tls.ca whose every client the Docker API listener refuses for their CRL state, by reason: no-crl (none in tls.crl), crl-expired, crl-not-yet-valid',
    labelNames: ['reason'],
    registers,
    collect() {
      for (const [reason, n] of Object.entries(crlLockouts())) this.set({ reason }, n);
    },
  });
  let adminCrlLockouts: () => Record<string, number> = () => ({});
  new Gauge({
    name: 'dockgate_admin_tls_cas_refused',
    help: 'CAs of admin.tls.ca whose every scraper the admin listener refuses for their CRL state, by reason: no-crl (none in admin.tls.crl), crl-expired, crl-not-yet-valid',
    labelNames: ['reason'],
    registers,
    collect() {
      for (const [reason, n] of Object.entries(adminCrlLockouts())) this.set({ reason }, n);
    },
  });

  return {
    setCrlsInForce(count) {
      crlsInForce.set(count);
    },
    watchCrlLockouts(counts) {
      crlLockouts = counts;
    },
    watchAdminCrlLockouts(counts) {
      adminCrlLockouts = counts;
    },
  };
}
