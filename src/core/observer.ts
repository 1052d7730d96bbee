/**
 * The observe stage's contract: the gateway reports what happened, the observer turns it
 * into metrics and audit records. The gateway never formats log lines or touches metrics itself.
 */
import type { Decision, Identity, Outcome, RequestFacts } from './types.js';

/** Every reason a TLS handshake fails for (dockgate_*tls_handshake_failures_total's `reason`). */
export const HANDSHAKE_FAILURES = ['source-limit', 'no-hello', 'client-alert', 'no-certificate', 'unknown-ca', 'expired', 'revoked', 'bad-usage', 'protocol', 'other'] as const;

/** Why a TLS handshake failed, bounded for a metric label. */
export type HandshakeFailure = (typeof HANDSHAKE_FAILURES)[number];

/** Final outcome of a request, including the ones the policy never saw. */
export type RequestOutcome = Outcome | 'malformed' | 'error';

/**
 * Why the gateway itself closed the client connection an exchange was open on: its certificate
 * was revoked by a reloaded CRL, its chain no longer leads to a CA of a reloaded `tls.ca`, its
 * certificate (or a CA of its chain) expired while it was open, the CRL in force of a CA of its
 * chain expired (`crl-expired`), the shutdown's grace period ended, or a streamed request body sent nothing for `limits.streamedBodyIdleMs` (`body-idle`).
 * Stable: the audit record's `endedBy`.
 */
export type EndedBy = (typeof ENDED_BY)[number];

/** Every EndedBy value (the audit record's `endedBy`). */
export const ENDED_BY = ['revoked', 'untrusted', 'expired', 'crl-expired', 'shutdown', 'body-idle'] as const;

/** What a connection cut for expiry reports (Observer.connectionExpired). */
export interface ExpiredConnection {
  /** The connection's identity. */
  identity: Identity;
  /** The notAfter that passed. */
  notAfter: Date;
  /** `client`: the client's own certificate; `ca`: a CA of its chain (named in `subject`). */
  certificate: 'client' | 'ca';
  /** The subject of the certificate that expired. */
  subject: string;
}

/** Everything known about one finished request; the observer writes exactly one audit record for it. */
export interface RequestRecord {
  /** Unique id, also sent to the client as `X-Dockgate-Request-Id`. */
  requestId: string;
  /** Wall-clock start, ms since the epoch. */
  startedAt: number;
  /** Remote address and port of the client. */
  client: string;
  /** Present whenever the TLS handshake succeeded (always on the Docker listener). */
  identity?: Identity;
  method: string;
  /** The raw request target (only logged after escaping; never a metric label). */
  rawTarget: string;
  /** Parsed facts; absent when the request was refused as malformed before parsing finished. */
  facts?: RequestFacts;
  /** The policy decision; absent for malformed or errored requests. */
  decision?: Decision;
  /** Version of the policy that decided (absent when no policy decided). */
  policyVersion?: string;
  outcome: RequestOutcome;
  /** HTTP status sent to the client (101 for hijacks). */
  status: number;
  /** Reason for malformed/error outcomes (or the decision's reason). */
  reason?: string;
  /** Request body bytes received from the client (and, for hijacks, all client->daemon bytes). */
  bytesIn: number;
  /** Response bytes sent to the client (and, for hijacks, all daemon->client bytes). */
  bytesOut: number;
  /** Milliseconds from request start until response headers were sent. */
  headersMs?: number;
  /** Milliseconds from request start until the exchange ended. */
  durationMs: number;
  /** True for hijacked (upgraded) exchanges and long-lived streams. */
  stream: boolean;
  /** Set when the exchange was still open on a connection the gateway cut (absent otherwise). */
  endedBy?: EndedBy;
  /** The first error talking to the daemon, `<kind>: <OS error>` (absent when there was none). */
  upstreamError?: string;
  /** Headers the client sent (the observer must drop secrets such as X-Registry-Auth). */
  headers?: Record<string, string | string[] | undefined>;
}

/**
 * The client certificate of a refused handshake, as its log line names it: what an operator
 * needs to tell which certificate is still being tried (after a revocation, say). Values as the
 * audit record's identity has them.
 */
export interface RefusedCertificate {
  /** The subject's CN (the first when there are several); absent when it has none. */
  cn?: string;
  /** Serial number, lowercase hex (Identity.serial). */
  serial: string;
  /** Issuer DN on one line (`CN=dockgate CA, O=Example`). */
  issuer: string;
  /** SHA-256 of the DER, lowercase hex without colons (the audit record's `fingerprint`). */
  fingerprint: string;
}

/** Sink for everything the data path reports. Every method must be cheap and must never throw. */
export interface Observer {
  connectionOpened(): void;
  connectionClosed(): void;
  /**
   * A refused handshake; `client` is the peer's address and port where known, `certificate`
   * the client certificate it presented, when the listener could read it.
   */
  handshakeFailed(reason: HandshakeFailure, detail: string, client?: string, certificate?: RefusedCertificate): void;
  /** A source's failed handshakes (`reasons`: how many of each) passed `limits.handshakeFailuresPerSource`: its new connections are closed for `forMs`. */
  sourceBlocked(source: string, failures: number, reasons: Record<string, number>, forMs: number): void;
  /** A verified client connected (for client-certificate expiry metrics). */
  clientSeen(identity: Identity): void;
  /** An open connection is being cut because its certificate, or a CA of its chain, expired. */
  connectionExpired(expired: ExpiredConnection): void;
  /** A stream or hijacked session started; call the returned function when it ends. */
  streamOpened(operation: string, hijack: boolean): () => void;
  /** A request could not reach the daemon (`unreachable`) or lost it (`failed`); `detail` is the OS error. */
  upstreamError(kind: string, detail?: string): void;
  requestFinished(record: RequestRecord): void;
}

/** Where a TLS listener reports the handshakes it refused and the sources it blocked. */
export type HandshakeReports = Pick<Observer, 'handshakeFailed' | 'sourceBlocked'>;

/** An observer that records nothing (tools and tests that need no metrics). */
export const nullObserver: Observer = {
  connectionOpened() {},
  connectionClosed() {},
  handshakeFailed() {},
  sourceBlocked() {},
  clientSeen() {},
  connectionExpired() {},
  streamOpened() {
    return () => {};
  },
  upstreamError() {},
  requestFinished() {},
};
