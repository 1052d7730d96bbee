/**
 * A process logging through the gateway's operational log (dist/observe/logger.js) to a stderr
 * pipe nobody reads still exits (rev-observe F3: pino's exit flush waited for as long as the
 * pipe stayed full, so a gateway with a stalled log collector never exited after SIGTERM).
 * A gateway whose stderr reader is gone counts the lines it drops in /metrics.
 */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, inject, it } from 'vitest';
import { configYaml, makePki, startGateway } from './support/gateway.js';
import { httpGet } from './support/prometheus.js';
import { until } from './support/until.js';

const LOGGER = pathToFileURL(resolve('dist/observe/logger.js')).href;

describe('operational log on a stderr pipe nobody reads', () => {
  it('the process exits after logging far more than the pipe holds', async () => {
    // 20 000 lines of about 300 bytes: 6 MB, where a pipe holds 64 KiB.
    const script = `import { createOperationalLog } from '${LOGGER}';
const log = createOperationalLog();
for (let i = 0; i < 20000; i++) log.info({ event: 'filler', i }, 'x'.repeat(250));
process.stdout.write('logged\\n');`;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
    // stderr is never read: the pipe fills and stays full.
    child.stderr.pause();
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const code = await new Promise<number | null>((resolveExit, reject) => {
      child.once('exit', (c) => resolveExit(c));
      // Generous: the sink waits 2 s at exit; without the fix the process never exits.
      setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error('the process did not exit with its stderr pipe full'));
      }, 60_000).unref();
    });
    expect(out).toBe('logged\n');
    expect(code).toBe(0);
  });
});

describe('operational log lines dropped, in /metrics', () => {
  it('a gateway whose stderr reader closed its end counts the lines it could not write', async () => {
    const pki = await makePki({});
    const gw = await startGateway(pki.dir, configYaml(pki, inject('dockerSocket')));
    const metric = async () => Number(/^dockgate_log_lines_dropped_total (\d+)$/m.exec((await httpGet(`http://127.0.0.1:${gw.adminPort}/metrics`)).body)?.[1] ?? NaN);
    try {
      expect(await metric()).toBe(0);
      // The reader goes: the gateway's next lines fail with EPIPE.
      gw.process.stderr?.destroy();
      // A reload logs (policy loaded, TLS material loaded): lines with nowhere to go.
      gw.process.kill('SIGHUP');
      const dropped = await until(async () => {
        const n = await metric();
        return n > 0 ? n : undefined;
      }, 15_000, 'dockgate_log_lines_dropped_total > 0');
      expect(dropped).toBeGreaterThan(0);
    } finally {
      expect(await gw.stop()).toBe(0);
    }
  });
});
