/** A listener that cannot bind at start says what to do (listen-failure.ts), not only Node's error. */
import { describe, expect, it } from 'vitest';
import { listenerError } from '../../../src/runtime/listen-failure.js';

/** A bind error as Node gives it. */
const bindError = (code: string, message: string): NodeJS.ErrnoException => Object.assign(new Error(message), { code });

describe('listenerError', () => {
  it.each([
    ['port taken (npm start beside another gateway)', 'Docker API listener (listen)', 'listen', bindError('EADDRINUSE', 'listen EADDRINUSE: address already in use 0.0.0.0:2376'),
      'Docker API listener (listen): listen EADDRINUSE: address already in use 0.0.0.0:2376: another process listens there (another dockgate, or a dockerd with its own TCP listener; "ss -ltnp" names it): stop it, or run with a config file whose listen names another address or port (npm start -- --config FILE, or serve --config FILE: README, Configuration reference)'],
    ['admin port taken: its own key', 'admin listener (admin)', 'admin.listen', bindError('EADDRINUSE', 'listen EADDRINUSE: address already in use 127.0.0.1:9376'),
      'admin listener (admin): listen EADDRINUSE: address already in use 127.0.0.1:9376: another process listens there (another dockgate, or a dockerd with its own TCP listener; "ss -ltnp" names it): stop it, or run with a config file whose admin.listen names another address or port (npm start -- --config FILE, or serve --config FILE: README, Configuration reference)'],
    ['a low port without the capability', 'Docker API listener (listen)', 'listen', bindError('EACCES', 'listen EACCES: permission denied 0.0.0.0:443'),
      'Docker API listener (listen): listen EACCES: permission denied 0.0.0.0:443: binding a port below 1024 needs root or CAP_NET_BIND_SERVICE: grant it, or run with a config file whose listen names another address or port (npm start -- --config FILE, or serve --config FILE: README, Configuration reference)'],
    ['an address no interface has', 'Docker API listener (listen)', 'listen', bindError('EADDRNOTAVAIL', 'listen EADDRNOTAVAIL: address not available 10.9.9.9:2376'),
      'Docker API listener (listen): listen EADDRNOTAVAIL: address not available 10.9.9.9:2376: no interface of this machine has that address: run with a config file whose listen names another address or port (npm start -- --config FILE, or serve --config FILE: README, Configuration reference)'],
    ['another error: as Node says it', 'Docker API listener (listen)', 'listen', bindError('EMFILE', 'listen EMFILE: too many open files'), 'Docker API listener (listen): listen EMFILE: too many open files'],
  ] as const)('%s', (_label, which, key, err, want) => {
    const got = listenerError(which, key, err);
    expect(got.message).toBe(want);
    expect(got.cause).toBe(err);
  });
});
