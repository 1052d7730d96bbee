/**
 * What a listener that cannot bind at start says: Node's `listen EADDRINUSE: address already in
 * use 0.0.0.0:2376` told the operator of `npm start` neither what holds the port nor what to do.
 */

/** The config key that sets a listener's address. */
export type ListenerKey = 'listen' | 'admin.listen';

/** What a start-up error calls the listener set by each key. */
export const LISTENER_NAMES: Readonly<Record<ListenerKey, string>> = {
  listen: 'Docker API listener (listen)',
  'admin.listen': 'admin listener (admin)',
};

/** The advice for a bind that failed with `code`, for the listener set by config key `key` (undefined: none to give). */
export function listenFailureAdvice(key: ListenerKey, code: string | undefined): string | undefined {
  const elsewhere = `or run with a config file whose ${key} names another address or port (npm start -- --config FILE, or serve --config FILE: README, Configuration reference)`;
  switch (code) {
    case 'EADDRINUSE':
      return `another process listens there (another dockgate, or a dockerd with its own TCP listener; "ss -ltnp" names it): stop it, ${elsewhere}`;
    case 'EACCES':
      return `binding a port below 1024 needs root or CAP_NET_BIND_SERVICE: grant it, ${elsewhere}`;
    case 'EADDRNOTAVAIL':
      return `no interface of this machine has that address: ${elsewhere.replace(/^or /, '')}`;
    default:
      return undefined;
  }
}

/** The start-up error of the listener `which` (`Docker API listener (listen)`), with its advice. */
export function listenerError(which: string, key: ListenerKey, err: unknown): Error {
  const advice = listenFailureAdvice(key, (err as NodeJS.ErrnoException).code);
  return new Error(`${which}: ${(err as Error).message}${advice === undefined ? '' : `: ${advice}`}`, { cause: err });
}
