/**
 * The Docker API listener: mutual TLS (>= 1.2, client certificate required and verified against
 * the CA), then the request and upgrade paths. Owns connection tracking and graceful shutdown.
 */
import { createServer, type Server } from 'node:https';
import type { Duplex } from 'node:stream';
import { createSecureContext, type SecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import type { GatewayConfig } from '../config/types.js';
import type { Observer } from '../core/observer.js';
import { createForwarder } from '../proxy/forwarder.js';
import type { UpstreamTarget } from '../proxy/upstream-target.js';
import type { Tenancy } from '../tenancy/hook.js';
import type { Gatekeeper } from './gatekeeper.js';
import { classifyHandshakeError, classifyVerifyError } from './handshake-failure.js';
import { createRequestHandler } from './handle-request.js';
import { createUpgradeHandler } from './handle-upgrade.js';
import { bindIdentity } from './peer-identity.js';
import type { TlsMaterial } from './tls-material.js';

/** A running Docker API listener. */
export interface GatewayServer {
  readonly server: Server;
  /** The bound address (the real port when the config asked for port 0). */
  address(): { host: string; port: number };
  /** Swap the TLS material for new handshakes; open connections keep theirs. */
  setTlsMaterial(material: TlsMaterial): void;
  /** Open verified client connections (for revocation checks). */
  connections(): Set<TLSSocket>;
  /** Stop accepting, let in-flight requests finish within `graceMs`, then close everything. */
  shutdown(graceMs: number): Promise<void>;
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
}

/**
 * With `tls.partialChain`, replace the server's shared context by one built with OpenSSL's
 * partial-chain mode. Node 20's createSecureContext knows `allowPartialTrustChain`, but neither
 * createServer nor setSecureContext pass it through, so the context the server hands every new
 * connection (`_sharedCreds`) is set here, after each of them.
 */
function usePartialChain(server: Server, material: TlsMaterial, enabled: boolean): void {
  if (!enabled) return;
  const options = { ...material.options, minVersion: 'TLSv1.2', allowPartialTrustChain: true } as SecureContextOptions;
  (server as Server & { _sharedCreds: SecureContext })._sharedCreds = createSecureContext(options);
}

/** Create the listener and start listening. */
export async function startGatewayServer(deps: GatewayServerDeps): Promise<GatewayServer> {
  const { config, observer, target } = deps;
  let draining = false;
  const sessions = new Set<Duplex>();
  const connections = new Set<TLSSocket>();
  const forwarder = createForwarder(target);

  const server = createServer({
    ...deps.tls.options,
    requestCert: true,
    rejectUnauthorized: true,
    minVersion: 'TLSv1.2',
    // Streams (logs -f, events, attach) may be idle for hours: no request or socket timeout.
    requestTimeout: 0,
    headersTimeout: config.limits.headersTimeoutMs,
    keepAliveTimeout: config.limits.keepAliveTimeoutMs,
    // How often Node checks for slow header senders (headersTimeout is only enforced then).
    connectionsCheckingInterval: Math.min(1000, config.limits.headersTimeoutMs),
    // HTTP/1.1 only: never negotiate h2 with clients (the daemon is always spoken to in HTTP/1.1).
    ALPNProtocols: ['http/1.1'],
  });
  server.timeout = 0;
  usePartialChain(server, deps.tls, config.tls.partialChain);

  server.prependListener('secureConnection', (socket: TLSSocket) => {
    try {
      const identity = bindIdentity(socket);
      observer.clientSeen(identity);
    } catch (err) {
      observer.handshakeFailed('bad-usage', (err as Error).message);
      socket.destroy();
      return;
    }
    connections.add(socket);
    observer.connectionOpened();
    socket.once('close', () => {
      connections.delete(socket);
      observer.connectionClosed();
    });
  });
  server.on('tlsClientError', (err: Error, socket: TLSSocket) => {
    // A refused client certificate surfaces here as "socket hang up"; the reason is on the socket.
    const verifyCode = socket.authorizationError as unknown as string | undefined;
    if (verifyCode) {
      const { reason, detail } = classifyVerifyError(String(verifyCode));
      observer.handshakeFailed(reason, detail);
    } else observer.handshakeFailed(classifyHandshakeError(err), err.message);
    socket.destroy();
  });
  server.on('clientError', (_err: Error, socket: Duplex) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Type: application/json\r\n\r\n{"message":"dockgate: malformed HTTP request"}\n');
    else socket.destroy();
  });
  server.on('request', createRequestHandler({ gatekeeper: deps.gatekeeper, forwarder, observer, bodyLimit: config.limits.bodyBytes, draining: () => draining, tenancy: deps.tenancy }));
  server.on('upgrade', createUpgradeHandler({ gatekeeper: deps.gatekeeper, target, observer, bodyLimit: config.limits.bodyBytes, draining: () => draining, sessions, tenancy: deps.tenancy }));

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
    setTlsMaterial(material) {
      server.setSecureContext({ ...material.options, minVersion: 'TLSv1.2' });
      usePartialChain(server, material, config.tls.partialChain);
    },
    connections: () => connections,
    async shutdown(graceMs) {
      draining = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections();
      // Streams and hijacked sessions never finish by themselves: they are ended at the deadline.
      const deadline = new Promise<void>((resolve) => setTimeout(resolve, graceMs).unref());
      await Promise.race([closed, deadline]);
      for (const s of sessions) s.destroy();
      server.closeAllConnections();
      for (const c of connections) c.destroy();
      forwarder.close();
    },
  };
}
