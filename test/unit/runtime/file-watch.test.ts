/**
 * watchFiles on real files: a file written in place in two steps, with a pause between them
 * longer than one poll, is reported once, complete, after it has gone unmodified for the quiet
 * period; a replacement by rename is reported; so are a change of permissions alone and a
 * removed file.
 */
import { appendFileSync, chmodSync, mkdtempSync, readFileSync, renameSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { watchFiles } from '../../../src/runtime/file-watch.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

function scratch(): string {
  const dir = mkdtempSync(join(tmpdir(), 'dg-watch-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** Watch `file`, recording what it holds each time the watcher reports it. */
function record(file: string, quietMs: number, stops: (() => void)[] = []): string[] {
  const seen: string[] = [];
  const stop = watchFiles([file], () => {
    try {
      seen.push(readFileSync(file, 'utf8'));
    } catch {
      seen.push('(missing)');
    }
  }, { intervalMs: 50, quietMs });
  cleanups.push(stop);
  stops.push(stop);
  return seen;
}

describe('watchFiles', () => {
  it('a file written in place in two steps, 600 ms apart, is reported once and whole', async () => {
    const file = join(scratch(), 'policy.yaml');
    writeFileSync(file, 'version: 1\n');
    const seen = record(file, 1000);
    await sleep(200);
    writeFileSync(file, 'rules:\n  - name: a\n');
    await sleep(600);
    appendFileSync(file, '    guards: { privileged: false }\n');
    for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(50);
    await sleep(300);
    expect(seen).toEqual(['rules:\n  - name: a\n    guards: { privileged: false }\n']);
  });

  it('a replacement by rename is reported with the new content', async () => {
    const dir = scratch();
    const file = join(dir, 'crl.pem');
    writeFileSync(file, 'old');
    const seen = record(file, 200);
    await sleep(150);
    writeFileSync(join(dir, 'crl.pem.new'), 'new');
    renameSync(join(dir, 'crl.pem.new'), file);
    for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(50);
    expect(seen).toEqual(['new']);
  });

  it('a change of permissions alone is reported (a replacement the service could not read, then fixed with chmod)', async () => {
    const file = join(scratch(), 'crl.pem');
    writeFileSync(file, 'new', { mode: 0o600 });
    const seen = record(file, 200);
    await sleep(150);
    chmodSync(file, 0o644);
    for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(50);
    expect(seen).toEqual(['new']);
  });

  it('a removed file is reported (the reload then fails and keeps the old material)', async () => {
    const file = join(scratch(), 'key.pem');
    writeFileSync(file, 'k');
    const seen = record(file, 200);
    await sleep(150);
    rmSync(file);
    for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(50);
    expect(seen).toEqual(['(missing)']);
  });

  it('a file whose mtime is far ahead of the clock (a skewed writer) is reported after a bounded wait, not waited for for good', async () => {
    const file = join(scratch(), 'policy.yaml');
    writeFileSync(file, 'old');
    const seen = record(file, 100);
    await sleep(150);
    writeFileSync(file, 'new');
    const ahead = new Date(Date.now() + 3_600_000);
    utimesSync(file, ahead, ahead);
    for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(50);
    expect(seen).toEqual(['new']);
  });

  it('a removed file is reported at once, without waiting for the quiet period', async () => {
    const file = join(scratch(), 'key.pem');
    writeFileSync(file, 'k');
    const seen = record(file, 5000);
    await sleep(150);
    rmSync(file);
    for (let i = 0; i < 200 && seen.length === 0; i++) await sleep(50);
    expect(seen).toEqual(['(missing)']);
  });

  it('stopping cancels a report still waiting for its quiet period', async () => {
    const file = join(scratch(), 'policy.yaml');
    writeFileSync(file, 'old');
    const stops: (() => void)[] = [];
    const seen = record(file, 400, stops);
    await sleep(150);
    writeFileSync(file, 'new');
    await sleep(200); // seen by a poll, waiting for its quiet period
    for (const stop of stops) stop();
    await sleep(600);
    expect(seen).toEqual([]);
  });
});
