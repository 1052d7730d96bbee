/**
 * How to reach the daemon: one keep-alive agent shared by every forwarded request, so the
 * gateway reuses connections to the socket instead of opening one per request.
 */
import { Agent, type AgentOptions, type RequestOptions } from 'node:http';
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

/** Build the upstream target for a configured upstream. */
export function createUpstreamTarget(upstream: Upstream): UpstreamTarget {
  const address = upstream.kind === 'tcp' ? { host: upstream.host, port: upstream.port } : { socketPath: upstream.path };
  // keepAlive: reuse sockets to the daemon; no maxSockets cap, since streams hold theirs for hours.
  // servername '': the daemon is spoken to in plain HTTP, so the agent need not work out a TLS
  // server name from the Host header for every request (an IP-address regex test each time).
  const agent = new Agent({ keepAlive: true, keepAliveMsecs: 1000, maxFreeSockets: 64, scheduling: 'lifo', servername: '' } as AgentOptions);
  return { upstream, agent, address, name: upstream.url };
}
