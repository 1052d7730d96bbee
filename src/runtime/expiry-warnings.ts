/**
 * Expiry warnings: the server certificate and the CAs within 30 days of their notAfter, and a
 * CRL within 3 days of its nextUpdate, are logged at start and then once a day. An expired
 * CRL is the urgent one: OpenSSL then refuses every client, not just the revoked ones.
 *
 * Also the readiness `certificates` check, which fails while the Docker listener's material in
 * force refuses every client (server certificate expired, a CRL outside [thisUpdate, nextUpdate])
 * or is not what is on disk (the last TLS reload failed, so a new CRL's revocations are not
 * applied). The admin listener's own files are named in its detail but never fail it: readiness
 * is about serving Docker clients (rev-fix-observe N1).
 */
import type { OperationalLog } from '../observe/logger.js';
import type { CheckResult } from '../observe/readiness.js';
import { caLabel, type CrlInfo } from '../server/crl.js';
import type { ExpiringItem } from '../server/tls-material.js';
import { commandName, withCommandName } from '../core/command-name.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Days of notice per kind of item: certificates are renewed by hand, CRLs by a timer. */
export const WARN_DAYS: Readonly<Record<ExpiringItem['kind'], number>> = {
  'server certificate': 30,
  CA: 30,
  CRL: 3,
};

/** What to remedy an item with, for the log line. */
const REMEDY: Readonly<Record<ExpiringItem['kind'], string>> = {
  'server certificate': 'run "dockgate certs rotate-server" (or install a new certificate); the gateway picks it up without a restart',
  CA: 'plan a new CA: every certificate it issued stops verifying when it expires',
  CRL: 'run "dockgate certs crl" (see docs/certificates.md for a timer); once nextUpdate passes every client is refused',
};

/** One warning (or error, once the item has expired). */
export interface ExpiryWarning {
  level: 'warn' | 'error';
  item: ExpiringItem;
  /** Whole days left, rounded down; negative once expired. */
  daysLeft: number;
  message: string;
}

/** The items of `items` that are expired or within their notice period at `now`. Pure. */
export function expiryWarnings(items: readonly ExpiringItem[], now: Date): ExpiryWarning[] {
  const out: ExpiryWarning[] = [];
  for (const item of items) {
    const msLeft = item.expires.getTime() - now.getTime();
    if (msLeft > WARN_DAYS[item.kind] * DAY_MS) continue;
    const expired = msLeft <= 0;
    const daysLeft = Math.floor(msLeft / DAY_MS);
    const what = item.kind === 'CRL' ? `CRL of "${item.name}"` : `${item.kind} "${item.name}"`;
    const when = expired ? `expired on ${item.expires.toISOString()}` : `expires on ${item.expires.toISOString()} (in ${daysLeft} days)`;
    out.push({ level: expired ? 'error' : 'warn', item, daysLeft, message: `${what} in ${item.file} ${when}: ${withCommandName(REMEDY[item.kind])}` });
  }
  return out;
}

/**
 * Log each warning of `items` at `now` as one line (`event: "tls-expiry"`), with `listener:
 * "admin"` for the admin listener's `admin.tls` files (`listener`). Returns how many.
 */
export function logExpiryWarnings(items: readonly ExpiringItem[], log: Pick<OperationalLog, 'warn' | 'error'>, now: Date, listener?: 'admin'): number {
  const warnings = expiryWarnings(items, now);
  for (const w of warnings) {
    const fields = { event: 'tls-expiry', ...(listener ? { listener } : {}), kind: w.item.kind, name: w.item.name, file: w.item.file, expires: w.item.expires.toISOString(), daysLeft: w.daysLeft };
    log[w.level](fields, w.message);
  }
  return warnings.length;
}

/** What the daily check needs; the clock is injected so tests control time. */
export interface ExpiryWatchDeps {
  /** The expiring items of the material in force now (it changes on reload). */
  items: () => readonly ExpiringItem[];
  log: Pick<OperationalLog, 'warn' | 'error'>;
  now?: () => Date;
  /** Between checks; a day unless a test says otherwise. */
  intervalMs?: number;
  /** `admin` for the admin listener's files: its lines say `listener: "admin"`. */
  listener?: 'admin';
}

