/**
 * The embedded default keeps its own CRL fresh. `dockgate serve` without a config file made
 * ./certs itself (the CA key included), and nothing else re-signs its crl.pem: no timer, no
 * cron line. A CRL written by `certs crl` or `certs init` is valid for 30 days, and once its
 * nextUpdate has passed OpenSSL refuses every client. So serve looks at the CRLs in force
 * (TlsMaterial.crls) at start and every hour, and when a re-sign is due runs
 * `dockgate certs crl --dir <certDir>` as a child process:
 * - a child, not a call: the PKI code (@peculiar/x509 and its polyfill, ~18 MiB resident) stays
 *   out of the long-running gateway (see serve-command.ts), and the child takes the CA
 *   directory's index lock as any `certs` command does;
 * - the file watch on tls.crl (start-gateway.ts) loads the new crl.pem, as it would one written
 *   by hand; nothing is installed from here.
 * A failure is logged and retried at the next check. With a config file none of this runs: the
 * CA directory may be elsewhere, read-only, or its key offline; deploy/dockgate-crl.timer or a
 * cron line re-signs it there.
 */
import { spawn } from 'node:child_process';
import type { OperationalLog } from '../observe/logger.js';
import type { CrlInfo } from '../server/crl.js';
import { commandName } from '../core/command-name.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const HOUR_MS = 60 * 60 * 1000;

/**
 * A re-sign is due once a CRL in force has less than this many days left before its
 * nextUpdate. One absolute rule rather than "a third of its validity left": the child runs
 * `certs crl` with its default of 30 days, whose third is these 10 days, so both rules agree on
 * every CRL this module writes; and the absolute rule also refreshes a CRL re-signed by hand
 * with a short --crl-days (to 30 days) rather than letting it run out. It leaves 7 days of
 * hourly retries before the 3-day `tls-expiry` warning (expiry-warnings.ts) starts.
 */
export const RESIGN_DAYS_LEFT = 10;

/** How often the CRLs in force are looked at. */
export const CHECK_INTERVAL_MS = HOUR_MS;

/** A child running longer than this is killed and counts as a failure (the index lock waits 15 s at most). */
const CHILD_TIMEOUT_MS = 60_000;

/**
 * Whether a re-sign is due at `now`: the CRL in force that expires first among those with less
 * than RESIGN_DAYS_LEFT days left (an expired one included), or undefined when none is due
 * (no CRL at all, or none with a nextUpdate: such a CRL never expires). Pure.
 */
export function crlResignDue(crls: readonly CrlInfo[], now: Date): CrlInfo | undefined {
  const limit = now.getTime() + RESIGN_DAYS_LEFT * DAY_MS;
  let due: CrlInfo | undefined;
  for (const crl of crls) {
    const next = crl.nextUpdate?.getTime();
    if (next === undefined || next >= limit) continue;
    if (due?.nextUpdate === undefined || next < due.nextUpdate.getTime()) due = crl;
  }
  return due;
}

/** How a `certs crl` child ended. */
export type ResignResult =
  | { ok: true; crlNumber?: number; nextUpdate?: Date }
  | { ok: false; exitCode: number | null; signal: NodeJS.Signals | null; stderr: string };

/**
 * The Node flags of this process that the child gets too: all of them (the launchers' memory
 * and `--inspect-port` flags: scripts/start.sh, the Dockerfile, the shebang) except those that
 * open an inspector. A gateway run under a debugger must not have its child wait for one
 * (`--inspect-brk`, `--inspect-wait`) or fight over its port (`--inspect`).
 */
export function childExecArgv(execArgv: readonly string[]): string[] {
  return execArgv.filter((flag) => !/^--inspect(-brk|-wait)?(=|$)/.test(flag));
}

/** `Wrote CRL #N to FILE, next update ISO` (pki/cli.ts): the number and the new nextUpdate. */
export function parseCertsCrlOutput(stdout: string): { crlNumber?: number; nextUpdate?: Date } {
  const m = /^Wrote CRL #(\d+) to .*, next update (\S+)$/m.exec(stdout);
  if (!m) return {};
  const nextUpdate = new Date(m[2] ?? '');
  return { crlNumber: Number(m[1]), nextUpdate: Number.isNaN(nextUpdate.getTime()) ? undefined : nextUpdate };
}

/** What {@link runCertsCrl} starts: `<execPath> <execArgv...> <script> certs crl --dir <certDir>`. */
export interface CertsCrlCommand {
  /** The Node binary (the gateway's own `process.execPath`). */
  execPath: string;
  /** Node flags for the child (childExecArgv of the gateway's). */
  execArgv: readonly string[];
  /** dist/cli/main.js, the script this gateway runs. */
  script: string;
  /** The CA directory `certs crl --dir` re-signs the CRL of. */
  certDir: string;
  /** Kill the child after this long (default 60 s); it then counts as a failure. */
  timeoutMs?: number;
}

