/**
 * The validated, frozen gateway configuration. Produced only by `loadConfig`; every path in it
 * is absolute (relative paths in the file are resolved against the file's directory).
 */

/** A TCP address to listen on. */
export interface ListenAddress {
  /** Address to bind (`0.0.0.0`, `127.0.0.1`, `::`, ...), without IPv6 brackets. */
  host: string;
  /** TCP port; 0 lets the kernel pick one (the listening log line shows it). */
  port: number;
}

/** Where the Docker daemon is, DOCKER_HOST-style. */
export type Upstream =
  | { kind: 'unix'; path: string; url: string }
  | { kind: 'tcp'; host: string; port: number; url: string }
  | { kind: 'npipe'; path: string; url: string };

/** Server-side TLS material of the Docker API listener. */
export interface TlsConfig {
  /** CA bundle (PEM) that client certificates must chain to. */
  ca: string;
  /** Server certificate chain (PEM). */
  cert: string;
  /** Server private key (PEM). */
  key: string;
  /** Optional certificate revocation list (PEM), checked at every handshake. */
  crl?: string;
  /**
   * Accept a chain that ends at any certificate in `ca` (OpenSSL's partial-chain mode), so trust
   * can be limited to an intermediate: clients of the root's other branches are refused.
   */
  partialChain: boolean;
}

/** The admin listener (metrics, health). */
export interface AdminConfig {
  /** False when `admin: off`. */
  enabled: boolean;
  /** Where it listens (`admin`, or `admin.listen`; default 127.0.0.1:9376). */
  listen: ListenAddress;
  /** Optional TLS for the admin listener; client certificates required when `ca` is set. */
  tls?: AdminTlsConfig;
}

/** TLS of the admin listener (paths). Reloaded when a file changes, and on SIGHUP. */
export interface AdminTlsConfig {
  /** Server certificate (PEM). */
  cert: string;
  /** Its private key (PEM). */
  key: string;
  /** CA bundle scrapers' client certificates must chain to; without it, no client certificate is asked for. */
  ca?: string;
  /** CRL (PEM) checked at every handshake and every request; needs `ca`. */
  crl?: string;
}

/** Audit log destination. */
export interface AuditConfig {
  /** File to append JSON lines to; undefined means stdout. Reopened on SIGUSR1. */
  file?: string;
}

/** Metrics options. */
export interface MetricsConfig {
  /** Label request metrics with the caller's identity (turn off for large teams). */
  identityLabel: boolean;
}

/** Limits that keep clients from holding resources. */
export interface LimitsConfig {
  /** Largest request body the gateway will inspect; larger inspected bodies get 413. */
  bodyBytes: number;
  /** Most bytes of inspected bodies held at once for all clients; over it, 503 and the connection closed. */
  bufferedBodyBytes: number;
  /** Most bytes of inspected bodies held at once for one identity (CN); over it, 429 and the connection closed. */
  bufferedBodyBytesPerIdentity: number;
  /** Most streams and hijacked sessions one identity (CN) may have open at once; over it, 429. */
  streamsPerIdentity: number;
  /** Most other forwarded requests one identity (CN) may have in progress at once (sent to the daemon, answer not yet all relayed); over it, 429. */
  requestsPerIdentity: number;
  /** Most TLS handshakes one source address (an IPv6 /64) may have in progress at once; more connections are closed on arrival. */
  handshakesPerSource: number;
  /** Failed TLS handshakes one source may have within 10 s; past it, its new connections are closed on arrival for 30 s. */
  handshakeFailuresPerSource: number;
  /** Time a client has to send complete request headers, and to finish its TLS handshake (ms). */
  headersTimeoutMs: number;
  /** Time a client has to send a body the gateway inspects, once its headers are in (ms). */
  bodyTimeoutMs: number;
  /**
   * Most time a body the gateway streams to the daemon (a build context, `docker load`,
   * `import`, `cp` into a container) may send nothing while the gateway waits for it (ms);
   * then the connection is cut and the daemon request dropped. No limit on the whole upload.
   */
  streamedBodyIdleMs: number;
  /** Idle keep-alive connections are closed after this long (ms). */
  keepAliveTimeoutMs: number;
  /** On SIGTERM, in-flight requests get this long to finish (ms). */
  shutdownGraceMs: number;
}

/** The whole gateway configuration. */
export interface GatewayConfig {
  /** Absolute path of the config file, or undefined for the embedded default. */
  source?: string;
  /** sha256 (hex) of the config file's bytes as read at start; SIGHUP compares (config-change.ts). */
  sourceDigest?: string;
  /** Docker API listener address (`host:port` or `tcp://host:port`). */
  listen: ListenAddress;
  /** `tls.*`: the Docker API listener's CA, certificate, key and CRL (default ./certs beside the config). */
  tls: TlsConfig;
  /** `upstream`: the Docker daemon requests are forwarded to (default unix:///var/run/docker.sock). */
  upstream: Upstream;
  /** Policy file; undefined means the built-in default policy. */
  policy?: string;
  /** `admin`: the metrics and health listener. */
  admin: AdminConfig;
  /** `audit.file`: where audit records go. */
  audit: AuditConfig;
  /** `metrics.*`: metric options. */
  metrics: MetricsConfig;
  /** `limits.*`: bounds on what clients may hold (defaults in defaults.ts DEFAULTS). */
  limits: LimitsConfig;
}
