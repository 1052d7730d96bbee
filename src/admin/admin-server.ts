/**
 * The admin listener: Prometheus metrics and health probes on their own address, never the
 * Docker API (and the Docker listener never serves these). Optional TLS, with client
 * certificates required when a CA is configured, checked against an optional CRL, and open
 * connections checked again when a reload changes the CA bundle, and cut when the CRL of a CA
 * of their chain expires (admin-crl-expiry.ts). With TLS, the Docker
 * listener's per-source handshake limits apply, in a table of its own (source-limits.ts).
 */
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import express from 'express';
import type { Registry } from 'prom-client';
import { DEFAULTS } from '../config/defaults.js';
import type { AdminConfig, LimitsConfig } from '../config/types.js';
import { nullObserver, type HandshakeReports } from '../core/observer.js';
import { refusedCertificate } from '../server/peer-certificate.js';
import { limitHandshakeSources } from '../server/source-limits.js';
import { expireIfDue, watchExpiry } from '../server/connection-expiry.js';
import { closeUntrustedPeers, fingerprintOf, replacedBundles } from '../server/ca-trust.js';
import { rememberCrls, type CrlHistory } from '../runtime/crl-history.js';
import { pendingCrl, type PendingCrl } from '../runtime/crl-pending.js';
import { crlRollback } from '../runtime/crl-rollback.js';
import { outOfDateReplacement, type RefusedServerCertificate } from '../runtime/server-certificate-dates.js';
import { loadAdminTls, withAdminCrlsOf, type AdminTlsMaterial } from './admin-tls.js';
import { expiredAdminCrlRefusal, watchAdminCrlExpiry } from './admin-crl-expiry.js';
import { isLoopbackAddress } from './loopback-host.js';
import { createAdminApp, type ReadinessReport } from './admin-app.js';
import { connectionRevoked } from './admin-connection-revoked.js';
import { HTTP1_ALPN_PROTOCOLS } from '../http/alpn.js';

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  config: AdminConfig;
  registry: Registry;
  readiness: () => Promise<ReadinessReport>;
  /**
   * `config.tls` already loaded and checked (startGateway does so with the rest of the
   * configuration, before anything listens); read here when absent.
   */
  tlsMaterial?: AdminTlsMaterial;
  /** With TLS: the per-source handshake limits (`limits.handshakesPerSource`, `limits.handshakeFailuresPerSource`); their defaults when absent. */
  limits?: Pick<LimitsConfig, 'handshakesPerSource' | 'handshakeFailuresPerSource'>;
  /** With TLS: where refused handshakes and blocked sources are reported; nowhere when absent. */
  handshakes?: HandshakeReports;
  /**
   * With a CRL: hears of each open connection closed because a reloaded `admin.tls.crl` revokes
   * its certificate (at its next request), with that certificate's CN and serial, to be logged.
   */
  revokedClosed?: (certificate: { cn?: string; serial: string }) => void;
  /**
   * With client certificates: hears of each open connection cut because its client
   * certificate reached its notAfter (watchExpiry, as on the Docker listener), to be logged.
   */
  expiredClosed?: (certificate: { cn?: string; serial: string }, notAfter: string) => void;
  /**
   * With a CRL: hears of the open connections cut because the CRL in force of a CA of their
   * chain has expired at its nextUpdate (admin-crl-expiry.ts), how many and `<CN> (serial <hex>):
   * <count>` for each certificate, to be logged. Those cut by a reload that installed an expired
   * CRL are in that reload's result instead (AdminTlsReload.crlExpiredClosed), so the caller can
   * say the reload first and the cut after.
   */
  crlExpiredClosed?: (count: number, certificates: string[]) => void;
}

