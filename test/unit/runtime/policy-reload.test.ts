/**
 * The policy reload after a settle wait (the file watch's or SIGHUP's, file-watch.ts) loads the
 * bytes the wait found settled, never a later read of the file: a writer that starts rewriting
 * the file in place just after the wait leaves a prefix on disk, which can be valid and more
 * permissive than the whole (here the rule's `guards:` cut off). A read error the wait met fails
 * the reload even when the file can be read again by then.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { afterEach, describe, expect, it } from 'vitest';
import { createMetrics } from '../../../src/observe/metrics.js';
import type { SettledFile } from '../../../src/runtime/file-watch.js';
import type { VersionedGatekeeper } from '../../../src/runtime/policy-gatekeeper.js';
import { PolicyLoads } from '../../../src/runtime/policy-loads.js';
import { createPolicyReload } from '../../../src/runtime/policy-reload.js';
import { recorder } from './log-recorder.js';

const WHOLE = 'version: 1\nrules:\n  - name: run\n    who: { anyone: true }\n    allow: [ContainerCreate]\n    guards: { privileged: false }\n';
/** What an in-place rewrite of WHOLE has written so far: the rule without its guards. */
const PREFIX = 'version: 1\nrules:\n  - name: run\n    who: { anyone: true }\n    allow: [ContainerCreate]\n';

const cleanups: (() => void)[] = [];
afterEach(() => {
  for (const c of cleanups.splice(0)) c();
});

/** A policy file holding `onDisk`, and a reload of it recording what it installs and logs. */
function reloadOf(onDisk: string) {
  const dir = mkdtempSync(join(tmpdir(), 'dg-policy-reload-'));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'policy.yaml');
  writeFileSync(file, onDisk);
  const installed: VersionedGatekeeper[] = [];
  const { lines, log } = recorder();
  const reload = createPolicyReload({ file, policyLoads: new PolicyLoads(), install: (next) => installed.push(next), metrics: createMetrics(new Registry(), { identityLabel: false, version: 't' }), log: log as never });
  return { file, reload, installed, lines };
}

const guardsOf = (g: VersionedGatekeeper | undefined) => g?.policy.rules.map((r) => r.guards.map((x) => x.definition.key));

describe('policy reload after a settle wait', () => {
  it.each<{ name: string; settled: (file: string) => SettledFile; installs: string[][] | undefined; error?: string }>([
    { name: 'the settled bytes are loaded, not the prefix now on disk', settled: () => ({ bytes: Buffer.from(WHOLE) }), installs: [['privileged']] },
    { name: 'a read error the wait met fails the reload, though the file reads now', settled: (file) => ({ error: Object.assign(new Error(`ENOENT: no such file or directory, open '${file}'`), { code: 'ENOENT', syscall: 'open' }) }), installs: undefined, error: 'cannot read policy file: no such file' },
    { name: 'settled bytes that are not UTF-8 are refused as a read of them is', settled: () => ({ bytes: Buffer.concat([Buffer.from(PREFIX), Buffer.from([0xe9, 0x0a])]) }), installs: undefined, error: 'is not UTF-8 text: byte 0xE9' },
    { name: 'settled bytes over the policy size bound are refused as a read of them is', settled: () => ({ bytes: Buffer.alloc(4 * 1024 * 1024 + 1, 0x0a) }), installs: undefined, error: 'bytes; at most 4194304 are read' },
  ])('$name', ({ settled, installs, error }) => {
    const r = reloadOf(PREFIX);
    r.reload(-1, settled(r.file));
    expect(guardsOf(r.installed[0])).toEqual(installs);
    if (error === undefined) expect(r.lines.map((l) => l.msg)).toContain('policy loaded');
    else expect(r.lines.find((l) => l.level === 'error')?.obj).toMatchObject({ err: expect.stringContaining(error) });
  });

  it('without what a wait read, the file is read', () => {
    const r = reloadOf(WHOLE);
    r.reload(-1);
    expect(guardsOf(r.installed[0])).toEqual([['privileged']]);
  });
});
