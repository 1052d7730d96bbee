/**
 * The Docker API listener: mutual TLS (>= 1.2, client certificate required and verified against
 * the CA), then the request and upgrade paths. Owns connection tracking and graceful shutdown.
 * Parser refusals are unparsable-request.ts, the count of exchanges shutdown waits for
 * exchanges-in-flight.ts, the partial-chain context partial-chain.ts.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import type { PeerCertificate, TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../config/types.js';
import type { Observer, RefusedCertificate } from '../core/observer.js';
import { lingerOnClose } from '../http/linger.js';
import { createForwarder } from '../proxy/forwarder.js';
import type { UpstreamTarget } from '../proxy/upstream-target.js';
import { createDaemonClient } from '../tenancy/daemon-client.js';
import type { DaemonApiRange } from '../runtime/daemon-api-range.js';
import type { Tenancy } from '../tenancy/hook.js';
import type { Gatekeeper } from './gatekeeper.js';
import { GatewayResponse } from './gateway-response.js';
import { limitHandshakeSources } from './source-limits.js';
import { refusedCertificate } from './peer-certificate.js';
import { createRequestHandler } from './handle-request.js';
import { createUpgradeHandler } from './handle-upgrade.js';
import type { HandlerDeps } from './handler-deps.js';
import { closeUntrustedConnections, replacedBundles } from './ca-trust.js';
import { isRevoked, peerDer } from './revoked.js';
import { expiredCrlOfChain, expiredCrlRefusal } from './crl-expired-chain.js';
import { bindIdentity } from './peer-identity.js';
import type { TlsMaterial } from './tls-material.js';
import { BodyBudget } from './body-budget.js';
import { answerPlainHttp } from './plain-http-answer.js';
import { IdentityRequests } from './identity-requests.js';
import { UnreadAnswers } from './unread-answers.js';
import { IdentityStreams } from './identity-streams.js';
import { checkContinue } from './expect-continue.js';
import { cutConnection } from './connection-cuts.js';
import { HTTP1_ALPN_PROTOCOLS } from '../http/alpn.js';
import { bundleLinks, chainExpiry, type ChainExpiry } from './chain-expiry.js';
import { watchExpiry } from './connection-expiry.js';
import { trackExchanges } from './exchanges-in-flight.js';
import { usePartialChain } from './partial-chain.js';
import { refuseUnparsable, type ParsedRequests } from './unparsable-request.js';
import { verifiedChain } from './verified-chain.js';

/** A running Docker API listener. */
export interface GatewayServer {
  readonly server: Server;
  /** The bound address (the real port when the config asked for port 0). */
  address(): { host: string; port: number };
  /** Swap the TLS material for new handshakes; open connections keep theirs. */
  setTlsMaterial(material: TlsMaterial): void;
  /** Open verified client connections (for revocation checks). */
  connections(): Set<TLSSocket>;
  /**
   * Stop accepting, let in-flight requests finish within `graceMs`, then close everything and
   * wait (at most `settleMs`) until every exchange cut off reported to the observer, so its
   * audit record is written before the audit log closes. Resolves with how many never did.
   */
  shutdown(graceMs: number, settleMs?: number): Promise<{ unreported: number }>;
}

/** What the listener needs, passed in once. */
export interface GatewayServerDeps {
  config: GatewayConfig;
  tls: TlsMaterial;
  target: UpstreamTarget;
  gatekeeper: () => Gatekeeper;
  observer: Observer;
  /** Ownership, visibility and quotas (src/tenancy); absent = off. */
  tenancy?: Tenancy;
  /** The daemon's API versions: a prefix outside them is answered as dockerd answers it. */
  apiRange: DaemonApiRange;
}

/** How long shutdown waits, after cutting every connection, for the exchanges to report. */
const SETTLE_MS = 3000;

/** Idle time before the first TCP keep-alive probe on a client connection. */
export const CLIENT_KEEPALIVE_DELAY_MS = 30_000;

