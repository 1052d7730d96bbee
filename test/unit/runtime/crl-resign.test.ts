import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runCertsCommand } from '../../../src/pki/cli.js';
import { childExecArgv, crlResignDue, parseCertsCrlOutput, RESIGN_DAYS_LEFT, runCertsCrl, startCrlResign, type ResignResult } from '../../../src/runtime/crl-resign.js';
import type { CrlInfo } from '../../../src/server/crl.js';
import { captureIo, tempDirs } from '../pki/helpers.js';

const NOW = new Date('2026-06-01T00:00:00.000Z');
const DAY = 24 * 60 * 60 * 1000;
const at = (days: number): Date => new Date(NOW.getTime() + days * DAY);
const crl = (issuer: string, daysLeft: number | undefined, validDays = 30): CrlInfo => ({
  issuer,
  ca: issuer,
  thisUpdate: at((daysLeft ?? 0) - validDays),
  nextUpdate: daysLeft === undefined ? undefined : at(daysLeft),
  tbsHash: `${issuer}/${daysLeft}`,
  block: `PEM of ${issuer}`,
});
const tmp = tempDirs();

describe('crlResignDue', () => {
  it.each([
    // name, CRLs in force, the issuer of the CRL that makes it due (undefined: not due)
    ['no CRL', [], undefined],
    ['a CRL without nextUpdate (never expires)', [crl('A', undefined)], undefined],
    ['a fresh 30-day CRL', [crl('A', 30)], undefined],
    ['just over the threshold', [crl('A', RESIGN_DAYS_LEFT + 1 / DAY)], undefined],
    ['exactly at the threshold (10 days left is not "less than 10")', [crl('A', RESIGN_DAYS_LEFT)], undefined],
    ['one millisecond under the threshold', [crl('A', RESIGN_DAYS_LEFT - 1 / DAY)], 'A'],
    ['3 days left', [crl('A', 3)], 'A'],
    ['expiring at this instant', [crl('A', 0)], 'A'],
    ['already expired', [crl('A', -5)], 'A'],
    ['a 1-day CRL signed just now (short --crl-days)', [crl('A', 1, 1)], 'A'],
    ['several CRLs, none due', [crl('A', 20), crl('B', 11), crl('C', undefined)], undefined],
    ['several CRLs, the second due', [crl('A', 20), crl('B', 9)], 'B'],
    ['several CRLs due: the one expiring first', [crl('A', 5), crl('B', -1), crl('C', 2)], 'B'],
    ['several CRLs, one without nextUpdate and one due', [crl('A', undefined), crl('B', 4)], 'B'],
  ] as const)('%s', (_name, crls, issuer) => {
    expect(crlResignDue(crls, NOW)?.issuer).toBe(issuer);
  });
});

describe('childExecArgv', () => {
  it('keeps the launchers\' flags and drops those that open an inspector', () => {
    expect(childExecArgv(['--max-semi-space-size=4', '--inspect-port=0.0.0.1:9229'])).toEqual(['--max-semi-space-size=4', '--inspect-port=0.0.0.1:9229']);
    expect(childExecArgv(['--inspect', '--inspect=127.0.0.1:9230', '--inspect-brk', '--inspect-wait=9231', '--enable-source-maps'])).toEqual(['--enable-source-maps']);
    expect(childExecArgv([])).toEqual([]);
  });
});

describe('parseCertsCrlOutput', () => {
  it('reads the number and nextUpdate that a real "certs crl" prints', async () => {
    const dir = await tmp();
    const init = captureIo();
    expect(await runCertsCommand(['init', '--dir', dir, '--host', 'localhost'], init.io)).toBe(0);
    const crlRun = captureIo();
    expect(await runCertsCommand(['crl', '--dir', dir], crlRun.io)).toBe(0);
    const parsed = parseCertsCrlOutput(crlRun.out());
    expect(parsed.crlNumber).toBeGreaterThan(1);
    const left = (parsed.nextUpdate?.getTime() ?? 0) - Date.now();
    expect(left).toBeGreaterThan(29 * DAY);
    expect(left).toBeLessThanOrEqual(30 * DAY);
  });

  it('gives nothing for output it does not know', () => {
    expect(parseCertsCrlOutput('something else\n')).toEqual({});
  });
});

