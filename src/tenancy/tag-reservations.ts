/**
 * Tags an operation will write, reserved while it runs. dockerd applies a build's `-t` tags
 * when the build ends (the builder decides how long that takes: `RUN sleep`), a pull's and an
 * import's when the stream ends: a check made when the request arrived no longer held by then
 * (another tenant's build of the same tag, checked while the tag was still free, finished
 * first and was re-pointed at the slower build's image). A reservation lasts the whole
 * exchange; while it is held, an operation writing the same tag for someone who may not
 * re-point the holder's images (not the same tenant, not the same team) is refused.
 *
 * The repositories of those tags are reserved too: a tag of one's own may not join a
 * repository holding another tenant's image (tag-over.ts, strangerInRepository), and that
 * check, like the tag's, no longer held once two tenants' writes of different tags of one new
 * repository were both in flight (found by a review: `alice tag img mix:a & carol tag img
 * mix:b` both got in, and neither could save `mix` any more). Pure.
 */

/** Who holds a reservation, and what for (said in a refusal). */
export interface TagHolder {
  tenant: string;
  team?: string;
  /** The operation that will write the tag (`ImageBuild`). */
  operation: string;
  /** The gateway's id of the request holding it (its audit record's `requestId`), named in a refusal. */
  requestId?: string;
  /**
   * The images it writes carry no owner (a pull): a pull's tag may join any repository but
   * another tenant's (tag-over.ts, strangerIn), so two pulls into one repository do not stop
   * each other there (their tags still do), while a pull and another tenant's write of owned
   * images do.
   */
  ownerless?: boolean;
}

/** What stops a reservation: a tag (as the caller shows it) or a repository held by `holder`. */
export type Conflict = { tag: string; repository?: never; holder: TagHolder } | { repository: string; tag?: never; holder: TagHolder };

/** A reservation taken (release it exactly once; later calls do nothing), or what stopped it. */
export type Reservation = { release: () => void } | { conflict: Conflict };

/** Whether `b` may write a tag `a` holds: what a tag-over check lets each do to the other's images. */
export function mayShare(a: Omit<TagHolder, 'operation'>, b: Omit<TagHolder, 'operation'>): boolean {
  return a.tenant === b.tenant || (a.team !== undefined && a.team === b.team);
}

/**
 * Whether `b` may write into a repository `a` is writing into: sharers (one tenant, or one
 * team: pulls and owned writes alike, as their repository takes both), or two pulls. A pull
 * and another tenant's owned write may not: neither could join the repository once the other
 * has written (tag-over.ts, strangerIn).
 */
export function mayShareRepository(a: Omit<TagHolder, 'operation'>, b: Omit<TagHolder, 'operation'>): boolean {
  return mayShare(a, b) || (a.ownerless === true && b.ownerless === true);
}

/**
 * Reservations by tag key (a normalised reference: `docker.io/library/app:1`) and by
 * repository key (a normalised repository name: `docker.io/library/app`).
 */
export class TagReservations {
  private readonly tags = new Map<string, Set<TagHolder>>();
  private readonly repositories = new Map<string, Set<TagHolder>>();

  /**
   * Reserve every key in `tags` and in `repositories` (keys to the names the caller shows)
   * for `holder`, all or none: the first tag held by someone `holder` may not share it with,
   * else the first repository held by someone it may not share that with, is the conflict.
   */
  reserve(tags: ReadonlyMap<string, string>, holder: TagHolder, repositories: ReadonlyMap<string, string> = new Map()): Reservation {
    for (const [key, shown] of tags) {
      for (const other of this.tags.get(key) ?? []) {
        if (!mayShare(other, holder)) return { conflict: { tag: shown, holder: other } };
      }
    }
    for (const [key, shown] of repositories) {
      for (const other of this.repositories.get(key) ?? []) {
        if (!mayShareRepository(other, holder)) return { conflict: { repository: shown, holder: other } };
      }
    }
    // A token of its own per reservation: one tenant's two builds of a tag each hold it.
    const token: TagHolder = { ...holder };
    const taken: [Map<string, Set<TagHolder>>, string][] = [];
    for (const key of tags.keys()) taken.push([this.tags, key]);
    for (const key of repositories.keys()) taken.push([this.repositories, key]);
    for (const [table, key] of taken) {
      const set = table.get(key) ?? new Set<TagHolder>();
      set.add(token);
      table.set(key, set);
    }
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        for (const [table, key] of taken) {
          const set = table.get(key);
          set?.delete(token);
          if (set?.size === 0) table.delete(key);
        }
      },
    };
  }

  /** Keys reserved now, tags and repositories (for tests: every reservation released leaves none). */
  size(): number {
    return this.tags.size + this.repositories.size;
  }
}
