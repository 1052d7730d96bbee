/**
 * Reading a listener's TLS files: each file read with a size cap, each certificate parsed, and
 * every problem collected with the file it is about, so an operator learns of all at once.
 */
import { X509Certificate } from 'node:crypto';
import { readRegularFile } from '../config/regular-file.js';

/** Split a PEM bundle into its certificates. */
export function splitPem(pem: string): string[] {
  return pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
}

/** A check runner that turns each check's error into a problem of `problems` (and its result into undefined). */
export function collecting(problems: string[]): <T>(check: () => T) => T | undefined {
  return (check) => {
    try {
      return check();
    } catch (err) {
      problems.push((err as Error).message);
      return undefined;
    }
  };
}

/**
 * Largest TLS file read (a CA bundle, a certificate chain, a key, a CRL): a CRL of a large
 * corporate CA runs to some MiB; this bounds what a mistaken path can make the gateway hold.
 */
export const MAX_TLS_FILE_BYTES = 64 * 1024 * 1024;

/** The content of a TLS file, at most MAX_TLS_FILE_BYTES; a problem naming the file goes to `attempt`'s list instead. */
export function readTlsFile(file: string, attempt: ReturnType<typeof collecting>): Buffer | undefined {
  return attempt(() => {
    try {
      return readRegularFile(file, MAX_TLS_FILE_BYTES);
    } catch (err) {
      const message = (err as Error).message;
      throw new Error(message.startsWith(file) ? message : `${file}: ${message}`, { cause: err });
    }
  });
}

/** Parse one PEM certificate; `what` (the file and the place in it) prefixes the error. */
export function parseCertificate(pem: string, what: string): X509Certificate {
  try {
    return new X509Certificate(pem);
  } catch (err) {
    throw new Error(`${what} is not a valid certificate (${(err as Error).message})`, { cause: err });
  }
}

/** Node prints subjects one attribute per line. */
export function oneLine(subject: string): string {
  return subject.split('\n').join(', ');
}
