// Every key the config loader accepts is a row of README's configuration table with the
// default the loader uses, and every row is a key it accepts (brief: "document every config key").
import { describe, expect, it } from 'vitest';
import { configKeyPaths, CONFIG_SECTIONS } from '../../../src/config/keys.js';
import { DEFAULTS } from '../../../src/config/defaults.js';
import { DEFAULT_TLS_FILES } from '../../../src/config/default-tls.js';
import { repoText, section, tableRows } from './doc-text.js';

const table = tableRows(section(repoText('README.md'), '## Configuration reference'));

describe('README configuration table', () => {
  it('has a row for every key the loader accepts, and no other', () => {
    const accepted = configKeyPaths();
    expect(accepted.length).toBeGreaterThan(20);
    // A mapping that holds nothing but keys (`tls`, `limits`) is documented by its keys' rows.
    const documented = [...table.keys()];
    const mappingsOnly = Object.keys(CONFIG_SECTIONS).filter((s) => s !== '' && !documented.includes(s));
    expect(documented.filter((k) => !accepted.includes(k)), 'rows naming no key the loader accepts').toEqual([]);
    expect(accepted.filter((k) => !documented.includes(k) && !mappingsOnly.includes(k)), 'keys with no row').toEqual([]);
    for (const m of mappingsOnly) expect(documented.some((k) => k.startsWith(`${m}.`)), `rows of ${m}.*`).toBe(true);
  });

  const defaults: Array<[string, string]> = [
    ['listen', DEFAULTS.listen],
    ['upstream', DEFAULTS.upstream],
    ['admin', DEFAULTS.admin],
    ['admin.listen', DEFAULTS.admin],
    ...(['ca', 'cert', 'key'] as const).map((k): [string, string] => [`tls.${k}`, `${DEFAULTS.certDir}/${DEFAULT_TLS_FILES[k]}`]),
    ...(CONFIG_SECTIONS.limits ?? []).map((k): [string, string] => [`limits.${k}`, String(DEFAULTS[k as keyof typeof DEFAULTS])]),
  ];
  it.each(defaults)('gives %s the default the loader uses (%s)', (key, value) => {
    expect(table.get(key)?.[1]).toBe(`\`${value}\``);
  });

  it('covers every limit of DEFAULTS', () => {
    const limits = Object.keys(DEFAULTS).filter((k) => !['listen', 'upstream', 'certDir', 'admin'].includes(k));
    expect(limits.sort()).toEqual([...(CONFIG_SECTIONS.limits ?? [])].sort());
  });
});