/** Run `dockgate certs crl --dir <certDir>` as a child process. Never rejects. */
export function runCertsCrl(cmd: CertsCrlCommand): Promise<ResignResult> {
  return new Promise((resolveResult) => {
    let stdout = '';
    let stderr = '';
    // Enough for the lines `certs crl` prints; a runaway child does not grow the gateway.
    const keep = (text: string, chunk: Buffer): string => (text.length < 16_384 ? text + chunk.toString('utf8') : text);
    const child = spawn(cmd.execPath, [...cmd.execArgv, cmd.script, 'certs', 'crl', '--dir', cmd.certDir], {
      stdio: ['ignore', 'pipe', 'pipe'],
      timeout: cmd.timeoutMs ?? CHILD_TIMEOUT_MS,
    });
    child.stdout.on('data', (chunk: Buffer) => (stdout = keep(stdout, chunk)));
    child.stderr.on('data', (chunk: Buffer) => (stderr = keep(stderr, chunk)));
    let settled = false;
    child.on('error', (err) => {
      // Could not be started (ENOENT, EAGAIN): 'close' may not follow.
      if (settled) return;
      settled = true;
      resolveResult({ ok: false, exitCode: null, signal: null, stderr: err.message });
    });
    child.on('close', (code, signal) => {
      if (settled) return;
      settled = true;
      if (code === 0) resolveResult({ ok: true, ...parseCertsCrlOutput(stdout) });
      else resolveResult({ ok: false, exitCode: code, signal, stderr: firstLine(stderr) });
    });
  });
}

function firstLine(text: string): string {
  return text.split('\n').find((l) => l.trim() !== '')?.trim() ?? '';
}

/** What {@link startCrlResign} needs; the clock and the child are injected so tests control both. */
export interface CrlResignDeps {
  /** The CA directory, for the log lines. */
  certDir: string;
  /** The CRLs of the TLS material in force now (it changes on reload). */
  crls: () => readonly CrlInfo[];
  /** Where `crl-resigned` and `crl-resign-failed` go. */
  log: Pick<OperationalLog, 'info' | 'error'>;
  /** Re-sign the CRL: {@link runCertsCrl} in the gateway. */
  resign: () => Promise<ResignResult>;
  /** The clock (tests set it). */
  now?: () => Date;
  /** Time between checks (default CHECK_INTERVAL_MS, an hour). */
  intervalMs?: number;
}

/**
 * Check at once and then every hour whether the CRL in force needs re-signing, and re-sign it
 * (one child at a time). Logs `crl-resigned` or `crl-resign-failed`. Returns a function that
 * stops the checks; a child already running finishes on its own (its write is atomic).
 */
export function startCrlResign(deps: CrlResignDeps): () => void {
  const now = deps.now ?? (() => new Date());
  let running = false;
  let stopped = false;
  const check = async (): Promise<void> => {
    if (running || stopped) return;
    const due = crlResignDue(deps.crls(), now());
    if (!due) return;
    running = true;
    const expires = due.nextUpdate?.toISOString();
    let result: ResignResult;
    try {
      result = await deps.resign();
    } catch (err) {
      result = { ok: false, exitCode: null, signal: null, stderr: (err as Error).message };
    } finally {
      running = false;
    }
    if (result.ok) {
      deps.log.info(
        { event: 'crl-resigned', dir: deps.certDir, issuer: due.issuer, crlNumber: result.crlNumber, nextUpdate: result.nextUpdate?.toISOString(), previousNextUpdate: expires },
        `re-signed the CRL (its nextUpdate was ${expires}); the gateway loads the new crl.pem once the file watch sees it`,
      );
    } else {
      deps.log.error(
        { event: 'crl-resign-failed', dir: deps.certDir, issuer: due.issuer, exitCode: result.exitCode, signal: result.signal ?? undefined, stderr: result.stderr, nextUpdate: expires },
        `"${commandName()} certs crl --dir ${deps.certDir}" failed (retried in an hour): the CRL in force ${(due.nextUpdate?.getTime() ?? 0) <= now().getTime() ? 'expired' : 'expires'} on ${expires}, and from then every client is refused`,
      );
    }
  };
  void check();
  // unref: a pending check must not keep a stopping gateway alive.
  const timer = setInterval(() => void check(), deps.intervalMs ?? CHECK_INTERVAL_MS);
  timer.unref();
  return () => {
    stopped = true;
    clearInterval(timer);
  };
}