/** A running admin listener. */
export interface AdminServer {
  /** The bound address (the real port when the config asked for port 0). */
  address: { host: string; port: number };
  /**
   * Whether the bound address is loopback (isLoopbackAddress in loopback-host.ts), however the
   * configuration spelled it; without TLS, only a loopback `Host` is then answered.
   */
  loopback: boolean;
  /**
   * Re-read `admin.tls` and use it for new handshakes; requests on open connections are
   * checked against the new CRL, and when the CA bundle changed, open connections whose client
   * chain leads to no CA of the new one are closed. Throws (the old material stays) when the
   * files are wrong. Resolves to the warnings to log and how many connections were closed for
   * the CA change. A new server certificate outside its validity is refused while the rest
   * goes into force (server-certificate-dates.ts), and said in the result. A new CRL not valid
   * yet while its CA's CRL in force is valid is held, as on the Docker listener (crl-pending.ts):
   * that CA's CRL in force stays in the TLS context, the held CRL's revocations are checked by
   * the listener itself, and it is said in the result (the caller reads the files again at its
   * thisUpdate). A CRL put in force that has expired cuts the open connections of its CA
   * within the reload, said in the result. A reload a newer one overtook installs nothing and
   * says so (AdminTlsReload.overtaken). A no-op without TLS.
   */
  reloadTls(): Promise<AdminTlsReload>;
  /** Problems of the TLS material loaded at start that will refuse scrapers; to be logged. */
  tlsWarnings: string[];
  /**
   * The `admin.tls` material in force now (replaced by each reload that puts new material in
   * force); undefined without TLS. For the expiry gauge, the `tls-expiry` warnings and readiness.
   */
  tlsInForce(): AdminTlsMaterial | undefined;
  /** Stop accepting and drop open connections (scrapers hold keep-alive sockets). */
  close(): Promise<void>;
}

/** What an admin TLS reload did: warnings to log, and connections closed for a changed CA. */
export interface AdminTlsReload {
  warnings: string[];
  /** Open connections whose client chain leads to no CA of the new `admin.tls.ca`, closed. */
  closedUntrusted: number;
  /** A new server certificate outside its validity, not put in force (the one in force serves on). */
  refusedServerCertificate?: RefusedServerCertificate;
  /** New CRLs of `admin.tls.crl` not valid yet, held (crl-pending.ts): to be read again at `validFrom`. */
  pendingCrl?: PendingCrl;
  /**
   * Open connections cut because a CRL this reload put in force has expired: how many, and
   * `<CN> (serial <hex>): <count>` for each certificate (at most 50). Absent when none was.
   */
  crlExpiredClosed?: { count: number; certificates: string[] };
  /**
   * True when a newer reload put its material in force before this one finished: this one's
   * material was not installed, so it has nothing to say (no warnings, refusal or held CRL) and
   * its caller reports nothing, as the Docker listener's reload does (docker-tls-reload.ts).
   */
  overtaken?: true;
}

/** How long a scraper's TLS handshake may take. */
const ADMIN_HANDSHAKE_TIMEOUT_MS = 10_000;

/**
 * How long a request's head may take to arrive, and the whole request (no endpoint takes a
 * body, admin-app.ts), checked every second: Node's defaults (60 s for the head, checked every
 * 30 s, and 300 s for the request) let a client that sends nothing, or a head a byte at a time,
 * hold its connection for up to 90 s, and one with a trickling body for 300 s. A scraper sends
 * its request at once.
 */
const ADMIN_REQUEST_TIMEOUTS = { headersTimeout: 10_000, requestTimeout: 10_000, connectionsCheckingInterval: 1000 } as const;

