/**
 * The idle rule of a streamed request body (`limits.streamedBodyIdleMs`): a build context, an
 * image load or import, a `PUT /containers/{id}/archive` is forwarded as it arrives, with no
 * deadline for the whole (a 1 GiB `docker load` on a slow link takes as long as it takes), but
 * a body from which no byte arrives for this long, while the gateway is waiting for one, is
 * given up. Without it, a build whose context stopped after 512 of 100 MB announced bytes held
 * its tag reservations (tenancy) and a stream slot for as long as the connection lived
 * (rev-dos F5). Time the gateway is not reading (the daemon is not taking data) does not count.
 *
 * One timer per watched body, not re-armed per piece: each piece only notes its time, and the
 * timer, when it fires early, waits out the rest.
 */

/** What a relay given up for idleness calls, once. */
export interface BodyIdle {
  /** Most milliseconds without a byte of the body while the gateway waits for one. */
  ms: number;
  /** The body went idle: cut the client connection (and with it the daemon request). */
  onIdle(): void;
}

/** The watch of one body: the relay tells it when it waits for the client and when bytes come. */
export interface IdleWatch {
  /** The relay is waiting for the client's bytes (from now on, unless already). */
  waiting(): void;
  /** A piece of the body arrived. */
  arrived(): void;
  /** The relay is not waiting for the client (the daemon is not taking data, or the body ended). */
  stop(): void;
}

/** Watch one body with `idle`; nothing is counted until `waiting` is called. */
export function idleWatch(idle: BodyIdle, now: () => number = Date.now): IdleWatch {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  let fired = false;
  const check = (): void => {
    timer = undefined;
    const quiet = now() - last;
    if (quiet < idle.ms) {
      timer = setTimeout(check, idle.ms - quiet);
      timer.unref();
      return;
    }
    fired = true;
    idle.onIdle();
  };
  return {
    waiting() {
      if (timer || fired) return;
      last = now();
      timer = setTimeout(check, idle.ms);
      timer.unref();
    },
    arrived() {
      last = now();
    },
    stop() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
