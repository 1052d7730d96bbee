/** Defaults used for keys the file leaves out, and for `dockgate serve` with no config at all. */
export const DEFAULTS = {
  listen: '0.0.0.0:2376',
  upstream: 'unix:///var/run/docker.sock',
  certDir: 'certs',
  admin: '127.0.0.1:9376',
  bodyBytes: 4 * 1024 * 1024,
  bufferedBodyBytes: 128 * 1024 * 1024,
  bufferedBodyBytesPerIdentity: 16 * 1024 * 1024,
  streamsPerIdentity: 1000,
  requestsPerIdentity: 256,
  handshakesPerSource: 128,
  handshakeFailuresPerSource: 50,
  headersTimeoutMs: 10_000,
  bodyTimeoutMs: 30_000,
  streamedBodyIdleMs: 120_000,
  keepAliveTimeoutMs: 5_000,
  shutdownGraceMs: 10_000,
} as const;