/** Create the listener and start listening. */
export async function startGatewayServer(deps: GatewayServerDeps): Promise<GatewayServer> {
  const { config, target } = deps;
  const exchanges = trackExchanges(deps.observer);
  const observer = exchanges.observer;
  let draining = false;
  const sessions = new Set<Duplex>();
  const connections = new Set<TLSSocket>();
  /** Every connection's 'close' listener: one function, not a closure per connection. */
  function connectionClosed(this: TLSSocket): void {
    connections.delete(this);
    observer.connectionClosed();
  }
  const forwarder = createForwarder(target, { streamedBodyIdleMs: config.limits.streamedBodyIdleMs });

  const server = createServer({
    ...deps.tls.options,
    // Each answer carries its request's id, written into its head (gateway-response.ts).
    ServerResponse: GatewayResponse,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // Streams (logs -f, events, attach) may be idle for hours: no request or socket timeout.
    requestTimeout: 0,
    headersTimeout: config.limits.headersTimeoutMs,
    // A peer that never finishes its handshake holds a file descriptor: not for Node's 120 s.
    handshakeTimeout: config.limits.headersTimeoutMs,
    keepAliveTimeout: config.limits.keepAliveTimeoutMs,
    // How often Node checks for slow header senders (headersTimeout is only enforced then).
    connectionsCheckingInterval: Math.min(1000, config.limits.headersTimeoutMs),
    // The gateway checks Host itself (src/http/host-header.ts), recording its 400; Node's
    // check answered before any event, leaving no record.
    requireHostHeader: false,
    // HTTP/1.1 and 1.0, never h2 (see alpn.ts).
    ALPNProtocols: [...HTTP1_ALPN_PROTOCOLS],
    // TCP keep-alive probes on every client connection: a client that vanished without a FIN or
    // a reset (a laptop gone to sleep, a dropped VPN) would otherwise hold its streams, their
    // daemon connections and its tenancy stream slots for good (streams have no timeout).
    keepAlive: true,
    keepAliveInitialDelay: CLIENT_KEEPALIVE_DELAY_MS,
  });
  server.timeout = 0;
  // Every header line reaches req.headers. Past maxHeadersCount (2000 by default) Node leaves
  // the rest out of req.headers yet still frames the body by a Content-Length or
  // Transfer-Encoding it left out: a GET with 999 filler headers before its Content-Length was
  // forwarded with its body after a head announcing none, and dockerd ran that body as further
  // requests no policy decided (found by the connection-framing review). The header size limit
  // (Node's 16 KiB) still bounds them.
  server.maxHeadersCount = 0;
  usePartialChain(server, deps.tls, config.tls.partialChain);

  // The material new handshakes are verified against; a handshake that began before a reload
  // completes against the old CRL, so its identity is checked against this one too.
  let material = deps.tls;
  // When it was put in force: tells a CRL installed expired from one that expired in force.
  let materialSince = new Date();
  // Likewise for a reload that changed the CA bundle (ca-trust.ts).
  const replaced = replacedBundles(config.limits.headersTimeoutMs + 1000);
  // Per source, before any TLS work: handshakes in progress, and a block after repeated failures
  // (source-limits.ts). A plain HTTP request instead of a ClientHello is answered in HTTP.
  const sources = limitHandshakeSources(server, {
    handshakesPerSource: config.limits.handshakesPerSource,
    handshakeFailuresPerSource: config.limits.handshakeFailuresPerSource,
    reports: observer,
    everyCaHasCrl: () => material.everyCaHasCrl,
    onRefused: (err, socket) => {
      if ((err as NodeJS.ErrnoException).code === 'ERR_SSL_HTTP_REQUEST') answerPlainHttp(socket);
    },
  });
  const refuseHandshake = sources.refuse;
  server.prependListener('secureConnection', (socket: TLSSocket) => {
    // Read while connected: Node keeps the peer's address, so a record written after the
    // client has gone (a parser refusal of its broken-off request) still names it.
    const address = socket.remoteAddress;
    // The certificate a refusal's log line names; read while the session is there.
    const presented = (): RefusedCertificate | undefined => {
      try {
        return refusedCertificate(socket.getPeerCertificate());
      } catch {
        return undefined;
      }
    };
    let identity;
    // One read of the certificate for the identity and the expiry below (its chain is taken
    // from tls.ca: verified-chain.ts).
    let peer: PeerCertificate;
    try {
      peer = socket.getPeerCertificate();
      identity = bindIdentity(socket, peer);
      if (isRevoked(identity, material, peerDer(socket, identity))) {
        refuseHandshake('revoked', `certificate serial ${identity.serial} of ${identity.issuer} is revoked by a CRL the gateway checks itself (revoked while its handshake was in progress, or by a new CRL not valid yet)`, address, socket.remotePort, presented());
        socket.destroy();
        return;
      }
      // A handshake that began before a reload installed an expired CRL (or before the CRL in
      // force reached its nextUpdate) was verified against a CRL valid then, and completes after
      // the sweep of open connections (crl-expiry-cuts.ts): refused as OpenSSL refuses the CA's
      // new handshakes (rev-fix-reload R1).
      const expiredCrl = expiredCrlOfChain(identity, material, new Date(), peerDer(socket, identity));
      if (expiredCrl) {
        refuseHandshake('other', expiredCrlRefusal(expiredCrl, materialSince, 'docker'), address, socket.remotePort, presented());
        socket.destroy();
        return;
      }
      const old = replaced.recent();
      const certificate = old ? presented() : undefined;
      if (old && closeUntrustedConnections([socket], old, material, config.tls.partialChain) > 0) {
        refuseHandshake('unknown-ca', `certificate of ${identity.name} (serial ${identity.serial}): its chain leads to no CA of the reloaded tls.ca, which changed while its handshake was in progress`, address, socket.remotePort, certificate);
        return;
      }
      observer.clientSeen(identity);
    } catch (err) {
      refuseHandshake('bad-usage', (err as Error).message, address, socket.remotePort, presented());
      socket.destroy();
      return;
    }
    connections.add(socket);
    observer.connectionOpened();
    // Closed after an answer with `Connection: close` without a reset that would lose that
    // answer's end: FIN, then what the client still sends is discarded, bounded (linger.ts).
    lingerOnClose(socket);
    socket.on('close', connectionClosed);
    // Cut when its certificate, or a CA of its chain, expires (connection-expiry.ts). The chain
    // as this handshake verified it: against the bundle in force now (or, for one under way
    // during a reload, a bundle it replaced; its CAs' dates count as the chain's own then).
    // A chain Node cannot read back (never seen: OpenSSL has parsed it) counts with the client's
    // own notAfter.
    let expiry: ChainExpiry | undefined;
    try {
      expiry = chainExpiry(verifiedChain(socket, peer, material.caCerts), bundleLinks(material.caCerts), config.tls.partialChain, Date.now());
    } catch {
      expiry = undefined;
    }
    const bound = identity;
    const ends = expiry ?? { notAfter: bound.notAfter.getTime(), depth: 0, subject: `CN=${bound.name}` };
    watchExpiry(socket, ends.notAfter, () => observer.connectionExpired({ identity: bound, notAfter: new Date(ends.notAfter), certificate: ends.depth === 0 ? 'client' : 'ca', subject: ends.subject }));
  });
  // Reported straight to the observer: these are not exchanges the shutdown waits for.
  const requests: ParsedRequests = { last: new WeakMap(), refused: new WeakSet() };
  server.on('clientError', (err: Error, socket: Duplex) => refuseUnparsable(deps.observer, err, socket, requests));
  const bodyBudget = new BodyBudget(config.limits.bufferedBodyBytes, config.limits.bufferedBodyBytesPerIdentity);
  const streams = new IdentityStreams(config.limits.streamsPerIdentity);
  const inProgress = new IdentityRequests(config.limits.requestsPerIdentity);
  // Look-ups that make no connection make the API range stale, as forwarded requests do.
  const daemon = createDaemonClient(target, undefined, undefined, (code) => deps.apiRange.notReached(code));
  const shared: HandlerDeps = { gatekeeper: deps.gatekeeper, observer, bodyLimit: config.limits.bodyBytes, bodyBudget, streams, bodyTimeoutMs: config.limits.bodyTimeoutMs, draining: () => draining, tenancy: deps.tenancy, daemon, apiRange: deps.apiRange };
  const handleRequest = createRequestHandler({ ...shared, forwarder, requests: inProgress, unreadAnswers: new UnreadAnswers(config.limits.bufferedBodyBytesPerIdentity) });
  const handleUpgrade = createUpgradeHandler({ ...shared, target, sessions });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    requests.last.set(req.socket, req);
    exchanges.started();
    handleRequest(req, res);
  });
  // Expect: 100-continue: the 100 goes out only once the body is to be read, and only where
  // dockerd would send one (expect-continue.ts).
  server.on('checkContinue', (req: IncomingMessage, res: ServerResponse) => {
    checkContinue(req, res);
    server.emit('request', req, res);
  });
  // Any other Expect value: Node would answer 417 itself, unseen and unrecorded, and keep the
  // connection. The request handler decides as dockerd does (expect-header.ts): an empty value
  // is served, any other refused `bad-expect` and the connection closed.
  server.on('checkExpectation', (req: IncomingMessage, res: ServerResponse) => server.emit('request', req, res));
  server.on('upgrade', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    exchanges.started();
    handleUpgrade(req, socket, head);
  });
  // CONNECT (Node closes the connection silently without a listener): refused like any request
  // the facts cannot place, with an answer and a record.
  server.on('connect', (req: IncomingMessage, socket: Duplex, head: Buffer) => {
    exchanges.started();
    handleUpgrade(req, socket, head);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.listen.port, config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });

  return {
    server,
    address() {
      const a = server.address();
      return typeof a === 'object' && a ? { host: a.address, port: a.port } : { host: config.listen.host, port: config.listen.port };
    },
    setTlsMaterial(next) {
      server.setSecureContext({ ...next.options, minVersion: 'TLSv1.2' });
      usePartialChain(server, next, config.tls.partialChain);
      replaced.replaced(material.caCerts, next.caCerts);
      material = next;
      materialSince = new Date();
    },
    connections: () => connections,
    async shutdown(graceMs, settleMs = SETTLE_MS) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Streams and hijacked sessions never finish by themselves: they are ended at the deadline.
      const started = Date.now();
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([closed, deadline]);
      // Every client connection closed within the grace period: what is left open is a request
      // whose client left while tenancy's lock waits for the daemon's answer (dockerd carries it
      // out anyway), which closing the forwarder would record as failed: it gets the rest of it.
      const left = graceMs - (Date.now() - started);
      if (left > 0) await exchanges.settled(left);
      // Cut as `shutdown`, so the records of the exchanges open on them say so.
      for (const s of sessions) cutConnection(s, 'shutdown');
      for (const c of connections) cutConnection(c, 'shutdown');
      server.closeAllConnections();
      forwarder.close();
      // Cut-off streams and sessions report from their 'close' events, which come after this.
      return { unreported: await exchanges.settled(settleMs) };
    },
  };
}
