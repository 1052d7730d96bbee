/**
 * The admin listener's HTTP surface: `/metrics`, `/healthz` and `/readyz`, their headers, and
 * the loopback `Host` check; what startAdminServer (admin-server.ts) serves on its listener.
 */
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import { drainRefusedBody, type DrainBounds } from '../http/drain-refused-body.js';
import { escapeJsonLine } from '../observe/escape.js';
import { loopbackHostHeader } from './loopback-host.js';

/**
 * No endpoint reads a request body. One that comes anyway is read and discarded up to 64 KiB
 * and 10 s from its head, so its client still reads the answer; past either the connection is
 * closed. Node's own discard has no bound but its 300 s request timeout: at loopback speed that
 * was gigabytes per connection on the thread the Docker listener shares.
 */
export const ADMIN_BODY_DRAIN: DrainBounds = { maxBytes: 64 * 1024, maxMs: 10_000 };

/** What `/readyz` reports; 200 when `ready`, else 503. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/**
 * Build the express app: three GET routes (HEAD too, as express answers HEAD with a GET route),
 * for HTTP/1 request lines only (another version, or none, is a 400 and the connection closes),
 * matched exactly: `/metrics/` and `/METRICS` are a JSON 404 like everything else, so a proxy
 * rule for the exact path covers every way in. A request body is never read, only discarded
 * within ADMIN_BODY_DRAIN. While `loopbackHostsOnly()` is true, a request
 * whose `Host` is not a loopback name gets a JSON 403 (see loopback-host.ts). `tls`: the
 * listener speaks HTTPS (admin.tls), and only then do answers carry HSTS and CSP's
 * `upgrade-insecure-requests`.
 */
export function createAdminApp(opts: { registry: Registry; readiness: () => Promise<ReadinessReport>; loopbackHostsOnly?: () => boolean; tls?: boolean }): express.Express {
  const app = express();
  // Read when the app's router is made, at the first app.use: set before it.
  app.set('case sensitive routing', true);
  app.set('strict routing', true);
  app.disable('x-powered-by');
  app.set('etag', false);
  // First, so that a body is bounded whatever answers it (ADMIN_BODY_DRAIN).
  app.use((req, _res, next) => {
    drainRefusedBody(req, ADMIN_BODY_DRAIN);
    next();
  });
  // HSTS and CSP's upgrade-insecure-requests speak of HTTPS: only with admin.tls, never on
  // the plain-HTTP listener (where HSTS is ignored and the upgrade points at nothing).
  app.use(helmet(opts.tls ? {} : { strictTransportSecurity: false, contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.use((_req, res, next) => {
    // Health and metrics must never be served from a cache.
    res.set('Cache-Control', 'no-store');
    next();
  });
  // A request line without an HTTP/1 version (Node reads `GET /metrics` as HTTP/0.9, a textual
  // `HTTP/2.0` as 2.0) is refused as Node refuses the request lines it cannot parse: 400, closed.
  // After helmet and Cache-Control: this answer carries them too (rev-observe F2).
  app.use((req, res, next) => {
    if (req.httpVersionMajor === 1) return next();
    res.set('Connection', 'close');
    res.status(400).json({ message: 'malformed HTTP request: the request line has no HTTP/1 version' });
  });
  const loopbackHostsOnly = opts.loopbackHostsOnly;
  if (loopbackHostsOnly) {
    app.use((req, res, next) => {
      if (!loopbackHostsOnly() || loopbackHostHeader(req.headers.host)) return next();
      res.status(403).json({ message: 'the admin listener is bound to loopback and answers only a loopback Host (localhost, 127.0.0.1, [::1])' });
    });
  }

  app.get('/metrics', async (_req, res) => {
    const text = await opts.registry.metrics();
    res.status(200).type(opts.registry.contentType).send(text);
  });
  app.get('/healthz', (_req, res) => {
    res.status(200).json({ status: 'ok' });
  });
  app.get('/readyz', async (_req, res) => {
    let report: ReadinessReport;
    try {
      report = await opts.readiness();
    } catch (err) {
      report = { ready: false, checks: { readiness: { ok: false, detail: String(err) } } };
    }
    // Its details quote the TLS files (a CRL issuer's name from another CA tool) and are read
    // with curl in a terminal: JSON as the logs write it, bidi, C1 and invisible characters \uxxxx.
    const body = escapeJsonLine(JSON.stringify({ status: report.ready ? 'ready' : 'not ready', checks: report.checks }));
    res.status(report.ready ? 200 : 503).type('application/json').send(body);
  });
  app.use((_req, res) => {
    res.status(404).json({ message: 'not found' });
  });
  // Express needs all four parameters to recognise an error handler.
  app.use((err: unknown, _req: Request, res: Response, _next: NextFunction) => {
    if (res.headersSent) return res.destroy();
    res.status(500).json({ message: 'internal error', detail: String(err) });
  });
  return app;
}
