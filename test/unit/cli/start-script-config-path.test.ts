/**
 * scripts/start.sh changes to the checkout before it runs `dockgate serve`, so a relative
 * `--config` was read from the checkout, not from where the operator typed it (rev-newuser F9).
 * The script is run here for real, in a copy of the checkout's layout whose dist/cli/main.js is
 * a stand-in printing the arguments and DOCKGATE_CONFIG it was given (no gateway, no port).
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const script = fileURLToPath(new URL('../../../scripts/start.sh', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'dockgate-start-sh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const checkout = join(dir, 'checkout');
const caller = join(dir, 'elsewhere');
mkdirSync(join(checkout, 'scripts'), { recursive: true });
mkdirSync(join(checkout, 'node_modules'));
mkdirSync(join(checkout, 'src'));
mkdirSync(join(checkout, 'dist', 'cli'), { recursive: true });
mkdirSync(caller);
copyFileSync(script, join(checkout, 'scripts', 'start.sh'));
writeFileSync(join(checkout, 'package.json'), '{}\n');
writeFileSync(join(checkout, 'dist', 'cli', 'main.js'), 'console.log(JSON.stringify({ argv: process.argv.slice(2), env: process.env.DOCKGATE_CONFIG ?? null, cwd: process.cwd() }));\n');
// Sources older than the build: the script must not rebuild.
const old = new Date(Date.now() - 3_600_000);
for (const p of ['src', 'package.json']) utimesSync(join(checkout, p), old, old);

/** Run the copied start.sh from `cwd` with `args` and extra environment; what the stand-in saw. */
function run(cwd: string, args: string[], env: Record<string, string> = {}): { argv: string[]; env: string | null; cwd: string } {
  const base = { ...process.env };
  for (const k of ['npm_lifecycle_event', 'INIT_CWD', 'DOCKGATE_CONFIG']) delete base[k];
  const out = execFileSync('bash', [join(checkout, 'scripts', 'start.sh'), ...args], { cwd, env: { ...base, ...env }, encoding: 'utf8' });
  return JSON.parse(out) as { argv: string[]; env: string | null; cwd: string };
}

describe('scripts/start.sh resolves a relative config against the caller (rev-newuser F9)', () => {
  it.each([
    ['--config FILE, relative', ['--config', 'mine.yaml'], ['serve', '--config', join(caller, 'mine.yaml')]],
    ['--config=FILE, relative', ['--config=sub/mine.yaml'], ['serve', `--config=${join(caller, 'sub/mine.yaml')}`]],
    ['--config FILE, absolute: unchanged', ['--config', '/etc/dockgate/x.yaml'], ['serve', '--config', '/etc/dockgate/x.yaml']],
    ['no arguments: the embedded default', [], ['serve']],
    ['an empty --config stays empty (serve refuses it)', ['--config', ''], ['serve', '--config', '']],
    ['--help and other words pass through', ['--help'], ['serve', '--help']],
  ])('%s', (_label, args, want) => {
    const seen = run(caller, args);
    expect(seen.argv).toEqual(want);
    expect(seen.cwd).toBe(checkout);
  });

  it('a relative DOCKGATE_CONFIG too', () => {
    expect(run(caller, [], { DOCKGATE_CONFIG: 'gw.yaml' }).env).toBe(join(caller, 'gw.yaml'));
  });

  it('under npm start (run in the package root), against INIT_CWD, where npm was invoked', () => {
    const seen = run(checkout, ['--config', 'mine.yaml'], { npm_lifecycle_event: 'start', INIT_CWD: caller });
    expect(seen.argv).toEqual(['serve', '--config', join(caller, 'mine.yaml')]);
  });

  it('INIT_CWD left over from another npm script is not used', () => {
    const seen = run(caller, ['--config', 'mine.yaml'], { npm_lifecycle_event: 'test', INIT_CWD: checkout });
    expect(seen.argv).toEqual(['serve', '--config', join(caller, 'mine.yaml')]);
  });
});
