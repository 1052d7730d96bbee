/**
 * The benchmark harness in smoke mode: it starts its own private dockerd, nginx and gateway,
 * drives every scenario on every target for about a second, and checks every answer (status
 * codes, byte counts, sha256 of streamed data). No timing is asserted: this only proves that
 * `npm run bench` measures working targets, so a broken benchmark cannot report a good number.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

interface Cell {
  rps?: number;
  mbps?: number;
  requests: number;
}
interface SmokeResults {
  smoke: boolean;
  policyRules: number;
  problems: string[];
  scenarios: { id: string; group: string; cells: Record<string, Cell> }[];
  idle: Record<string, { established: number }>;
  soak: { requests: number; start: { fds: number }; end: { fds: number } };
}

function runSmoke(): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, ['bench/run.mjs', '--smoke'], { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('close', (code) => done({ code, stderr }));
  });
}

describe('npm run bench -- --smoke', () => {
  it('every scenario answers correctly on every target', { timeout: 300_000 }, async () => {
    const { code, stderr } = await runSmoke();
    expect(code, stderr.slice(-4000)).toBe(0);
    const results = JSON.parse(readFileSync(resolve('bench/results/smoke.json'), 'utf8')) as SmokeResults;
    expect(results.smoke).toBe(true);
    expect(results.problems).toEqual([]);
    expect(results.policyRules).toBeGreaterThanOrEqual(50);
    const ids = results.scenarios.map((s) => s.id);
    expect(ids).toEqual([
      'ka /_ping c1', 'ka /_ping c16', 'ka /_ping c64',
      'ka /containers/json c1', 'ka /containers/json c16', 'ka /containers/json c64',
      'newconn /_ping c16', 'create denied c16', 'create allowed c4',
      'stream cp-out', 'stream cp-in', 'stream logs', 'stream exec',
    ]);
    for (const s of results.scenarios) {
      const targets = s.id === 'create denied c16' ? ['dockgate'] : ['direct', 'dockerd-tls', 'nginx', 'node-proxy', 'dockgate'];
      expect(Object.keys(s.cells).sort(), s.id).toEqual([...targets].sort());
      for (const t of targets) expect(s.cells[t]?.requests, `${s.id} on ${t}`).toBeGreaterThan(0);
    }
    expect(Object.keys(results.idle).sort()).toEqual(['dockerd-tls', 'dockgate', 'nginx', 'node-proxy']);
    for (const idle of Object.values(results.idle)) expect(idle.established).toBe(50);
    expect(results.soak.requests).toBeGreaterThan(0);
  });
});
