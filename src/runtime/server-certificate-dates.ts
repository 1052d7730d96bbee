/**
 * Whether a reload may put a new server certificate in force. Clients refuse a server
 * certificate outside its validity ("certificate has expired or is not yet valid"), so a
 * reload that swapped a working certificate for one not valid yet (issued ahead for a planned
 * rotation, or on a host whose clock runs ahead) or already expired would refuse every client
 * while readiness and `dockgate_*_last_reload_successful` said all was well. Such a
 * certificate is refused: the one in force goes on serving, and the rest of the reload (the CA
 * bundle, the CRLs: revocations) goes into force all the same. One not valid yet is pending:
 * the files are read again when it becomes valid (ReloadRetry), and the reload counts as
 * successful; an expired one makes the reload a failure.
 */

/** Longest wait before a pending certificate's files are read again (setTimeout's limit is 24.8 days); a later one is checked again then. */
export const MAX_RETRY_DELAY_MS = 24 * 60 * 60 * 1000;

/** What a reload compares of a listener's server certificate. */
export interface ServerCertificateDates {
  /** SHA-256 fingerprint: the certificate in force is the one with the same DER (serials repeat across CAs and re-signings). */
  fingerprint: string;
  /** Serial number as Node prints it (uppercase hex), for messages. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** A new server certificate a reload does not put in force. */
export interface RefusedServerCertificate {
  /** What the log and readiness say, naming the file. */
  message: string;
  /** Its notBefore when it is not valid yet (pending: the files are read again then); undefined when it has expired. */
  validFrom?: Date;
}

/**
 * Why `next` (read from `file`) must not replace `current` at `now`, or undefined when it may.
 * Pure. The certificate in force itself (same fingerprint) is never refused: a reload for a new
 * CRL must not fail because the server certificate, unchanged, has since expired (readiness
 * says so).
 */
export function outOfDateReplacement(current: ServerCertificateDates | undefined, next: ServerCertificateDates, now: Date, file: string): RefusedServerCertificate | undefined {
  if (current && current.fingerprint === next.fingerprint) return undefined;
  const what = `${file}: the new server certificate (serial ${next.serial})`;
  const stays = 'the one in force serves on (the CA bundle and CRLs of this reload are in force)';
  if (now.getTime() < next.notBefore.getTime()) {
    return {
      message: `${what} is not valid before ${next.notBefore.toISOString()} (notBefore), and clients would refuse it until then: ${stays}, and the gateway loads it then`,
      validFrom: next.notBefore,
    };
  }
  if (now.getTime() >= next.notAfter.getTime()) {
    return { message: `${what} expired on ${next.notAfter.toISOString()} (notAfter), and clients would refuse it: ${stays}` };
  }
  return undefined;
}

/** One pending reload of a listener's TLS files, for a server certificate that becomes valid later. */
export interface ReloadRetry {
  /** Run `reload` a second after `when`, replacing a pending one. */
  at(when: Date, reload: () => void): void;
  /** Drop the pending reload for good (the gateway stops): later calls of `at` do nothing. */
  cancel(): void;
}

/**
 * When a listener's files are read again after a reload that held something back: the earliest
 * of the dates given (a refused server certificate's validFrom, a held CRL's); undefined for
 * none. One retry serves all: what is still not valid then is held again, with its own date. Pure.
 */
export function reloadRetryAt(...dates: ReadonlyArray<Date | undefined>): Date | undefined {
  return dates.filter((d): d is Date => d !== undefined).sort((a, b) => a.getTime() - b.getTime())[0];
}

/** A ReloadRetry whose timer does not keep the process alive. */
export function createReloadRetry(): ReloadRetry {
  let timer: NodeJS.Timeout | undefined;
  let cancelled = false;
  return {
    at(when, reload) {
      if (cancelled) return;
      const delay = Math.min(when.getTime() - Date.now() + 1_000, MAX_RETRY_DELAY_MS);
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, Math.max(0, delay));
      timer.unref();
    },
    cancel() {
      cancelled = true;
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