describe('runCertsCrl', () => {
  const script = async (body: string): Promise<string> => {
    const file = join(await tmp(), 'fake-main.mjs');
    await writeFile(file, body);
    return file;
  };

  it('starts <node> <flags> <script> certs crl --dir DIR and reads the new nextUpdate', async () => {
    const file = await script(`
      const args = process.argv.slice(2).join(' ');
      if (args !== 'certs crl --dir /some/certs') { process.stderr.write('wrong args: ' + args + '\\n'); process.exit(2); }
      process.stdout.write('Wrote CRL #7 to /some/certs/crl.pem, next update 2026-07-01T00:00:00.000Z\\n');
    `);
    const r = await runCertsCrl({ execPath: process.execPath, execArgv: ['--max-semi-space-size=4'], script: file, certDir: '/some/certs' });
    expect(r).toEqual({ ok: true, crlNumber: 7, nextUpdate: new Date('2026-07-01T00:00:00.000Z') });
  });

  it('a failing child gives its exit code and the first line of its stderr', async () => {
    const file = await script(`process.stderr.write('\\ndockgate certs: no ca-key.pem in /x\\nsecond line\\n'); process.exit(1);`);
    const r = await runCertsCrl({ execPath: process.execPath, execArgv: [], script: file, certDir: '/x' });
    expect(r).toEqual({ ok: false, exitCode: 1, signal: null, stderr: 'dockgate certs: no ca-key.pem in /x' });
  });

  it('a child that hangs is killed after the timeout; one that cannot start is a failure too', async () => {
    const file = await script('setInterval(() => {}, 1000);');
    const hung = await runCertsCrl({ execPath: process.execPath, execArgv: [], script: file, certDir: '/x', timeoutMs: 300 });
    expect(hung).toMatchObject({ ok: false, exitCode: null, signal: 'SIGTERM' });
    const missing = await runCertsCrl({ execPath: '/nonexistent/node', execArgv: [], script: file, certDir: '/x' });
    expect(missing).toMatchObject({ ok: false, exitCode: null });
    expect((missing as { stderr: string }).stderr).toContain('ENOENT');
  });
});

describe('startCrlResign', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  const recorder = () => {
    const lines: Array<{ level: string; obj: Record<string, unknown>; msg: string }> = [];
    return {
      lines,
      log: {
        info: (obj: object, msg: string) => lines.push({ level: 'info', obj: obj as Record<string, unknown>, msg }),
        error: (obj: object, msg: string) => lines.push({ level: 'error', obj: obj as Record<string, unknown>, msg }),
      },
    };
  };

  it('checks at start and every hour; re-signs only when due; logs success and failure; retries a failure', async () => {
    vi.useFakeTimers();
    let inForce: CrlInfo[] = [crl('CN=dockgate CA', 20)];
    const results: ResignResult[] = [
      { ok: false, exitCode: 1, signal: null, stderr: 'dockgate certs: index.lock is held' },
      { ok: true, crlNumber: 3, nextUpdate: at(30) },
    ];
    const resign = vi.fn(async () => results.shift() as ResignResult);
    const { lines, log } = recorder();
    const stop = startCrlResign({ certDir: '/c', crls: () => inForce, log, resign, now: () => NOW, intervalMs: 1000 });
    await vi.advanceTimersByTimeAsync(0);
    expect(resign).not.toHaveBeenCalled();

    inForce = [crl('CN=dockgate CA', 2)];
    await vi.advanceTimersByTimeAsync(1000);
    expect(resign).toHaveBeenCalledTimes(1);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'error', obj: { event: 'crl-resign-failed', dir: '/c', exitCode: 1, stderr: 'dockgate certs: index.lock is held', nextUpdate: at(2).toISOString() } });

    await vi.advanceTimersByTimeAsync(1000);
    expect(resign).toHaveBeenCalledTimes(2);
    expect(lines[1]).toMatchObject({ level: 'info', obj: { event: 'crl-resigned', dir: '/c', crlNumber: 3, nextUpdate: at(30).toISOString(), previousNextUpdate: at(2).toISOString() } });

    // The file watch installed the new CRL: nothing more to do.
    inForce = [crl('CN=dockgate CA', 30)];
    await vi.advanceTimersByTimeAsync(5000);
    expect(resign).toHaveBeenCalledTimes(2);

    stop();
    inForce = [crl('CN=dockgate CA', -1)];
    await vi.advanceTimersByTimeAsync(5000);
    expect(resign).toHaveBeenCalledTimes(2);
    expect(vi.getTimerCount()).toBe(0);
  });

  it('re-signs at start when the CRL in force is due, and runs one child at a time', async () => {
    vi.useFakeTimers();
    let finish: (r: ResignResult) => void = () => {};
    const resign = vi.fn(() => new Promise<ResignResult>((r) => (finish = r)));
    const { lines, log } = recorder();
    const stop = startCrlResign({ certDir: '/c', crls: () => [crl('A', -3)], log, resign, now: () => NOW, intervalMs: 1000 });
    expect(resign).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(3500);
    expect(resign).toHaveBeenCalledTimes(1);
    finish({ ok: false, exitCode: null, signal: 'SIGTERM', stderr: '' });
    await vi.advanceTimersByTimeAsync(0);
    expect(lines[0]).toMatchObject({ level: 'error', obj: { event: 'crl-resign-failed', exitCode: null, signal: 'SIGTERM' } });
    expect(lines[0]?.msg).toContain('expired on');
    stop();
  });

  it('a resign that throws is logged as a failure, not an unhandled rejection', async () => {
    const { lines, log } = recorder();
    const stop = startCrlResign({ certDir: '/c', crls: () => [crl('A', 1)], log, resign: () => Promise.reject(new Error('boom')), now: () => NOW });
    await new Promise((r) => setTimeout(r, 10));
    expect(lines[0]).toMatchObject({ level: 'error', obj: { event: 'crl-resign-failed', stderr: 'boom' } });
    stop();
  });
});
