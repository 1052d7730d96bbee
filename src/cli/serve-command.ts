/**
 * `dockgate serve [--config FILE]`: run the gateway. Without a config (flag or
 * DOCKGATE_CONFIG) it runs the embedded default: 0.0.0.0:2376, the local docker.sock, and
 * ./certs, creating a PKI and an `admin` client bundle there when none exists, and re-signs
 * ./certs/crl.pem before it expires (runtime/crl-resign.ts).
 */
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { hostPort, parseListen } from '../config/address.js';
import { DEFAULTS } from '../config/defaults.js';
import { buildConfig, loadConfig } from '../config/load.js';
import type { GatewayConfig, ListenAddress } from '../config/types.js';
import { ConfigError } from '../config/validate.js';
import { escapeHidden } from '../core/hidden-characters.js';
import { createOperationalLog, type OperationalLog } from '../observe/logger.js';
import { formatProblems } from '../policy/errors.js';
import { childExecArgv, runCertsCrl, startCrlResign } from '../runtime/crl-resign.js';
import { ListenProbeError, probeListeners } from '../runtime/listen-probe.js';
import { startGateway, type RunningGateway } from '../runtime/start-gateway.js';
import { StartMaterialError } from '../runtime/start-material.js';
import type { CliIo } from './io.js';
import { readServeArgs } from './serve-args.js';
import { captureServeSignals, type ServeSignals } from './serve-signals.js';

async function resolveConfig(file: string | undefined, io: CliIo): Promise<GatewayConfig> {
  if (file) return loadConfig(file);
  const certDir = resolve(DEFAULTS.certDir);
  // Loaded only here: the PKI code (@peculiar/x509) costs the long-running gateway ~18 MiB.
  const { DefaultPkiError, ensureDefaultPki } = await import('../pki/cli.js');
  // A first start makes ./certs before it listens: its ports are checked first, so that one
  // whose port is taken leaves no CA behind (listen-probe.ts).
  const probe = () => probeListeners([['admin.listen', defaultAddress(DEFAULTS.admin)], ['listen', defaultAddress(DEFAULTS.listen)]]);
  try {
    await ensureDefaultPki(certDir, io, probe);
  } catch (err) {
    // A ./certs it cannot use is a configuration error (exit 2, not restarted by the unit).
    if (err instanceof DefaultPkiError) throw new DefaultCertsError(err.message);
    throw err;
  }
  return buildConfig({}, process.cwd());
}

/** The embedded default cannot set up ./certs; the message is one line saying what to do. */
class DefaultCertsError extends Error {}

/** A DEFAULTS address, as the config reads it. */
function defaultAddress(text: string): ListenAddress {
  const parsed = parseListen(text);
  if (!parsed.ok) throw new Error(`DEFAULTS: ${parsed.message}`);
  return parsed.value;
}

/** This gateway's own dist/cli/main.js, which the CRL re-sign child runs as `certs crl`. */
const MAIN_SCRIPT = fileURLToPath(new URL('./main.js', import.meta.url));

/**
 * The embedded default re-signs its own CRL (crl-resign.ts): it made ./certs and its CA key,
 * and no timer or cron line exists for it. Not with a config file, nor without a crl.pem.
 */
function startEmbeddedCrlResign(config: GatewayConfig, gateway: RunningGateway, log: OperationalLog): () => void {
  if (config.tls.crl === undefined) return () => {};
  const certDir = resolve(DEFAULTS.certDir);
  return startCrlResign({
    certDir,
    crls: () => gateway.crls(),
    log,
    resign: () => runCertsCrl({ execPath: process.execPath, execArgv: childExecArgv(process.execArgv), script: MAIN_SCRIPT, certDir }),
  });
}

