/**
 * The admin listener: Prometheus metrics and health probes on their own address, never the
 * Docker API (and the Docker listener never serves these). Optional TLS, with client
 * certificates required when a CA is configured.
 */
import { readFile } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import helmet from 'helmet';
import type { Registry } from 'prom-client';
import type { AdminConfig } from '../config/types.js';

/** What `/readyz` reports; 200 when `ready`, else 503. */
export interface ReadinessReport {
  ready: boolean;
  checks: Record<string, { ok: boolean; detail?: string }>;
}

/** Options of {@link startAdminServer}. */
export interface AdminServerOptions {
  config: AdminConfig;
  registry: Registry;
  readiness: () => Promise<ReadinessReport>;
}

/** A running admin listener. */
export interface AdminServer {
  /** The bound address (the real port when the config asked for port 0). */
  address: { host: string; port: number };
  /** Stop accepting and drop open connections (scrapers hold keep-alive sockets). */
  close(): Promise<void>;
}

/** A PEM value from the config: a file path, or the PEM text itself. */
async function pem(value: string): Promise<string> {
  return value.trimStart().startsWith('-----BEGIN') ? value : readFile(value, 'utf8');
}

/** Build the express app: three GET routes, JSON 404 for everything else. */
export function createAdminApp(opts: Pick<AdminServerOptions, 'registry' | 'readiness'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.use(helmet());
  app.use((_req, res, next) => {
    // Health and metrics must never be served from a cache.
    res.set('Cache-Control', 'no-store');
    next();
  });

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
    res.status(report.ready ? 200 : 503).json({ status: report.ready ? 'ready' : 'not ready', checks: report.checks });
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

/** Start the admin listener on `config.listen`; resolves once it is listening. */
export async function startAdminServer(opts: AdminServerOptions): Promise<AdminServer> {
  const app = createAdminApp(opts);
  const tls = opts.config.tls;
  let server: http.Server;
  if (tls) {
    const ca = tls.ca === undefined ? undefined : await pem(tls.ca);
    server = https.createServer(
      {
        cert: await pem(tls.cert),
        key: await pem(tls.key),
        minVersion: 'TLSv1.2',
        ...(ca === undefined ? {} : { ca, requestCert: true, rejectUnauthorized: true }),
      },
      app,
    );
  } else {
    server = http.createServer(app);
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.config.listen.port, opts.config.listen.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: bound.address, port: bound.port },
    close() {
      return new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
