// Every flag the argument parsers accept is in README's Commands table (the row of its command),
// in the command's own --help, and, for `certs`, in its section of docs/certificates.md; the
// lifetimes' defaults there are validity.ts's (brief: "document every command, flag").
import { describe, expect, it } from 'vitest';
import { SERVE_ARGS, SERVE_USAGE } from '../../../src/cli/serve-args.js';
import type { ArgSpec } from '../../../src/cli/args.js';
import { CERTS_FLAGS } from '../../../src/pki/cli.js';
import { CERTS_HELP, COMMAND_HELP } from '../../../src/pki/cli-help.js';
import { DEFAULT_CA_DAYS, DEFAULT_CLIENT_DAYS, DEFAULT_CRL_DAYS, DEFAULT_SERVER_DAYS } from '../../../src/pki/validity.js';
import { CHECK_ARGS, EXPLAIN_ARGS, POLICY_USAGE } from '../../../src/policy/cli.js';
import { oneLine, repoText, section } from './doc-text.js';

const commands = section(repoText('README.md'), '## Commands');
const certificates = repoText('docs/certificates.md');

/** README's Commands row of `command` (`certs init`): the table line that starts with it. */
function readmeRow(command: string): string {
  const rows = commands.split('\n').filter((l) => l.startsWith(`| \`dockgate ${command} `) || l.startsWith(`| \`dockgate ${command}\``));
  expect(rows, `README Commands rows of dockgate ${command}`).toHaveLength(1);
  return rows[0] as string;
}

const flagsOf = (spec: ArgSpec): string[] => [...(spec.values ?? []), ...(spec.lists ?? []), ...(spec.switches ?? [])].filter((f) => f !== 'help');

/** `--flag` as a word of `text` (not the start of a longer flag: `--days` in `--ca-days` does not count). */
const namesFlag = (text: string, flag: string): boolean => new RegExp(`(^|[^a-z-])--${flag}(?![a-z-])`).test(text);

const certsCases = Object.entries(CERTS_FLAGS).flatMap(([command, spec]) => Object.keys(spec).map((flag): [string, string] => [command, flag]));

describe('dockgate certs', () => {
  it('has a README row, a --help and a certificates.md section for every subcommand, and no other', () => {
    const names = Object.keys(CERTS_FLAGS);
    expect(names.length).toBeGreaterThan(5);
    expect(Object.keys(COMMAND_HELP).sort()).toEqual([...names].sort());
    const rows = commands.split('\n').flatMap((l) => /^\| `dockgate certs ([a-z-]+)/.exec(l)?.[1] ?? []);
    expect(rows.sort()).toEqual([...names].sort());
    for (const name of names) {
      expect(section(certificates, `### \`certs ${name}\``).length).toBeGreaterThan(0);
      expect(CERTS_HELP).toContain(`  ${name}`);
    }
  });

  it.each(certsCases)('certs %s --%s is in README, its --help and certificates.md', (command, flag) => {
    expect(namesFlag(readmeRow(`certs ${command}`), flag), 'README').toBe(true);
    expect(namesFlag(COMMAND_HELP[command] ?? '', flag), '--help').toBe(true);
    expect(namesFlag(section(certificates, `### \`certs ${command}\``), flag), 'certificates.md').toBe(true);
  });

  // The lifetime flags and the constant each defaults to (validity.ts).
  const lifetimes: Array<[string, string, number]> = [
    ['init', 'days', DEFAULT_SERVER_DAYS],
    ['init', 'ca-days', DEFAULT_CA_DAYS],
    ['issue', 'days', DEFAULT_CLIENT_DAYS],
    ['renew', 'days', DEFAULT_CLIENT_DAYS],
    ['rotate-server', 'days', DEFAULT_SERVER_DAYS],
    ['revoke', 'crl-days', DEFAULT_CRL_DAYS],
    ['crl', 'crl-days', DEFAULT_CRL_DAYS],
  ];
  it('lists every lifetime flag below', () => {
    const days = certsCases.filter(([, flag]) => flag.endsWith('days'));
    expect(lifetimes.map(([c, f]) => `${c} ${f}`).sort()).toEqual(days.map(([c, f]) => `${c} ${f}`).sort());
  });
  it.each(lifetimes)('certs %s --%s defaults to %i days in --help and certificates.md', (command, flag, days) => {
    const help = oneLine(COMMAND_HELP[command] ?? '');
    expect(help).toMatch(new RegExp(`--${flag} N [^-]*default ${days}\\b`));
    const doc = oneLine(section(certificates, `### \`certs ${command}\``));
    expect(doc).toMatch(new RegExp(`\`--${flag} N\`[^\`]*default ${days} days`));
  });
});

describe('dockgate policy and serve', () => {
  const cases: Array<[string, ArgSpec, string]> = [
    ['policy check', CHECK_ARGS, POLICY_USAGE],
    ['policy explain', EXPLAIN_ARGS, POLICY_USAGE],
    ['serve', SERVE_ARGS, SERVE_USAGE],
  ];
  it.each(cases.flatMap(([command, spec, usage]) => flagsOf(spec).map((flag): [string, string, string] => [command, flag, usage])))(
    '%s --%s is in README and its usage',
    (command, flag, usage) => {
      expect(namesFlag(readmeRow(command), flag), 'README').toBe(true);
      expect(namesFlag(usage, flag), 'usage').toBe(true);
    },
  );
});
