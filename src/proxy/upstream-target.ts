/**
 * How to reach the daemon: one keep-alive agent shared by every forwarded request (and
 * tenancy's own look-ups), so the gateway reuses connections to the socket instead of opening
 * one per request.
 */
import { Agent, type AgentOptions, type ClientRequest, type IncomingMessage, type RequestOptions } from 'node:http';
import type { Duplex } from 'node:stream';
import type { Upstream } from '../config/types.js';

/** Connection settings for the daemon, built once at start-up. */
export interface UpstreamTarget {
  readonly upstream: Upstream;
  /** Keep-alive agent for ordinary requests. */
  readonly agent: Agent;
  /** Where to connect: `socketPath` for unix sockets and named pipes, host/port for TCP. */
  readonly address: Pick<RequestOptions, 'socketPath' | 'host' | 'port'>;
  /** Human-readable name used in error messages (`unix:///var/run/docker.sock`). */
  readonly name: string;
}

/** What `keepSocketAlive` reads of the request whose answer just ended on a socket (Node's fields). */
type AnsweredSocket = Duplex & { _httpMessage?: (ClientRequest & { res?: IncomingMessage | null }) | null };

/** Node's own keep-alive check, which returns whether the socket may be kept (typed `void`). */
const nodeKeepSocketAlive = Agent.prototype.keepSocketAlive as unknown as (this: Agent, socket: Duplex) => boolean;

/**
 * True when the answer that just ended on `socket` could leave bytes behind: an answer that
 * has no body by its status (204, 304) or its request (HEAD) while its head announces one (a
 * non-zero `Content-Length`, or any `Transfer-Encoding`). Node reads none of such a body; an
 * upstream that sends it anyway (dockerd never does, a proxy in front of it might) would have
 * it read as the next request's answer, possibly another identity's or tenancy's own look-up.
 */
export function bodyMayFollow(socket: AnsweredSocket): boolean {
  const req = socket._httpMessage;
  const res = req?.res;
  if (!req || !res) return false;
  if (res.statusCode !== 204 && res.statusCode !== 304 && req.method !== 'HEAD') return false;
  const length = res.headers['content-length'];
  return (length !== undefined && Number(length) !== 0) || res.headers['transfer-encoding'] !== undefined;
}

/**
 * A pooled connection that receives a byte while idle is out of step with the requests on it
 * (no answer is owed): destroyed, never handed to a request. One shared listener, `this` the
 * socket: the keep-alive path allocates nothing for it.
 */
function destroyOnIdleData(this: Duplex): void {
  this.destroy();
}

/** Node's Agent.prototype.createSocket (undocumented, and not in Node's type declarations). */
type CreateSocket = (this: Agent, req: ClientRequest, options: Record<string, unknown>, cb: (err: Error | null, socket?: Duplex) => void) => void;
const nodeCreateSocket = (Agent.prototype as unknown as { createSocket: CreateSocket }).createSocket;

/**
 * The request options that make and name a daemon connection: what Node's agent reads in
 * getName and hands to net.createConnection (its own options, keepAlive, noDelay and the like,
 * it adds itself).
 */
const CONNECTION_FIELDS = ['socketPath', 'host', 'port', 'localAddress', 'family', 'hints', 'lookup', 'timeout'] as const;

/** Of a request's options, only those of CONNECTION_FIELDS that are set. */
export function connectionOptions(options: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const field of CONNECTION_FIELDS) if (options[field] !== undefined) out[field] = options[field];
  return out;
}

/**
 * The keep-alive agent: keeps a daemon connection for the next request only when nothing but
 * that request's answer can arrive on it (found by the tunnels review: an upstream writing a
 * body after a 204, 304 or HEAD answer had it read as another identity's answer).
 */
class DaemonAgent extends Agent {
  override keepSocketAlive(socket: Duplex): boolean {
    if (socket.readableLength > 0 || bodyMayFollow(socket) || !nodeKeepSocketAlive.call(this, socket)) return false;
    socket.on('data', destroyOnIdleData);
    return true;
  }

  override reuseSocket(socket: Duplex, request: ClientRequest): void {
    socket.off('data', destroyOnIdleData);
    super.reuseSocket(socket, request);
  }

  /**
   * Node keeps the options a connection is made with for as long as it lives (its `free`,
   * `close`, `timeout` and `agentRemove` listeners hold them): a null-prototype copy of the
   * first request's options, which from http-proxy are some twenty fields (its TLS ones, unset)
   * and that request's headers, about 2 KB per open stream. Only what makes and names the
   * connection is passed on (docs/benchmarks.md, "Less kept per stream").
   */
  createSocket(req: ClientRequest, options: Record<string, unknown>, cb: (err: Error | null, socket?: Duplex) => void): void {
    nodeCreateSocket.call(this, req, connectionOptions(options), cb);
  }
}

/** Build the upstream target for a configured upstream. */
export function createUpstreamTarget(upstream: Upstream): UpstreamTarget {
  const address = upstream.kind === 'tcp' ? { host: upstream.host, port: upstream.port } : { socketPath: upstream.path };
  // keepAlive: reuse sockets to the daemon; no maxSockets cap, since streams hold theirs for hours
  // (and so no request ever waits for a socket: every reused one passes keepSocketAlive first).
  // servername '': the daemon is spoken to in plain HTTP, so the agent need not work out a TLS
  // server name from the Host header for every request (an IP-address regex test each time).
  const agent = new DaemonAgent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 64, scheduling: 'lifo', servername: '' } as AgentOptions);
  return { upstream, agent, address, name: upstream.url };
}
