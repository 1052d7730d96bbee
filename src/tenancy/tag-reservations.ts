/**
 * Tags an operation will write, reserved while it runs. dockerd applies a build's `-t` tags
 * when the build ends (the builder decides how long that takes: `RUN sleep`), a pull's and an
 * import's when the stream ends: a check made when the request arrived no longer held by then
 * (another tenant's build of the same tag, checked while the tag was still free, finished
 * first and was re-pointed at the slower build's image). A reservation lasts the whole
 * exchange; while it is held, an operation writing the same tag for someone who may not
 * re-point the holder's images (not the same tenant, not the same team) is refused. Pure.
 */

/** Who holds a reservation, and what for (said in a refusal). */
export interface TagHolder {
  tenant: string;
  team?: string;
  /** The operation that will write the tag (`ImageBuild`). */
  operation: string;
}

/** A reservation taken (release it exactly once; later calls do nothing), or the tag held by someone else. */
export type Reservation = { release: () => void } | { conflict: { tag: string; holder: TagHolder } };

/** Whether `b` may write a tag `a` holds: what a tag-over check lets each do to the other's images. */
export function mayShare(a: Omit<TagHolder, 'operation'>, b: Omit<TagHolder, 'operation'>): boolean {
  return a.tenant === b.tenant || (a.team !== undefined && a.team === b.team);
}

/** Reservations by tag key (a normalised reference: `docker.io/library/app:1`). */
export class TagReservations {
  private readonly held = new Map<string, Set<TagHolder>>();

  /**
   * Reserve every key in `tags` (keys to the names the caller shows) for `holder`, all or
   * none: the first key held by someone `holder` may not share with is the conflict.
   */
  reserve(tags: ReadonlyMap<string, string>, holder: TagHolder): Reservation {
    for (const [key, shown] of tags) {
      for (const other of this.held.get(key) ?? []) {
        if (!mayShare(other, holder)) return { conflict: { tag: shown, holder: other } };
      }
    }
    // A token of its own per reservation: one tenant's two builds of a tag each hold it.
    const token: TagHolder = { ...holder };
    for (const key of tags.keys()) {
      const set = this.held.get(key) ?? new Set<TagHolder>();
      set.add(token);
      this.held.set(key, set);
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const key of tags.keys()) {
          const set = this.held.get(key);
          set?.delete(token);
          if (set?.size === 0) this.held.delete(key);
        }
      },
    };
  }

  /** Tags reserved now (for tests: every reservation released leaves none). */
  size(): number {
    return this.held.size;
  }
}
