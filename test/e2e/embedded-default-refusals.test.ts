/**
 * `dockgate serve` without a config, in a directory whose ./certs it cannot use: one line
 * saying what to do (serve has no --force), exit 2 (a configuration error, which the systemd
 * unit does not restart), nothing listening and nothing created or moved.
 */
import { mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { CLI, run } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

const INIT_FILES = ['ca.pem', 'ca-key.pem', 'server-cert.pem', 'server-key.pem', 'crl.pem', 'index.json'];

it.each([
  ['clients/ left without a CA', (c: string) => (mkdirSync(join(c, 'clients', 'bob'), { recursive: true }), writeFileSync(join(c, 'clients', 'bob', 'cert.pem'), 'x')), /clients holds bundles \(bob\) though .* holds no CA; nothing was created: move it out of .*--config FILE/, ['clients']],
  ['a ca-key.pem without ca.pem', (c: string) => (mkdirSync(c), writeFileSync(join(c, 'ca-key.pem'), 'x')), /ca-key\.pem exists though .*ca\.pem does not; nothing was created: move it out of .*--config FILE/, ['ca-key.pem']],
  ['an index.json without a CA', (c: string) => (mkdirSync(c), writeFileSync(join(c, 'index.json'), '{}')), /index\.json exists though .* holds no CA; nothing was created/, ['index.json']],
  ['./certs is a file', (c: string) => writeFileSync(c, 'x'), /cannot set up a CA in .*certs: .*is not a directory; make .* a directory this user \(uid \d+\) can write, or start with --config FILE/, undefined],
  ['clients is a file (the CA is made, its admin bundle not)', (c: string) => (mkdirSync(c), writeFileSync(join(c, 'clients'), 'x')), /created a CA in .* but not its "admin" bundle: .*; fix that and run "(?:dockgate|node \S+\/dist\/cli\/main\.js) certs issue admin --dir .* --group admin"/, [...INIT_FILES, 'clients'].sort()],
])('%s: one line, exit 2, nothing listening', async (_name, prepare, message, left) => {
  const cwd = scratchDir('default-refused-');
  const certs = join(cwd, 'certs');
  prepare(certs);
  const env = { ...process.env };
  delete env.DOCKGATE_CONFIG;
  const r = await run(process.execPath, [CLI, 'serve'], { cwd, env, timeoutMs: 30_000 });
  expect(r.code, r.stderr).toBe(2);
  const lines = r.stderr.trimEnd().split('\n');
  expect(lines, r.stderr).toHaveLength(1);
  expect(lines[0]).toMatch(/^dockgate: cannot start the embedded default: /);
  expect(lines[0]).toMatch(message);
  // No stack trace, no flag `serve` does not have.
  expect(r.stderr).not.toMatch(/\n\s+at |--force/);
  expect(r.stderr).not.toContain('dockgate listening');
  if (left) expect(readdirSync(certs).sort()).toEqual(left);
});
