/** Help texts of `dockgate certs` and each subcommand. Kept beside each other so they agree. */
import { DEFAULT_CA_DAYS, DEFAULT_CLIENT_DAYS, DEFAULT_CRL_DAYS, DEFAULT_SERVER_DAYS } from './validity.js';

const KEY_TYPE = '  --key-type ecdsa|rsa  key algorithm: ECDSA P-256 (default) or RSA 4096';
const DIR = '  --dir DIR             CA directory (default ./certs)';
/** issue, renew and rotate-server write the index: refused as certs crl refuses (crl-succession.ts). */
const INDEX_REFUSAL = 'Refused, issuing nothing, when index.json does not account for crl.pem (see "certs crl --help").';

/** Help of each subcommand, by name. */
export const COMMAND_HELP: Readonly<Record<string, string>> = {
  init: `Usage: dockgate certs init [--dir DIR] [--host NAME_OR_IP]... [--key-type ecdsa|rsa] [--days N] [--ca-days N] [--force]

Create a CA (ca.pem, ca-key.pem), a server certificate (server-cert.pem, server-key.pem),
an empty CRL (crl.pem) and the index of issued certificates (index.json).
The server certificate covers localhost, 127.0.0.1, ::1, this machine's host name and every --host.

${DIR}
  --host NAME_OR_IP     extra server name or IP address (repeatable); the first non-loopback
                        one is the host printed in connect instructions
${KEY_TYPE}
  --days N              server certificate lifetime in days (default ${DEFAULT_SERVER_DAYS})
  --ca-days N           CA lifetime in days (default ${DEFAULT_CA_DAYS})
  --force               replace an existing CA: every certificate it issued stops working;
                        the replaced files and clients/ are kept in DIR/replaced-<time>/
                        (without --force, init refuses when any file it writes exists)
`,
  issue: `Usage: dockgate certs issue NAME [--dir DIR] [--group G]... [--days N] [--out DIR] [--key-type ecdsa|rsa]
                             [--archive FILE.tar.gz] [--connect-host HOST[:PORT]] [--force]

Issue a client certificate (subject CN=NAME, OU=G per group, extendedKeyUsage clientAuth) and
write a bundle (ca.pem, cert.pem, key.pem) usable as DOCKER_CERT_PATH.

${DIR}
  --group G             group, written as a subject OU value (repeatable, order kept)
  --days N              lifetime in days (default ${DEFAULT_CLIENT_DAYS}, never past the CA's expiry)
  --out DIR             bundle directory (default DIR/clients/NAME); never a CA directory
                        or a directory holding another bundle
${KEY_TYPE}
  --archive FILE        also write the bundle as one .tar.gz (mode 0600) to hand over;
                        FILE's directory must exist, FILE must not be inside the CA
                        directory nor exist unless --force (checked before anything is issued)
  --connect-host H      host for the printed connect lines (default: first non-loopback
                        --host given to init, else this machine's host name)
  --force               issue although NAME has a valid certificate (that one stays valid);
                        replace an existing --archive FILE

${INDEX_REFUSAL}
`,
  list: `Usage: dockgate certs list [--dir DIR] [--json]

List every certificate the CA issued: name, groups, serial, fingerprint, expiry and status
(valid, not-yet-valid, expired, revoked). Refused (exit 1) without ca.pem, and when index.json
does not account for crl.pem (see "certs crl --help"): restore the index.

${DIR}
  --json                print the index entries with their status as JSON
`,
  revoke: `Usage: dockgate certs revoke NAME|SERIAL [--dir DIR] [--reason R] [--crl-days N]

Revoke a certificate by serial, or every unrevoked certificate of a client name, and rewrite
crl.pem. A running gateway with tls.crl set refuses the certificate about 3 s later (once
crl.pem has been quiet for 2 s; at once on SIGHUP) and closes its open connections.

${DIR}
  --reason R            unspecified (default), keyCompromise, affiliationChanged,
                        superseded, cessationOfOperation
  --crl-days N          days until the CRL's nextUpdate (default ${DEFAULT_CRL_DAYS})
`,
  renew: `Usage: dockgate certs renew NAME [--dir DIR] [--days N] [--key-type ecdsa|rsa] [--connect-host HOST[:PORT]]

Issue a new key and certificate with the same name and groups into the same bundle directory.
The previous certificate stays valid until it expires; revoke it by serial when done.

${DIR}
  --days N              lifetime in days (default ${DEFAULT_CLIENT_DAYS})
${KEY_TYPE.replace('(default)', '(default: as before)')}
  --connect-host H      host for the printed connect lines

${INDEX_REFUSAL}
`,
  'rotate-server': `Usage: dockgate certs rotate-server [--dir DIR] [--host NAME_OR_IP]... [--days N] [--key-type ecdsa|rsa]

Replace server-cert.pem and server-key.pem with a new pair from the same CA, keeping the
previous SANs and adding every --host. A running gateway picks the new pair up without a restart.

${DIR}
  --host NAME_OR_IP     server name or IP address to add (repeatable)
  --days N              lifetime in days (default ${DEFAULT_SERVER_DAYS})
${KEY_TYPE.replace('(default)', '(default: as before)')}

${INDEX_REFUSAL}
`,
  crl: `Usage: dockgate certs crl [--dir DIR] [--crl-days N]

Re-sign crl.pem with fresh dates. Once a CRL's nextUpdate has passed, TLS refuses every client,
so run this (e.g. from cron) more often than --crl-days. Refused when index.json does not
account for crl.pem (it would lift revocations): when it is missing while crl.pem holds this
CA's CRL, or its crlNumber is below that CRL's CRL Number (an index restored from an older
backup; file dates play no part). Restore the index. issue, renew, rotate-server and list
refuse the same state.

${DIR}
  --crl-days N          days until the CRL's nextUpdate (default ${DEFAULT_CRL_DAYS})
`,
};

/** Help of `dockgate certs` itself. */
export const CERTS_HELP = `Usage: dockgate certs COMMAND [OPTIONS]

Manage the CA, server certificate and client certificates of a dockgate gateway.

Commands:
  init            create a CA, a server certificate and an empty CRL
  issue NAME      issue a client certificate bundle
  list            list issued certificates and their status
  revoke NAME|SERIAL  revoke certificates and rewrite the CRL
  renew NAME      issue a new certificate for an existing client
  rotate-server   replace the server certificate
  crl             re-sign the CRL before it expires

Run "dockgate certs COMMAND --help" for the options of a command.
`;
