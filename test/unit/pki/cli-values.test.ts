/**
 * What `certs` says about values it should not or cannot use (rev-pki findings 9, 10): names
 * that look like others, a bad --host.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, test } from 'vitest';
import { tempDirs } from './helpers.js';
import { run } from './cli-run.js';

const tmp = tempDirs();

describe('names that look like others are issued with a warning', () => {
  let dir: string;
  beforeAll(async () => {
    dir = join(await tmp(), 'certs');
    expect((await run('init', '--dir', dir)).code).toBe(0);
    expect((await run('issue', 'admin', '--dir', dir)).code).toBe(0);
  });

  test.each([
    ['Admin', [/name "Admin" differs from "admin" only by case or Unicode form/]],
    ['\u0430dmin', [/name "аdmin" has non-ASCII characters \(U\+0430\)/]],
    ['\uff41dmin', [/non-ASCII characters \(U\+FF41\)/, /name "ａdmin" differs from "admin", "Admin" only by case or Unicode form/]],
    ['admin, OU=ops', [/name "admin, OU=ops" contains , =, which distinguished names use as syntax/]],
    ['a+b;c<d>"e"', [/contains \+ ; < > "/]],
    ['carol', []],
    ['admin2', []],
    // Rows below follow those above (the index holds carol now).
    ['carol.', [/name "carol\." differs from "carol" only by leading or trailing dots or spaces/]],
    // A name with invisible characters is refused (hidden-names.test.ts); one issued before that still makes a new look-alike warned about.
    ['Carol.', [/name "Carol\." differs from "carol", "carol\." only by case or Unicode form, leading or trailing dots or spaces/]],
  ] as const)('issue %j: exit 0, warnings on stderr', async (name, warnings) => {
    const r = await run('issue', name, '--dir', dir);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`Issued a client certificate for "${name}"`);
    const lines = r.err.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(warnings.length);
    for (const [i, w] of warnings.entries()) {
      expect(lines[i]).toMatch(/^dockgate certs: warning: /);
      expect(lines[i]).toMatch(w);
    }
  });
});

describe('a bad --host is a bad value: exit 2', () => {
  test.each([
    ['init', ['init', '--host', 'bad host']],
    ['rotate-server', ['rotate-server', '--host', 'bad host']],
  ])('%s', async (command, argv) => {
    const dir = join(await tmp(), 'certs');
    if (command !== 'init') expect((await run('init', '--dir', dir)).code).toBe(0);
    const r = await run(...argv, '--dir', dir);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`dockgate certs: "bad host" is neither an IP address nor a DNS name (see "dockgate certs ${command} --help")\n`);
  });
});
