/**
 * The per-source handshake limits (source-guard.ts) wired to a TLS listener: the Docker API
 * listener and the admin listener with `admin.tls` each get their own. A connection from a
 * source over its limits is closed on arrival with a TLS access_denied alert, before any TLS
 * work; every refused handshake is classified and reported, and the ones the listener checked
 * and refused count against their source. Each listener keeps its own table: a source blocked
 * on one is not blocked on the other.
 */
import type { Socket } from 'node:net';
import type { Server, TLSSocket } from 'node:tls';
import { hostPort } from '../config/address.js';
import type { HandshakeFailure, HandshakeReports, RefusedCertificate } from '../core/observer.js';
import { classifyHandshakeError, classifyVerifyError, clientAlertDetail } from './handshake-failure.js';
import type { CrlListener } from './crl-listeners.js';
import { chainProblem, keepRefusedPeers, refusedCertificate } from './peer-certificate.js';
import { createSourceGuard, SOURCE_GUARD_TIMING, type SourceRefusal } from './source-guard.js';

/** Refusals that count against a source's `limits.handshakeFailuresPerSource`: handshakes the listener checked and refused. */
export const COUNTED_FAILURES: ReadonlySet<HandshakeFailure> = new Set(['no-certificate', 'unknown-ca', 'expired', 'revoked', 'bad-usage', 'protocol']);

/** A TLS alert record (fatal, access_denied), sent in the clear to a connection refused on arrival. */
const ACCESS_DENIED_ALERT = Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x31]);

/** The TCP socket under a server-side TLS socket (Node keeps it as `_parent`). */
export function parentOf(socket: TLSSocket): Socket | undefined {
  return (socket as TLSSocket & { _parent?: Socket | null })._parent ?? undefined;
}

/** The log detail of a connection closed on arrival. */
export function arrivalDetail(refusal: SourceRefusal): string {
  return refusal.kind === 'blocked'
    ? `closed on arrival: blocked after ${refusal.failures} failed handshakes from this source within 10 s (limits.handshakeFailuresPerSource)`
    : `closed on arrival: ${refusal.inProgress} handshakes of this source in progress (limits.handshakesPerSource)`;
}

/** Options of {@link limitHandshakeSources}. */
export interface SourceLimitsOptions {
  /** `limits.handshakesPerSource`. */
  handshakesPerSource: number;
  /** `limits.handshakeFailuresPerSource`. */
  handshakeFailuresPerSource: number;
  /** Where refused handshakes and blocked sources are reported. */
  reports: HandshakeReports;
  /** Whether the listener's CRLs cover every CA of its bundle (see classifyVerifyError); read at each refusal. */
  everyCaHasCrl: () => boolean;
  /** Which listener this is (`docker` unless given), so a refusal's detail names its files and peers. */
  listener?: CrlListener;
  /** Called for a refused handshake once it is reported, before its socket is destroyed. */
  onRefused?: (err: Error, socket: TLSSocket) => void;
}

/** The limits installed on one listener. */
export interface SourceLimits {
  /**
   * Report a handshake OpenSSL completed but the listener refused (a certificate revoked or
   * untrusted by a reload during its handshake); counted against its source like the others.
   * `certificate`: the client certificate it presented, for the log line.
   */
  refuse(reason: HandshakeFailure, detail: string, address: string | undefined, port: number | undefined, certificate?: RefusedCertificate): void;
}

/**
 * Install the limits on `server`: its `connection`, `secureConnection` and `tlsClientError`
 * events. The listener must not handle `tlsClientError` itself (use `onRefused`).
 */
export function limitHandshakeSources(server: Server, opts: SourceLimitsOptions): SourceLimits {
  const sources = createSourceGuard({ handshakesInProgress: opts.handshakesPerSource, failures: opts.handshakeFailuresPerSource, ...SOURCE_GUARD_TIMING });
  /** Connections closed on arrival, and why (their tlsClientError reports it). */
  const refusedOnArrival = new WeakMap<Socket, SourceRefusal>();
  /** Connections whose handshake counts as in progress for their source. */
  const handshaking = new WeakSet<Socket>();
  const settle = (raw: Socket | undefined): void => {
    if (raw && handshaking.delete(raw)) sources.settled(raw.remoteAddress);
  };
  // Each raw connection's 'close' listener: one function, not a closure per connection.
  function settleOnClose(this: Socket): void {
    settle(this);
  }
  /**
   * Report a refused handshake of the peer at `address`; one the listener checked and refused
   * counts against its source. Not counted: a connection that sent nothing, and one that went
   * before the listener refused it (`other`: the 20.10 docker CLI drops a handshake that takes
   * over 2 s, and many of them must not lock its host out).
   */
  const refuse = (reason: HandshakeFailure, detail: string, address: string | undefined, port: number | undefined, certificate?: RefusedCertificate): void => {
    opts.reports.handshakeFailed(reason, detail, address === undefined ? undefined : hostPort(address, port), certificate);
    if (!COUNTED_FAILURES.has(reason)) return;
    const block = sources.failed(address, reason);
    if (block) opts.reports.sourceBlocked(block.source, block.failures, block.reasons, SOURCE_GUARD_TIMING.blockMs);
  };
  // The certificate of a handshake that fails verification, read before Node drops the session.
  const refusedPeer = keepRefusedPeers(server);
  // The handshake is over: its place among its source's handshakes in progress is free.
  server.prependListener('secureConnection', (socket: TLSSocket) => settle(parentOf(socket)));
  // Also reads the peer's address as the TCP connection arrives: by a failed handshake's report
  // the socket may be closed, and Node no longer knows it.
  server.prependListener('connection', (raw: Socket) => {
    const refusal = sources.arrive(raw.remoteAddress);
    if (refusal) {
      refusedOnArrival.set(raw, refusal);
      // A fatal access_denied alert, in the clear, before anything of TLS: the docker CLI then
      // says "remote error: tls: access denied" rather than a bare EOF or reset. Destroyed as
      // soon as it is written: a socket left open would have its ClientHello answered (the
      // server's key exchange, the CPU this is meant to save).
      raw.write(ACCESS_DENIED_ALERT, () => raw.destroy());
      return;
    }
    handshaking.add(raw);
    raw.on('close', settleOnClose);
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    const raw = parentOf(socket);
    settle(raw);
    const address = raw?.remoteAddress;
    const port = raw?.remotePort;
    const refusal = raw && refusedOnArrival.get(raw);
    if (refusal) {
      refuse('source-limit', arrivalDetail(refusal), address, port);
      socket.destroy();
      return;
    }
    // A refused client certificate surfaces here as "socket hang up"; the reason is on the socket.
    const verifyCode = socket.authorizationError as unknown as string | undefined;
    if (verifyCode) {
      const peer = refusedPeer(socket);
      const { reason, detail } = classifyVerifyError(String(verifyCode), opts.everyCaHasCrl(), chainProblem(peer, opts.listener), opts.listener);
      refuse(reason, detail, address, port, refusedCertificate(peer));
    } else if (raw?.bytesRead === 0) {
      // Not a TLS client at all: a port scan, a load balancer's TCP check.
      refuse('no-hello', `the connection ended before it sent a byte (${err.message})`, address, port);
    } else {
      const reason = classifyHandshakeError(err);
      refuse(reason, reason === 'client-alert' ? clientAlertDetail(err) : err.message, address, port);
    }
    opts.onRefused?.(err, socket);
    socket.destroy();
  });
  return { refuse };
}
