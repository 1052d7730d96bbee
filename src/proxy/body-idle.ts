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
 *
 * Nor does time before the client could send (BodyIdle.from): a client that waits for its
 * `100 Continue` sends nothing until it has it, and the gateway holds that 100 back while an
 * earlier answer on the connection is still being written (pipelined); counted from the
 * forward, the wait was cut after the idle time, taking the earlier answer with it
 * (rev-fix-http F4).
 */

/** What a relay given up for idleness calls, once. */
export interface BodyIdle {
  /** Most milliseconds without a byte of the body while the gateway waits for one. */
  ms: number;
  /** The body went idle: cut the client connection (and with it the daemon request). */
  onIdle(): void;
  /**
   * Counting starts only once this calls `start` (the `100 Continue` the client waits for was
   * written to its connection), or a byte of the body arrives first; absent: at once.
   */
  from?(start: () => void): void;
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

/**
 * Watch one body with `idle`; nothing is counted until `waiting` is called, nor before
 * `idle.from` has started the watch (or a byte arrived).
 */
export function idleWatch(idle: BodyIdle, now: () => number = Date.now): IdleWatch {
  let timer: NodeJS.Timeout | undefined;
  let last = 0;
  let fired = false;
  let started = idle.from === undefined;
  // The relay waits for the client (`waiting` without a `stop` since), counted once started.
  let wanted = false;
  const arm = (): void => {
    if (timer || fired || !started || !wanted) return;
    last = now();
    timer = setTimeout(check, idle.ms);
    timer.unref();
  };
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
  idle.from?.(() => {
    started = true;
    arm();
  });
  return {
    waiting() {
      wanted = true;
      arm();
    },
    arrived() {
      last = now();
      // The client began sending without waiting for its 100: counted from here.
      if (!started) {
        started = true;
        arm();
      }
    },
    stop() {
      wanted = false;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
