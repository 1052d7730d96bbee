/**
 * What the `upstream-down` warning advises: `ENOENT` alone told the operator of a first
 * `npm start` neither that no daemon runs nor what to change. A unix socket's path is looked at
 * once, when the warning is written, so a file or directory where the socket should be is named
 * as such (connecting to it says ECONNREFUSED, as a stale socket does).
 */
import { statSync } from 'node:fs';
import type { Upstream } from '../config/types.js';

/** What is at a unix socket's path: a socket, another kind of file, or nothing. */
export type PathKind = 'socket' | 'directory' | 'file' | 'missing';

const CONFIG = 'or set upstream: in a config file to the daemon\'s address (README, Configuration reference)';

/**
 * The advice for a failed ping of `upstream` with OS error `code` (undefined: it timed out or the
 * daemon answered another status: nothing to advise), given what is at a unix socket's path.
 * Undefined: none to give.
 */
export function upstreamDownAdvice(upstream: Upstream, code: string | undefined, atPath: PathKind | undefined): string | undefined {
  if (upstream.kind === 'unix') {
    const path = upstream.path;
    // Asked about the path first: a wrong `upstream` (dockerd's pidfile, docker.pid, beside
    // docker.sock) is as likely as a leftover, and removing it must not be the first advice.
    if (atPath === 'directory' || atPath === 'file') {
      return `${path} is a ${atPath}, not a socket: if upstream names the wrong path, set upstream: in a config file to the daemon's socket (README, Configuration reference); only if this ${atPath} was left where dockerd makes its socket, remove it and start dockerd`;
    }
    switch (code) {
      case 'ENOENT':
        return `no socket at ${path}: start dockerd (it makes the socket), ${CONFIG}`;
      case 'ECONNREFUSED':
        return `nothing accepts connections on ${path} (a socket left by a dockerd that stopped): start dockerd, ${CONFIG}`;
      case 'EACCES':
        return `this process may not open ${path}: run dockgate as root or as a member of the socket's group (usually docker)`;
      default:
        return undefined;
    }
  }
  if (upstream.kind !== 'tcp') return undefined;
  switch (code) {
    case 'ECONNREFUSED':
      return `nothing listens at ${upstream.url}: start dockerd with that -H listener, ${CONFIG}`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `the upstream's host name does not resolve here: ${CONFIG.replace(/^or /, '')}`;
    case 'EHOSTUNREACH':
    case 'ENETUNREACH':
    case 'ETIMEDOUT':
      return `no route to ${upstream.url} or no answer to the connection: check the address and firewalls, ${CONFIG}`;
    default:
      return undefined;
  }
}

/**
 * What is at `path`, for upstreamDownAdvice. Synchronous: the monitor writes its warning in the
 * same turn as it judges the ping, so that a ping ending meanwhile cannot log `upstream-up` first.
 */
export function pathKind(path: string): PathKind {
  try {
    const s = statSync(path);
    if (s.isSocket()) return 'socket';
    return s.isDirectory() ? 'directory' : 'file';
  } catch {
    return 'missing';
  }
}
