/**
 * The `crl-expired-connections-closed` line of each listener (crl-cut-log.ts), worded from
 * crl-listeners.ts: the Docker listener's line as start-gateway.ts wrote it inline before (its
 * fields in that order, no `listener`), the admin listener's with `listener: "admin"` and its file.
 */
import { describe, expect, it } from 'vitest';
import { recorder } from './log-recorder.js';
import { logCrlCut } from '../../../src/runtime/crl-cut-log.js';

const certificates = ['alice (serial 0a): 2', 'bob (serial 0b): 1'];

describe('crl-expired-connections-closed', () => {
  it.each([
    [
      'docker',
      '{"event":"crl-expired-connections-closed","closed":3,"certificates":["alice (serial 0a): 2","bob (serial 0b): 1"]}',
      'open connections were closed: the CRL in force of a CA of their chain has expired (CRL_HAS_EXPIRED), and it may lack revocations made since; install a CRL valid now ("dockgate certs crl")',
    ],
    [
      'admin',
      '{"event":"crl-expired-connections-closed","listener":"admin","closed":3,"certificates":["alice (serial 0a): 2","bob (serial 0b): 1"]}',
      'open admin connections were closed: the CRL in force (admin.tls.crl) of a CA of their chain has expired (CRL_HAS_EXPIRED), and it may lack revocations made since; install a CRL valid now ("dockgate certs crl")',
    ],
  ] as const)('the %s listener\'s line', (listener, fields, msg) => {
    const r = recorder();
    logCrlCut(r.log, listener, 3, certificates);
    expect(r.lines).toHaveLength(1);
    expect(r.lines[0]?.level).toBe('warn');
    // As serialised: the same fields in the same order as the line the log writes.
    expect(JSON.stringify(r.lines[0]?.obj)).toBe(fields);
    expect(r.lines[0]?.msg).toBe(msg);
  });
});
