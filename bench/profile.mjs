/**
 * Profiles the gateway under keep-alive load: starts the bench environment with the gateway
 * under `node --cpu-prof`, drives `GET /_ping` and `GET /containers/json` (50 containers, the
 * bench's fixtures) at 16 concurrent clients, stops the gateway so V8 writes the profile, and prints self time by
 * function and by file. Usage: `node bench/profile.mjs [seconds] [keepalive|newconn]` (after
 * `npm run build`); `newconn` profiles `GET /_ping` with a new TLS connection per request.
 *
 * The profile's directory, `/tmp/dgb-prof-*`, is claimed while the run lasts, as the
 * environment's are (scripts/lib/owned-dirs.mjs): a run stopped before it ends (a signal, an
 * error, SIGKILL) leaves it to the next bench run to remove, with the gateway that names it
 * (`--cpu-prof-dir`) should that still run. A run that ends with its profile written gives the
 * claim up: the profile it prints is kept.
 */
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { claimDir, releaseDir } from '../scripts/lib/owned-dirs.mjs';
import { startEnvironment } from './lib/environment.mjs';
import { setupFixtures } from './lib/fixtures.mjs';
import { buildLoadgen, runLoad } from './lib/loadgen.mjs';
import { summarizeProfile } from './lib/cpu-profile.mjs';

const seconds = Number(process.argv[2] ?? 10);
const newconn = process.argv[3] === 'newconn';
const profDir = mkdtempSync('/tmp/dgb-prof-');
claimDir(profDir);
buildLoadgen();
const env = await startEnvironment({ gatewayNodeArgs: ['--cpu-prof', '--cpu-prof-dir', profDir] });
let fixtures;
try {
  fixtures = await setupFixtures(env.daemon.socket, 1 << 20, 50, env.root);
  const gateway = env.targets.find((t) => t.name === 'dockgate');
  for (const path of newconn ? ['/_ping'] : ['/_ping', '/containers/json']) {
    const r = await runLoad(gateway, env.bundles.allowed, { mode: newconn ? 'newconn' : 'keepalive', path, concurrency: 16, seconds });
    console.log(`${path}: ${r.rps.toFixed(0)} req/s, p50 ${r.p50_us} us, p99 ${r.p99_us} us, errors ${r.errors}`);
  }
} finally {
  await env.stop();
  if (fixtures) rmSync(fixtures.dir, { recursive: true, force: true });
}
const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
if (!file) throw new Error(`no profile written in ${profDir}`);
const summary = summarizeProfile(join(profDir, file));
releaseDir(profDir);
console.log(`profile: ${join(profDir, file)} (${summary.totalMs.toFixed(0)} ms sampled)`);
console.log('\nself time by file:');
for (const f of summary.files) console.log(`${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`);
console.log('\nself time by function:');
for (const f of summary.functions) console.log(`${(f.share * 100).toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(6)} ms  ${f.name}`);
