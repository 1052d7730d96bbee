/** Types of private-dockerd.mjs (a private dockerd for the end-to-end suites and the bench). */

/** dockerd's own `--tlsverify` TCP listener on 127.0.0.1. */
export interface DaemonTls {
  port: number;
  /** CA that client certificates must chain to. */
  ca: string;
  cert: string;
  key: string;
}

/** A started private daemon. */
export interface PrivateDaemon {
  /** The daemon's directory: data and exec roots, pidfile, socket and log. */
  root: string;
  /** Its unix socket. */
  socket: string;
  /** The dockerd process we spawned (a restart spawns a new one). */
  pid: number;
  /** dockerd's stdout and stderr. */
  log: string;
  tls?: DaemonTls;
}

export function waitForDaemon(socket: string, ms?: number): Promise<void>;
/** Start a private dockerd under /tmp/<prefix>XXXXXX; with `claim`, owned by this process (reaped once it is gone). */
export function startDaemon(opts?: { prefix?: string; tls?: DaemonTls; claim?: boolean }): Promise<PrivateDaemon>;
export function restartDaemon(d: PrivateDaemon): Promise<PrivateDaemon>;
export function stopDaemon(d: PrivateDaemon, opts?: { remove?: boolean }): Promise<void>;
/** stopDaemon without awaiting (an 'exit' handler); signals only processes naming the daemon's root. */
export function stopDaemonSync(d: PrivateDaemon, opts?: { remove?: boolean }): void;
/** Stop and remove the daemons (and other claimed directories) under /tmp/<prefix>* whose starting process is gone. */
export function reapOrphanedDaemons(prefix: string): string[];
export function importBusybox(socket: string): void;
export function daemonLog(d: PrivateDaemon): string;
