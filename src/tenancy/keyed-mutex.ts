/**
 * One async lock per key: a quota check and the create it admits run under the caller's lock,
 * released only when the daemon has answered, so concurrent creates by one identity are
 * counted one after another and exactly the quota succeeds.
 *
 * A key is a kind and a name, kept apart: each kind has its own table. Names come from clients
 * (certificate names, container and volume names) and may hold any character, so no spelling
 * of a name can reach another kind's lock: when the kind was a prefix of one string key, a
 * tenant named `container-name:web1` creating a container `web1` waited for its own name lock
 * under its quota lock, for good, and every create of `web1` after it (rev-identity F1).
 */

/** What a lock guards; every kind has its own keys. */
export type LockKind =
  /** A tenant's containers quota (name: the tenant). */
  | 'containers-quota'
  /** A tenant's networks quota (name: the tenant). */
  | 'networks-quota'
  /** An owner's running-containers quota (name: the owner). */
  | 'running-quota'
  /** A container's update (name: its ID). */
  | 'update'
  /** A container being renamed or connected to a network (name: its full ID). */
  | 'container-id'
  /** A container name being taken (name: its ASCII lower case). */
  | 'container-name'
  /** A volume name being created, removed or mounted. */
  | 'volume-name'
  /** A network name being created. */
  | 'network-name';

/** Serialises critical sections per kind and name. */
export class KeyedMutex {
  private readonly kinds = new Map<LockKind, Map<string, Promise<void>>>();

  /** Wait for the lock of `kind` `name`; resolves to the release function (call it exactly once). */
  async acquire(kind: LockKind, name: string): Promise<() => void> {
    let tails = this.kinds.get(kind);
    if (tails === undefined) {
      tails = new Map();
      this.kinds.set(kind, tails);
    }
    const table = tails;
    const previous = table.get(name) ?? Promise.resolve();
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const tail = previous.then(() => mine);
    table.set(name, tail);
    await previous;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      release();
      // Drop the entry when nobody queued behind us.
      if (table.get(name) === tail) table.delete(name);
    };
  }
}
