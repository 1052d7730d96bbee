/**
 * The signals of `dockgate serve`, taken over from the first moment the process runs.
 *
 * Until a listener exists Node applies its default action: SIGUSR1 opens the inspector on
 * 127.0.0.1:9229 without authentication (any local user could then run code as the gateway's
 * user), SIGHUP and SIGTERM end the process. Operators send these signals at any time
 * (logrotate's USR1, `systemctl reload`), also while the gateway starts. So the listeners are
 * installed synchronously before anything else of `serve` runs; what arrives before the
 * gateway is ready is remembered and carried out once it is (a reload and a reopen at most
 * once each; a stop ends the start-up cleanly). The listeners stay until the process exits.
 */

/** What the running gateway does for each signal. */
export interface SignalActions {
  stop(signal: 'SIGTERM' | 'SIGINT'): void;
  reload(): void;
  reopenAudit(): void;
}

/** Signal requests held until the gateway is ready. */
export interface ServeSignals {
  /** The stop signal received so far, if any (checked between start-up steps). */
  stopRequested(): 'SIGTERM' | 'SIGINT' | undefined;
  /** Hand signals to the running gateway; a stop, reload or reopen received earlier runs now. */
  attach(actions: SignalActions): void;
}

/** The emitter signals arrive on (the process; a stand-in in tests). */
export interface SignalSource {
  on(signal: NodeJS.Signals, listener: () => void): unknown;
}

let installed: ServeSignals | undefined;

/**
 * Install the listeners (once per process: later calls return the same capture) and start
 * remembering requests. Must run before the first `await` of `serve`.
 */
export function captureServeSignals(source: SignalSource = process): ServeSignals {
  if (source === process && installed) return installed;
  let actions: SignalActions | undefined;
  let stop: 'SIGTERM' | 'SIGINT' | undefined;
  let reload = false;
  let reopen = false;

  const onStop = (signal: 'SIGTERM' | 'SIGINT') => () => {
    if (actions) actions.stop(signal);
    else stop ??= signal;
  };
  source.on('SIGTERM', onStop('SIGTERM'));
  source.on('SIGINT', onStop('SIGINT'));
  source.on('SIGHUP', () => {
    if (actions) actions.reload();
    else reload = true;
  });
  source.on('SIGUSR1', () => {
    if (actions) actions.reopenAudit();
    else reopen = true;
  });

  const capture: ServeSignals = {
    stopRequested: () => stop,
    attach(next) {
      actions = next;
      // A stop wins: reloading a gateway about to stop gains nothing.
      if (stop) return next.stop(stop);
      if (reload) next.reload();
      if (reopen) next.reopenAudit();
    },
  };
  if (source === process) installed = capture;
  return capture;
}
