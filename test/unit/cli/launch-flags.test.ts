/**
 * The gateway is launched three ways (the `dockgate` command's shebang, scripts/start.sh and
 * the image's ENTRYPOINT), and the bench launches it as the shebang does. The Node flags tune
 * its memory and CPU (docs/deployment.md), so the three must not drift apart.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const read = (path: string): string => readFileSync(root + path, 'utf8');

/** Flags between `node` and the script in `#!/usr/bin/env -S node FLAGS`. */
function shebangFlags(): string[] {
  const first = read('src/cli/main.ts').split('\n', 1)[0] ?? '';
  const m = /^#!\/usr\/bin\/env -S node((?: --\S+)*)$/.exec(first);
  if (!m) throw new Error(`src/cli/main.ts: unexpected shebang ${first}`);
  return (m[1] ?? '').trim().split(' ');
}

/** Flags of scripts/start.sh's `exec node FLAGS dist/cli/main.js serve "$@"`. */
function startScriptFlags(): string[] {
  const lines = read('scripts/start.sh').split('\n').filter((l) => l.startsWith('exec node '));
  expect(lines).toHaveLength(1);
  const m = /^exec node ((?:--\S+ )*)dist\/cli\/main\.js serve "\$@"$/.exec(lines[0] ?? '');
  if (!m) throw new Error(`scripts/start.sh: unexpected exec line ${lines[0]}`);
  return (m[1] ?? '').trim().split(' ');
}

/** Flags of the Dockerfile's `ENTRYPOINT ["node", FLAGS..., "/opt/dockgate/dist/cli/main.js"]`. */
function entrypointFlags(): string[] {
  const lines = read('Dockerfile').split('\n').filter((l) => l.startsWith('ENTRYPOINT '));
  expect(lines).toHaveLength(1);
  const words = JSON.parse((lines[0] ?? '').slice('ENTRYPOINT '.length)) as string[];
  expect(words[0]).toBe('node');
  expect(words.at(-1)).toBe('/opt/dockgate/dist/cli/main.js');
  return words.slice(1, -1);
}

describe('launcher Node flags', () => {
  it('the shebang, scripts/start.sh and the Dockerfile start Node with the same flags', () => {
    const flags = shebangFlags();
    expect(flags.every((f) => f.startsWith('--'))).toBe(true);
    expect(startScriptFlags()).toEqual(flags);
    expect(entrypointFlags()).toEqual(flags);
  });

  it('the flags are the documented ones (docs/deployment.md: young generation, SIGUSR1)', () => {
    expect(shebangFlags()).toEqual(['--max-semi-space-size=4', '--inspect-port=0.0.0.1:9229']);
  });
});
