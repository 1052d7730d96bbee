/**
 * The two failures the certificate tooling reports. Both carry a stable code so scripts and
 * tests can tell them apart without matching message text; the CLI renders them in one place
 * (`cli.ts`) as a single line and maps them to exit codes.
 */

/** Stable codes of operational PKI failures (exit code 1). */
export type PkiErrorCode =
  | 'PKI_CA_EXISTS'
  | 'PKI_NO_CA'
  | 'PKI_BAD_NAME'
  | 'PKI_BAD_GROUP'
  | 'PKI_BAD_HOST'
  | 'PKI_NAME_EXISTS'
  | 'PKI_NOT_FOUND'
  | 'PKI_ALREADY_REVOKED'
  | 'PKI_BAD_INDEX'
  | 'PKI_BAD_KEY'
  | 'PKI_BAD_DAYS'
  | 'PKI_LOCKED'
  | 'PKI_BAD_ARCHIVE'
  | 'PKI_BAD_OUT';

/** An operation on the CA directory failed for a reason the operator can fix. */
export class PkiError extends Error {
  override readonly name = 'PkiError';
  constructor(
    readonly code: PkiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The command line itself is wrong (unknown flag, missing argument): exit code 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
  readonly code = 'PKI_USAGE';
  constructor(
    message: string,
    /** The subcommand whose help should be suggested, if known. */
    readonly command?: string,
  ) {
    super(message);
  }
}