/** Log the warnings once now and then every day. Returns a function that stops the checks. */
export function startExpiryWarnings(deps: ExpiryWatchDeps): () => void {
  const now = deps.now ?? (() => new Date());
  const check = (): void => void logExpiryWarnings(deps.items(), deps.log, now(), deps.listener);
  check();
  // unref: a pending daily check must not keep a stopping gateway alive.
  const timer = setInterval(check, deps.intervalMs ?? DAY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

/** What readiness and the start-up warning say when the listener has no CRL (no `tls.crl`). */
export const NO_CRL = 'no CRL: revocation off (no tls.crl: a revoked client certificate is accepted until it expires)';

/** What the readiness `certificates` check looks at. */
export interface CertificateState {
  /** Start of the server certificate's validity: clients refuse it before. */
  serverNotBefore?: Date;
  serverNotAfter: Date;
  /** The CRLs in force (TlsMaterial.crls): OpenSSL refuses their issuers' chains outside [thisUpdate, nextUpdate]. */
  crls: readonly CrlInfo[];
  /** Message of the last TLS reload when it failed (cleared by the next one that succeeds). */
  reloadError?: string;
  /** With reloadError: the new CRL's revocations were applied all the same (runtime/crl-alone.ts). */
  crlAppliedAlone?: boolean;
  /** The last reload's new server certificate, when it was not put in force (server-certificate-dates.ts): pending, or expired. */
  refusedServerCertificate?: { message: string; validFrom?: Date };
  /** The last reload's CRL file, when it was held back as not valid yet (crl-pending.ts): named, still ready. */
  pendingCrl?: { message: string };
  /** The admin listener's last reload's `admin.tls.crl`, when it was held back as not valid yet: named, still ready. */
  adminPendingCrl?: { message: string };
  /**
   * CAs of `tls.ca` without a CRL in `tls.crl`, as TlsMaterial.casWithoutCrl names them (quoted,
   * crl.ts caLabel): every client of each
   * is refused (UNABLE_TO_GET_CRL). Named, still ready: the other CAs' clients are served, as
   * without `tls.crl` at all (a configuration state, logged at each load, counted in
   * `dockgate_tls_cas_refused{reason="no-crl"}`).
   */
  casWithoutCrl?: readonly string[];
  /**
   * The admin listener's `admin.tls` material in force, when it has TLS: its server certificate
   * expired or a CRL of `admin.tls.crl` outside its dates refuses every scraper. Named in the
   * detail (rev-observe F1), the check stays ok: a readiness probe takes the gateway out of a
   * load balancer, and the Docker listener still serves (rev-fix-observe N1).
   */
  admin?: { serverNotBefore?: Date; serverNotAfter: Date; crls: readonly CrlInfo[] };
}

/** What refuses every scraper of the admin listener at `t` (ms): its server certificate outside its dates, a CRL of admin.tls.crl outside its dates. */
function adminProblems(admin: NonNullable<CertificateState['admin']>, t: number): string[] {
  const problems: string[] = [];
  if (admin.serverNotAfter.getTime() <= t) problems.push(`admin.tls.cert: the admin listener's server certificate expired on ${admin.serverNotAfter.toISOString()}: scrapers refuse it`);
  if (admin.serverNotBefore && admin.serverNotBefore.getTime() > t) problems.push(`admin.tls.cert: the admin listener's server certificate is not valid before ${admin.serverNotBefore.toISOString()} (notBefore): scrapers refuse it until then`);
  for (const crl of admin.crls) {
    if (crl.thisUpdate.getTime() > t) {
      problems.push(`admin.tls.crl: CRL of ${caLabel(crl.issuer, crl.caFingerprint)} is not valid before ${crl.thisUpdate.toISOString()} (thisUpdate): every scraper of that CA is refused (CRL_NOT_YET_VALID)`);
    } else if (crl.nextUpdate && crl.nextUpdate.getTime() <= t) {
      problems.push(`admin.tls.crl: CRL of ${caLabel(crl.issuer, crl.caFingerprint)} expired on ${crl.nextUpdate.toISOString()} (nextUpdate): every scraper of that CA is refused (CRL_HAS_EXPIRED); re-sign it ("${commandName()} certs crl --dir" the scrapers' CA directory)`);
    }
  }
  return problems;
}

/**
 * The readiness `certificates` check at `now`. Pure. Fails, naming every problem at once, while
 * the server certificate has expired, a CRL is not yet valid or has expired (OpenSSL then
 * refuses every client of that CA: CRL_NOT_YET_VALID / CRL_HAS_EXPIRED), or the last TLS reload
 * failed (the previous material stays in force: revocations in a new CRL are not applied).
 * The admin listener's expired or not yet valid certificate or CRL is named in the detail
 * (after the Docker listener's problems) and does not fail it.
 */
export function certificatesCheck(state: CertificateState, now: Date): CheckResult {
  const t = now.getTime();
  const problems: string[] = [];
  if (state.serverNotAfter.getTime() <= t) problems.push(`server certificate expired on ${state.serverNotAfter.toISOString()}`);
  if (state.serverNotBefore && state.serverNotBefore.getTime() > t) problems.push(`server certificate not valid before ${state.serverNotBefore.toISOString()} (notBefore): clients refuse it until then`);
  for (const crl of state.crls) {
    if (crl.thisUpdate.getTime() > t) {
      problems.push(`CRL of ${caLabel(crl.issuer, crl.caFingerprint)} is not valid before ${crl.thisUpdate.toISOString()} (thisUpdate): every client of that CA is refused (CRL_NOT_YET_VALID)`);
    } else if (crl.nextUpdate && crl.nextUpdate.getTime() <= t) {
      problems.push(`CRL of ${caLabel(crl.issuer, crl.caFingerprint)} expired on ${crl.nextUpdate.toISOString()} (nextUpdate): every client of that CA is refused (CRL_HAS_EXPIRED); install a fresh one ("${commandName()} certs crl")`);
    }
  }
  // Said, not failed: scrapers are refused, Docker clients are served (rev-fix-observe N1).
  const adminNotes = state.admin ? adminProblems(state.admin, t) : [];
  // An expired new certificate: the files on disk are not what serves. A pending one is no problem.
  if (state.refusedServerCertificate && !state.refusedServerCertificate.validFrom) problems.push(state.refusedServerCertificate.message);
  if (state.reloadError !== undefined) {
    const crl = state.crlAppliedAlone ? 'the revocations of the new CRL are applied by the gateway all the same' : 'revocations in a new CRL are not applied';
    problems.push(`last TLS reload failed, the previous certificates and CRL stay in force (${crl}): ${state.reloadError}`);
  }
  const gaps = (state.casWithoutCrl ?? []).map((ca) => `CA ${ca} has no CRL in tls.crl: every client of that CA is refused (UNABLE_TO_GET_CRL)`);
  if (problems.length > 0) return { ok: false, detail: [...problems, ...gaps, ...adminNotes].join('; ') };
  const crlUntil = state.crls.flatMap((c) => (c.nextUpdate ? [c.nextUpdate.getTime()] : []));
  // No CRL at all: nothing is refused for it, but no revocation is either; said where it is looked for.
  const crlDetail =
    state.crls.length === 0 ? `; ${NO_CRL}` : crlUntil.length > 0 ? `, CRLs valid until ${new Date(Math.min(...crlUntil)).toISOString()}` : '';
  const pending = [state.refusedServerCertificate?.message, state.pendingCrl?.message, state.adminPendingCrl?.message, ...gaps, ...adminNotes].flatMap((m) => (m === undefined ? [] : [`; ${m}`])).join('');
  return { ok: true, detail: `server certificate valid until ${state.serverNotAfter.toISOString()}${crlDetail}${pending}` };
}
