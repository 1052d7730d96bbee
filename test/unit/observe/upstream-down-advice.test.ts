import { describe, expect, it } from 'vitest';
import type { Upstream } from '../../../src/config/types.js';
import { upstreamDownAdvice, type PathKind } from '../../../src/observe/upstream-down-advice.js';

const unix: Upstream = { kind: 'unix', path: '/var/run/docker.sock', url: 'unix:///var/run/docker.sock' };
const tcp: Upstream = { kind: 'tcp', host: 'daemon.example', port: 2375, url: 'tcp://daemon.example:2375' };
const npipe: Upstream = { kind: 'npipe', path: '//./pipe/docker_engine', url: 'npipe:////./pipe/docker_engine' };

describe('upstreamDownAdvice', () => {
  it.each<[string, Upstream, string | undefined, PathKind | undefined, string | undefined]>([
    ['no socket', unix, 'ENOENT', 'missing', 'no socket at /var/run/docker.sock: start dockerd'],
    ['a stale socket', unix, 'ECONNREFUSED', 'socket', 'nothing accepts connections on /var/run/docker.sock'],
    ['a regular file in its place', unix, 'ECONNREFUSED', 'file', '/var/run/docker.sock is a file, not a socket'],
    ['a directory in its place', unix, 'ECONNREFUSED', 'directory', '/var/run/docker.sock is a directory, not a socket'],
    ['no permission', unix, 'EACCES', 'socket', 'run dockgate as root or as a member of the socket\'s group'],
    ['a timeout on a socket: nothing to advise', unix, undefined, 'socket', undefined],
    ['an unknown code', unix, 'EPIPE', 'socket', undefined],
    ['nothing listens at a TCP address', tcp, 'ECONNREFUSED', undefined, 'nothing listens at tcp://daemon.example:2375'],
    ['a name that does not resolve', tcp, 'ENOTFOUND', undefined, 'host name does not resolve'],
    ['no resolver', tcp, 'EAI_AGAIN', undefined, 'host name does not resolve'],
    ['no route', tcp, 'EHOSTUNREACH', undefined, 'no route to tcp://daemon.example:2375'],
    ['a connect timeout', tcp, 'ETIMEDOUT', undefined, 'no route to tcp://daemon.example:2375'],
    ['a TCP timeout of the ping: nothing to advise', tcp, undefined, undefined, undefined],
    ['a named pipe: nothing to advise', npipe, 'ENOENT', undefined, undefined],
  ])('%s', (_name, upstream, code, atPath, expected) => {
    const advice = upstreamDownAdvice(upstream, code, atPath);
    if (expected === undefined) expect(advice).toBeUndefined();
    else expect(advice).toContain(expected);
  });

  // A file or directory at the configured path is as likely a wrong `upstream` (dockerd's
  // pidfile, docker.pid, sits beside docker.sock) as a leftover: the advice must not tell the
  // operator to delete it before asking whether the path is the daemon's socket at all.
  it.each<[string, PathKind]>([
    ['/var/run/docker.pid', 'file'],
    ['/var/run/docker', 'directory'],
  ])('a %s (%s) at the configured path: the path is questioned before removing it is advised', (path, kind) => {
    const advice = upstreamDownAdvice({ kind: 'unix', path, url: `unix://${path}` }, 'ECONNREFUSED', kind);
    expect(advice).toBe(
      `${path} is a ${kind}, not a socket: if upstream names the wrong path, set upstream: in a config file to the daemon's socket (README, Configuration reference); ` +
        `only if this ${kind} was left where dockerd makes its socket, remove it and start dockerd`,
    );
  });

  it('points at the upstream config key wherever it advises changing the address', () => {
    for (const [upstream, code] of [[unix, 'ENOENT'], [unix, 'ECONNREFUSED'], [tcp, 'ECONNREFUSED'], [tcp, 'ENOTFOUND']] as const) {
      expect(upstreamDownAdvice(upstream, code, 'missing')).toContain('upstream: in a config file');
    }
  });
});
