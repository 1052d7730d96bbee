/**
 * Whether a reload may put a new server certificate in force. Clients refuse a server
 * certificate outside its validity ("certificate has expired or is not yet valid"), so a
 * reload that swapped a working certificate for one not valid yet (issued ahead for a planned
 * rotation, or on a host whose clock runs ahead) or already expired would refuse every client
 * while readiness and `dockgate_*_last_reload_successful` said all was well. Such a reload
 * fails instead, and the certificate in force stays; one not valid yet is tried again when it
 * becomes valid (ReloadRetry).
 */

/** Longest wait for a certificate to become valid before it is tried again (setTimeout's limit is 24.8 days). */
export const MAX_RETRY_DELAY_MS = 24 * 60 * 60 * 1000;

/** What a reload compares of a listener's server certificate. */
export interface ServerCertificateDates {
  /** Serial number as Node prints it (uppercase hex): the same file gives the same serial. */
  serial: string;
  notBefore: Date;
  notAfter: Date;
}

/** A reload refused for its server certificate's dates; `validFrom` when it becomes valid within MAX_RETRY_DELAY_MS. */
export class OutOfDateCertificateError extends Error {
  constructor(
    message: string,
    /** The certificate's notBefore, when it is not valid yet but will be within MAX_RETRY_DELAY_MS. */
    readonly validFrom?: Date,
  ) {
    super(message);
    this.name = 'OutOfDateCertificateError';
  }
}

/**
 * Why `next` (read from `file`) must not replace `current` at `now`, or undefined when it may.
 * Pure. The certificate in force itself (same serial) is never refused: a reload for a new CRL
 * must not fail because the server certificate, unchanged, has since expired (readiness says so).
 */
export function outOfDateReplacement(current: ServerCertificateDates | undefined, next: ServerCertificateDates, now: Date, file: string): OutOfDateCertificateError | undefined {
  if (current && current.serial === next.serial) return undefined;
  const what = `${file}: the new server certificate (serial ${next.serial})`;
  const stays = 'the certificate in force stays';
  if (now.getTime() < next.notBefore.getTime()) {
    const soon = next.notBefore.getTime() - now.getTime() <= MAX_RETRY_DELAY_MS;
    const then = soon ? 'the gateway reloads its files again at that time' : 'reload (SIGHUP) once it is valid';
    return new OutOfDateCertificateError(
      `${what} is not valid before ${next.notBefore.toISOString()} (notBefore), and clients would refuse it until then; ${stays}, and ${then}`,
      soon ? next.notBefore : undefined,
    );
  }
  if (now.getTime() >= next.notAfter.getTime()) {
    return new OutOfDateCertificateError(`${what} expired on ${next.notAfter.toISOString()} (notAfter), and clients would refuse it; ${stays}`);
  }
  return undefined;
}

/** One pending reload of a listener's TLS files, for a server certificate that becomes valid later. */
export interface ReloadRetry {
  /** Run `reload` a second after `when`, replacing a pending one. */
  at(when: Date, reload: () => void): void;
  /** Drop the pending reload (the gateway stops). */
  cancel(): void;
}

/** A ReloadRetry whose timer does not keep the process alive. */
export function createReloadRetry(): ReloadRetry {
  let timer: NodeJS.Timeout | undefined;
  return {
    at(when, reload) {
      const delay = Math.min(when.getTime() - Date.now() + 1_000, MAX_RETRY_DELAY_MS);
      if (timer) clearTimeout(timer);
      timer = setTimeout(() => {
        timer = undefined;
        reload();
      }, Math.max(0, delay));
      timer.unref();
    },
    cancel() {
      if (timer) clearTimeout(timer);
      timer = undefined;
    },
  };
}