/** Run `dockgate serve`; resolves with the exit code once the gateway has stopped. */
export async function runServe(argv: readonly string[], io: CliIo): Promise<number> {
  // Before anything else, and before any await: see serve-signals.ts.
  const signals = captureServeSignals();
  const args = readServeArgs(argv, process.env, io);
  if (typeof args === 'number') return args;
  const { configFile } = args;
  let config: GatewayConfig;
  try {
    config = await resolveConfig(configFile, io);
  } catch (err) {
    if (err instanceof ConfigError) {
      io.stderr.write(`dockgate: ${err.message}\n`);
      return 2;
    }
    if (err instanceof DefaultCertsError) {
      io.stderr.write(`dockgate: cannot start the embedded default: ${escapeHidden(err.message)}\n`);
      return 2;
    }
    // As startGateway's own failure to bind says it (exit 1), before ./certs was made.
    if (err instanceof ListenProbeError) {
      io.stderr.write(`dockgate: cannot start: ${err.message}\n`);
      return 1;
    }
    throw err;
  }
  if (stoppedEarly(signals, io)) return 0;
  const log = createOperationalLog();
  let gateway: RunningGateway;
  try {
    gateway = await startGateway(config, log);
  } catch (err) {
    // Unusable TLS material or policy is a configuration error: exit 2, not 1.
    if (err instanceof StartMaterialError) {
      io.stderr.write(`dockgate: cannot start: invalid configuration:\n${startProblemsText(err)}\n`);
      return 2;
    }
    io.stderr.write(`dockgate: cannot start: ${escapeHidden((err as Error).message)}\n`);
    return 1;
  }
  gateway.metrics.watchLogDrops(() => log.linesDropped());
  if (stoppedEarly(signals, io)) {
    await gateway.stop();
    return 0;
  }
  return new Promise<number>((resolveExit) => {
    let stopping = false;
    let stopCrlResign = (): void => {};
    const stop = (signal: string): void => {
      if (stopping) return;
      stopping = true;
      stopCrlResign();
      log.info({ signal }, 'shutting down: draining in-flight requests');
      gateway.stop().then(
        ({ auditRecordsLost }) => {
          if (auditRecordsLost === 0) return resolveExit(0);
          // Through the log (log-sink.ts), behind the lines still held for a slow reader, and
          // under its bounded exit wait (rev-fix-observe N2: written to Node's stderr directly it
          // overtook them, and a stalled reader held the exit for the 3 s safety exit).
          log.error({ event: 'audit-records-lost', lost: auditRecordsLost }, `${auditRecordsLost} audit records were lost at shutdown`);
          resolveExit(1);
        },
        (err: Error) => {
          log.error({ event: 'shutdown-error', err: err.message }, `shutdown error: ${err.message}`);
          resolveExit(1);
        },
      );
    };
    const addr = gateway.server.address();
    // pid: the process to signal, which is not npm's under `npm start` (README, Signals).
    log.info({ pid: process.pid, listen: hostPort(addr.host, addr.port), upstream: config.upstream.url, admin: gateway.adminAddress ? hostPort(gateway.adminAddress.host, gateway.adminAddress.port) : 'off', config: config.source ?? '(embedded default)', policy: config.policy ?? '(built-in default)' }, 'dockgate listening');
    if (configFile === undefined) stopCrlResign = startEmbeddedCrlResign(config, gateway, log);
    // Signals received while starting run now (a stop right after the "listening" line).
    signals.attach({ stop, reload: () => gateway.reload(), reopenAudit: () => gateway.reopenAudit() });
  });
}

/**
 * The problems of a refused start, one indented line each (a policy's: its head line, then its
 * problems indented again). They quote the operator's files (paths, a CA's subject, the
 * policy's keys and values): hidden characters written `\uXXXX`, as the config's problems are.
 */
function startProblemsText(err: StartMaterialError): string {
  return err.problems
    .map((p) => (typeof p === 'string' ? `  ${escapeHidden(p)}` : `  ${formatProblems(p.problems, p.source, escapeHidden).replace(/\n/g, '\n  ')}`))
    .join('\n');
}

/** A SIGTERM or SIGINT arrived while starting: stop before starting anything more. */
function stoppedEarly(signals: ServeSignals, io: CliIo): boolean {
  const signal = signals.stopRequested();
  if (signal) io.stderr.write(`dockgate: ${signal} during start-up; not starting\n`);
  return signal !== undefined;
}