/** Start the admin listener on `config.listen`; resolves once it is listening. */
export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const tls = opts.config.tls;
  let material = tls ? (opts.tlsMaterial ?? (await loadAdminTls(tls))) : undefined;
  // When it was put in force: tells a CRL installed expired from one that expired in force.
  let materialSince = new Date();
  const app = express();
  // The outer app answers nothing itself, but express sets its own X-Powered-By on every
  // response before the inner app's helmet can remove it (rev-observe F2).
  app.disable('x-powered-by');
  // Before any route: a connection whose certificate a CRL loaded since its handshake revokes
  // gets nothing more (a scraper's keep-alive connection outlives a reload).
  app.use((req, _res, next) => {
    // Past its notAfter before the timer cut it (a busy event loop): nothing more either.
    if (expireIfDue(req.socket)) return;
    const revocation = material?.revocation;
    if (revocation && revocation.revocations.some((r) => r.serials.size > 0) && connectionRevoked(req.socket as TLSSocket, revocation)) {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      const cn = peer?.subject?.CN;
      opts.revokedClosed?.({ ...(typeof cn === 'string' ? { cn } : {}), serial: (peer?.serialNumber ?? '').toLowerCase() });
      req.socket.destroy();
      return;
    }
    next();
  });
  // Without TLS, a page rebound to 127.0.0.1 could read a loopback listener; with TLS, the
  // browser refuses the certificate for the page's name. The address bound decides, once
  // listening (no request comes before): the configured text may be a name, or spell loopback
  // in a way no text test knows.
  let loopback = true;
  app.use(createAdminApp({ ...opts, tls: tls !== undefined, loopbackHostsOnly: () => !material && loopback }));
  let server: http.Server;
  if (material) {
    const clientCerts = material.revocation ? { requestCert: true, rejectUnauthorized: true } : {};
    // A peer that stalls its handshake is dropped after 10 s: Node only reports the timeout
    // (tlsClientError), and without the destroy the handshake would go on and hold its fd.
    server = https.createServer({ ...material.options, ...clientCerts, ...ADMIN_REQUEST_TIMEOUTS, handshakeTimeout: ADMIN_HANDSHAKE_TIMEOUT_MS, ALPNProtocols: [...HTTP1_ALPN_PROTOCOLS] }, app);
  } else {
    server = http.createServer({ ...ADMIN_REQUEST_TIMEOUTS }, app);
  }
  // With client certificates: the open connections and the certificate each was admitted with,
  // for the sweep after a reload that changed `ca`; a handshake under way during that reload
  // is checked when it completes (ca-trust.ts).
  const open = new Map<TLSSocket, string>();
  const replaced = replacedBundles(ADMIN_HANDSHAKE_TIMEOUT_MS + 1000);
  // Per source, before any TLS work, as on the Docker listener: a host that can reach a
  // non-loopback admin address must not hold unlimited handshakes in progress, nor fail them
  // at no cost. Without TLS there is no handshake to limit (see docs/deployment.md).
  const sources = material
    ? limitHandshakeSources(server as https.Server, {
        handshakesPerSource: opts.limits?.handshakesPerSource ?? DEFAULTS.handshakesPerSource,
        handshakeFailuresPerSource: opts.limits?.handshakeFailuresPerSource ?? DEFAULTS.handshakeFailuresPerSource,
        reports: opts.handshakes ?? nullObserver,
        everyCaHasCrl: () => material?.everyCaHasCrl ?? false,
        listener: 'admin',
      })
    : undefined;
  if (material?.revocation) {
    server.prependListener('secureConnection', (socket: TLSSocket) => {
      const peer = socket.getPeerCertificate();
      if (!peer?.raw || !material) {
        socket.destroy();
        return;
      }
      const fingerprint = fingerprintOf(peer);
      const old = replaced.recent();
      if (old && closeUntrustedPeers(new Map([[socket, fingerprint]]), old, material) > 0) {
        sources?.refuse('unknown-ca', `client certificate (sha256 ${fingerprint}): its chain leads to no CA of the reloaded admin.tls.ca, which changed while its handshake was in progress`, socket.remoteAddress, socket.remotePort);
        return;
      }
      // Revocations OpenSSL did not check: a held CRL's (not valid yet), as on the Docker listener.
      const revocation = material.revocation;
      if (revocation && revocation.revocations.some((r) => r.serials.size > 0) && connectionRevoked(socket, revocation)) {
        sources?.refuse('revoked', `client certificate serial ${peer.serialNumber.toLowerCase()} is revoked by a CRL the admin listener checks itself (a new admin.tls.crl not valid yet, or revoked while its handshake was in progress)`, socket.remoteAddress, socket.remotePort, refusedCertificate(peer));
        socket.destroy();
        return;
      }
      // Verified against a CRL valid then, completing once it has expired (after the watch's
      // sweep): refused as OpenSSL refuses the CA's new handshakes, as on the Docker listener.
      const crlExpired = expiredAdminCrlRefusal(socket, material, new Date(), materialSince);
      if (crlExpired) {
        sources?.refuse('other', crlExpired, socket.remoteAddress, socket.remotePort, refusedCertificate(peer));
        socket.destroy();
        return;
      }
      open.set(socket, fingerprint);
      socket.once('close', () => open.delete(socket));
      // A scraper's keep-alive connection outlives its certificate: cut at its notAfter, as on
      // the Docker listener (the client certificate's own; the admin CA's is not followed).
      const notAfter = Date.parse(peer.valid_to);
      const cn = peer.subject?.CN;
      watchExpiry(socket, notAfter, () => opts.expiredClosed?.({ ...(typeof cn === 'string' ? { cn } : {}), serial: peer.serialNumber.toLowerCase() }, new Date(notAfter).toISOString()));
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.config.listen.port, opts.config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  loopback = isLoopbackAddress(bound.address);
  // Past a CRL's nextUpdate its CA's new handshakes are refused, and its open connections cut.
  // A reload's own cut goes to its result (set while its check runs), to be said after it.
  let reloadCut: ((count: number, certificates: string[]) => void) | undefined;
  const crlExpiry = material?.revocation
    ? watchAdminCrlExpiry({ material: () => material, connections: () => open.keys(), closed: (count, certificates) => (reloadCut ?? opts.crlExpiredClosed)?.(count, certificates) })
    : undefined;
  crlExpiry?.check();
  // Per CA, the newest CRL of admin.tls.crl loaded since start, as on the Docker listener (crl-history.ts).
  let crlHistory: CrlHistory = rememberCrls(new Map(), material?.crls ?? [], new Date());
  let reloadsStarted = 0;
  let reloadInstalled = 0;
  return {
    address: { host: bound.address, port: bound.port },
    loopback,
    tlsWarnings: material?.warnings ?? [],
    tlsInForce: () => material,
    async reloadTls() {
      if (!tls) return { warnings: [], closedUntrusted: 0 };
      // Reloads overlap (cert and key written a moment apart): a slow older read must not
      // replace what a newer one installed.
      const seq = ++reloadsStarted;
      const loaded = await loadAdminTls(tls);
      const now = new Date();
      // As for the Docker listener: an older CRL would lift revocations made since.
      const rollback = crlRollback(material?.crls ?? [], loaded.crls, now, crlHistory);
      if (rollback) throw new Error(`${tls.crl ?? 'admin.tls.crl'}: ${rollback}`);
      // As for the Docker listener: a CRL not valid yet would refuse every scraper of its CA
      // (CRL_NOT_YET_VALID); that CA's CRL in force stays, and its revocations are checked here.
      const held = pendingCrl(material?.crls ?? [], loaded.crls, now, `admin.tls.crl ${tls.crl ?? ''}`.trim());
      const withCrl = held && material ? withAdminCrlsOf(loaded, material, held.cas) : loaded;
      // As for the Docker listener: a server certificate scrapers would refuse does not replace
      // a working one, and the CA bundle and CRL go into force all the same.
      const refused = outOfDateReplacement(material?.server, withCrl.server, now, tls.cert);
      const next = refused && material
        ? { ...withCrl, options: { ...withCrl.options, cert: material.options.cert, key: material.options.key }, server: material.server, expiring: [...material.expiring.filter((e) => e.kind === 'server certificate'), ...withCrl.expiring.filter((e) => e.kind !== 'server certificate')] }
        : withCrl;
      if (seq < reloadInstalled) return { warnings: [], closedUntrusted: 0, overtaken: true };
      const said = { ...(refused ? { refusedServerCertificate: refused } : {}), ...(held ? { pendingCrl: held } : {}) };
      reloadInstalled = seq;
      (server as https.Server).setSecureContext(next.options);
      const previous = material;
      if (previous) replaced.replaced(previous.caCerts, next.caCerts);
      material = next;
      materialSince = now;
      // The held CRLs too: no reload may go behind them while they wait (crl-history.ts).
      crlHistory = rememberCrls(crlHistory, next.crls, now, held?.crls);
      const closedUntrusted = previous ? closeUntrustedPeers(open, previous, next) : 0;
      let cut: AdminTlsReload['crlExpiredClosed'];
      reloadCut = (count, certificates) => (cut = { count, certificates });
      try {
        crlExpiry?.check();
      } finally {
        reloadCut = undefined;
      }
      return { warnings: next.warnings, closedUntrusted, ...said, ...(cut ? { crlExpiredClosed: cut } : {}) };
    },
    close() {
      crlExpiry?.stop();
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
