/** The certificate tooling's public surface: what `serve`, the TLS reload code and the CLI use. */
export { initPki, type InitPkiOptions, type InitPkiResult } from './init-pki.js';
export { issueClient, type IssueClientOptions, type IssueClientResult } from './issue-client.js';
export { listCerts, type ListedCert } from './list-certs.js';
export { revokeCert, refreshCrl, type RevokeCertOptions } from './revoke-cert.js';
export { renewClient, type RenewClientOptions, type RenewClientResult } from './renew-client.js';
export { rotateServer, type RotateServerOptions } from './rotate-server.js';
export { describeCertificate, verifyKeyMatchesCert, type CertificateDescription } from './describe-certificate.js';
export { DefaultPkiError, ensureDefaultPki, DEFAULT_ADMIN } from './ensure-default-pki.js';
export { runCertsCommand, DEFAULT_PKI_DIR, type CliIo } from './cli.js';
export { PkiError, UsageError, type PkiErrorCode } from './errors.js';
export { pkiPaths, type PkiPaths } from './paths.js';
export type { IndexEntry, PkiIndex, CertStatus } from './pki-index.js';
export type { KeyType } from './key-pair.js';
export type { RevocationReason } from './revocation-reason.js';
