/**
 * Containers that starts, restarts and unpauses in flight are making live, per owner. The
 * running quota counts them as live until the daemon has answered: a restart stops its
 * container and starts it again, and in between a start that counted only the daemon's live
 * containers would count one fewer. Holding the owner's lock for that long instead made every
 * start of the owner wait out a restart's stop timeout, which may be endless (`-t -1`), also
 * after the restart's client had left.
 */
export class LiveSlots {
  private readonly byOwner = new Map<string, Map<string, number>>();

  /** Count container `id` as live for `owner` until the returned function is called (once; later calls do nothing). */
  hold(owner: string, id: string): () => void {
    let ids = this.byOwner.get(owner);
    if (!ids) this.byOwner.set(owner, (ids = new Map()));
    ids.set(id, (ids.get(id) ?? 0) + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const n = (ids.get(id) ?? 1) - 1;
      if (n > 0) ids.set(id, n);
      else ids.delete(id);
      if (ids.size === 0 && this.byOwner.get(owner) === ids) this.byOwner.delete(owner);
    };
  }

  /** The containers held live for `owner`. */
  held(owner: string): Iterable<string> {
    return this.byOwner.get(owner)?.keys() ?? [];
  }
}
