/**
 * The client certificate of a handshake the listener refuses, read while the TLS session still
 * exists. Node refuses a certificate that failed verification in its own 'secure' handler
 * (rejectUnauthorized), destroying the session before `tlsClientError` is emitted: by then
 * getPeerCertificate() returns nothing. So a 'secure' listener is put in front of Node's, and
 * the only event that hands the server's TLSSocket over before its 'secure' is the server's
 * 'keylog' (emitted during every handshake, before it completes). Its lines (the session's
 * secrets) are dropped unread and never leave this function.
 */
import type { DetailedPeerCertificate, Server, TLSSocket } from 'node:tls';
import type { RefusedCertificate } from '../core/observer.js';
import { CRL_LISTENERS, type CrlListener } from './crl-listeners.js';

/** The parts of Node's parsed peer certificate read here. */
type PeerCertificate = Pick<DetailedPeerCertificate, 'subject' | 'issuer' | 'serialNumber' | 'fingerprint256' | 'ca'> & {
  issuerCertificate?: PeerCertificate;
};

/** One value or several of a parsed name's attribute. */
function values(v: string | string[] | undefined): string[] {
  return v === undefined ? [] : Array.isArray(v) ? v : [v];
}

/** A parsed name on one line, `CN=x, O=y`, as identity.ts writes Identity.issuer. */
function oneLine(name: Record<string, string | string[] | undefined> | undefined): string {
  return Object.entries(name ?? {})
    .flatMap(([k, v]) => values(v).map((x) => `${k}=${x}`))
    .join(', ');
}

/** What the log line says of a certificate Node parsed; undefined for an empty object (no certificate). */
export function refusedCertificate(cert: PeerCertificate | undefined | null): RefusedCertificate | undefined {
  if (!cert || !cert.fingerprint256) return undefined;
  const cn = values(cert.subject?.CN as string | string[] | undefined)[0];
  return {
    ...(cn === undefined ? {} : { cn }),
    serial: (cert.serialNumber ?? '').toLowerCase(),
    issuer: oneLine(cert.issuer as Record<string, string | string[] | undefined>),
    fingerprint: cert.fingerprint256.replace(/:/g, '').toLowerCase(),
  };
}

/**
 * What is wrong with the chain of a client certificate that goes through a certificate that is
 * no CA (a certificate signed with a client's own key, sent as leaf + that client's
 * certificate), which OpenSSL refuses with a verify code Node reports as UNSPECIFIED; undefined
 * when nothing shows. Node's parsed chain (getPeerCertificate(true)) holds the issuers it could
 * match, from what the client sent and from tls.ca: either one of them is no CA (CA:TRUE
 * missing, keyCertSign present), or none can have issued the client's certificate at all
 * (OpenSSL does not take a certificate without keyCertSign as an issuer), while a certificate
 * issued by a CA of tls.ca or by an intermediate the client sent always has its issuer there.
 * `listener`: the listener refusing it, so the detail names its CA bundle (`tls.ca`, or
 * `admin.tls.ca`) and its peers (clients, or scrapers), worded as crl-listeners.ts words them.
 */
export function chainProblem(cert: PeerCertificate | undefined | null, listener: CrlListener = 'docker'): string | undefined {
  if (!cert || !cert.fingerprint256) return undefined;
  const { caFile, peers } = CRL_LISTENERS[listener];
  const seen = new Set<PeerCertificate>([cert]);
  let issuer = cert.issuerCertificate;
  if (!issuer || !issuer.fingerprint256) {
    const name = oneLine(cert.issuer as Record<string, string | string[] | undefined>);
    return `its issuer "${name}" is no CA of ${caFile}, and no certificate the ${peers} sent can have issued it (one lacking basicConstraints CA:TRUE or keyUsage keyCertSign, such as a client certificate)`;
  }
  while (issuer && issuer.fingerprint256 && !seen.has(issuer)) {
    if (issuer.ca !== true) {
      const named = refusedCertificate(issuer) as RefusedCertificate;
      return `its chain goes through ${named.cn === undefined ? 'a certificate without CN' : `"${named.cn}"`} (serial ${named.serial}, issuer "${named.issuer}"), which is not a CA certificate (no basicConstraints CA:TRUE)`;
    }
    seen.add(issuer);
    issuer = issuer.issuerCertificate;
  }
  return undefined;
}

/**
 * Keep the peer certificate (with its chain) of every handshake of `server` whose certificate
 * failed verification, for the refusal's report. Returns where to find it by socket.
 */
export function keepRefusedPeers(server: Server): (socket: TLSSocket) => PeerCertificate | undefined {
  const peers = new WeakMap<TLSSocket, PeerCertificate>();
  const watched = new WeakSet<TLSSocket>();
  server.on('keylog', (_line: Buffer, socket: TLSSocket) => {
    if (watched.has(socket)) return;
    watched.add(socket);
    socket.prependOnceListener('secure', () => {
      // Node's own check, which its 'secure' handler runs next; a verified peer is not kept.
      const handle = (socket as TLSSocket & { _handle?: { verifyError?: () => unknown } | null })._handle;
      if (!handle?.verifyError?.()) return;
      try {
        peers.set(socket, socket.getPeerCertificate(true) as PeerCertificate);
      } catch {
        // Nothing to name: the report goes without it.
      }
    });
  });
  return (socket) => peers.get(socket);
}
