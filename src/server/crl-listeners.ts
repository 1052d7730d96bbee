/**
 * The two listeners whose CRL state the gateway reports, and how each is worded: the Docker API
 * listener checks clients against `tls.crl`, the admin listener scrapers against `admin.tls.crl`.
 * The one place that spells them, for the `crl-lockout` lines (crl-lockouts.ts, lockout-log.ts),
 * the `crl-expired-connections-closed` lines (crl-cut-log.ts), the refusals of a handshake whose
 * chain's CRL has expired (crl-expired-chain.ts), the details of handshakes refused for a
 * missing or unusable CRL (handshake-failure.ts) or for a chain through a certificate that is
 * no CA (peer-certificate.ts chainProblem).
 */

/** A listener with its own CA and CRL files. */
export type CrlListener = 'docker' | 'admin';

/** How the lines and refusals about one listener's CRL state name it. */
export interface CrlListenerWording {
  /** The config key of its CRL file, as a refusal names it. */
  file: string;
  /** The config key of its CA bundle, as a refusal names it. */
  caFile: string;
  /** What its peers are called ("every client of that CA is refused"). */
  peers: string;
  /**
   * What a `crl-lockout` message starts with: the admin listener's names its file first; the
   * Docker listener's has no prefix.
   */
  lockoutPrefix: string;
  /** What a `crl-expired-connections-closed` message calls the connections it closed. */
  openConnections: string;
  /** What that message calls the CRL in force: the admin listener's names its file; the Docker listener's does not. */
  crlInForce: string;
  /** The fields a log line adds to say which listener it is about (the Docker listener's add none). */
  logFields: { listener?: 'admin' };
}

/** Each listener's wording. */
export const CRL_LISTENERS: Readonly<Record<CrlListener, Readonly<CrlListenerWording>>> = {
  docker: { file: 'tls.crl', caFile: 'tls.ca', peers: 'client', lockoutPrefix: '', openConnections: 'open connections', crlInForce: 'the CRL in force', logFields: {} },
  admin: {
    file: 'admin.tls.crl',
    caFile: 'admin.tls.ca',
    peers: 'scraper',
    lockoutPrefix: 'admin.tls.crl: ',
    openConnections: 'open admin connections',
    crlInForce: 'the CRL in force (admin.tls.crl)',
    logFields: { listener: 'admin' },
  },
};
