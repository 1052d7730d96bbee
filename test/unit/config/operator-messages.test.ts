/**
 * Messages operators read, worded for them instead of the YAML library's (rev-config F7):
 * several documents, a bare `*`, `admin: Off`, and `policy check --config` saying what serve
 * says about the same file's YAML.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildConfig, loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/validate.js';
import { policyPathFromConfig } from '../../../src/policy/config-policy-path.js';
import { PolicyError } from '../../../src/policy/errors.js';
import { problems } from '../policy/fixtures.js';

const dir = mkdtempSync('/tmp/dgt-messages-');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** `path: message` of every problem loading config `text`, or of calling `load`. */
function configProblems(text: string, load: (file: string) => unknown = loadConfig): string[] {
  const file = join(dir, 'c.yaml');
  writeFileSync(file, text);
  try {
    load(file);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems.map((p) => `${p.path}: ${p.message}`);
    throw err;
  }
  return [];
}

const RULES = 'rules:\n  - { name: r, who: { anyone: true }, allow: [ContainerList] }\n';

describe('policy YAML messages', () => {
  it.each([
    ['several documents', `version: 1\n${RULES}---\nversion: 1\n`, 4, 'the file holds several YAML documents (separated by ---); it must hold one'],
    ['a bare * in a flow list', `version: 1\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: [ContainerCreate]\n    guards: { images: { allow: [*] } }\n`, 6, 'Alias cannot be an empty string (column 33): a bare * starts an alias in YAML; quote it ("*")'],
    ['a bare * as a block item', `version: 1\nrules:\n  - name: r\n    who: { anyone: true }\n    deny:\n      - *\n`, 6, 'Alias cannot be an empty string (column 9): a bare * starts an alias in YAML; quote it ("*")'],
    // Two rules run together on one line (rev-newuser F8): the column says where on the line.
    ['a rule appended without a newline', `version: 1\nrules:\n  - name: a\n    who: { anyone: true }\n    allow: [SystemPing]  - name: b\n`, 5, expect.stringMatching(/ \(column 26\)$/)],
  ])('%s', (_name, text, line, message) => {
    expect(problems(text)).toContainEqual({ path: '', line, message });
  });
});

describe('config messages', () => {
  it('several documents, with the line', () => {
    expect(configProblems('listen: 127.0.0.1:1\n---\nlisten: 127.0.0.1:2\n')).toEqual(['(yaml): line 2: the file holds several YAML documents (separated by ---); it must hold one']);
  });

  it('a syntax error says its line and column (rev-newuser F8)', () => {
    expect(configProblems('listen: 127.0.0.1:2376\ntls: { ca: ca.pem  cert: c.pem }\n')).toContainEqual(expect.stringMatching(/^\(yaml\): line 2: .* \(column 12\)$/));
  });

  it.each(['Off', 'OFF', 'disabled'])('admin: %s says how to turn the listener off', (value) => {
    let got: string[] = [];
    try {
      buildConfig({ admin: value, tls: { ca: 'x', cert: 'x', key: 'x' } }, dir, 'test.yaml');
    } catch (err) {
      got = (err as ConfigError).problems.filter((p) => p.path === 'admin').map((p) => p.message);
    }
    expect(got).toEqual([`"${value}" is not host:port or tcp://host:port (to turn the admin listener off: off or false)`]);
  });

  it.each([
    ['a duplicate key', 'listen: 127.0.0.1:1\npolicy: a.yaml\npolicy: b.yaml\n', '(yaml): duplicate key "policy" at line 3'],
    ['several documents', 'policy: a.yaml\n---\npolicy: b.yaml\n', '(yaml): line 2: the file holds several YAML documents (separated by ---); it must hold one'],
    ['a key that is no string', 'policy: a.yaml\nTRUE: 1\n', '(yaml): line 2: key TRUE is read by YAML as the boolean true, not a name: quote it ("TRUE")'],
    // The top-level shape (mutation review s29): a mistyped policy: key would otherwise leave the
    // check on the built-in default policy while serve refuses the file.
    ['a mistyped top-level key', 'polcy: a.yaml\n', 'polcy: unknown key (expected one of: listen, tls, upstream, policy, admin, audit, metrics, limits)'],
    ['a list, not a mapping', '- policy: a.yaml\n', '(root): must be a mapping'],
  ])('policy check --config says what serve says: %s', (_name, text, message) => {
    expect(configProblems(text, policyPathFromConfig)).toEqual([message]);
    expect(configProblems(text)).toContain(message);
  });
});

describe('policy check --config: a config file that cannot be read (mutation review s29)', () => {
  it('is a policy error naming the file, not a crash', () => {
    const missing = join(dir, 'absent.yaml');
    expect(() => policyPathFromConfig(missing)).toThrow(PolicyError);
    // The file in the error's source and first line; the reason in dockgate's words, not Node's.
    expect(() => policyPathFromConfig(missing)).toThrow(new RegExp(`${missing}[^]*cannot read config file: no such file$`));
  });

  it.each([['a number', 'policy: 5\n'], ['no value', 'policy:\n'], ['empty', "policy: ''\n"]])('policy: %s is refused as no file path', (_name, text) => {
    const file = join(dir, 'bad-policy.yaml');
    writeFileSync(file, text);
    expect(() => policyPathFromConfig(file)).toThrow(PolicyError);
    expect(() => policyPathFromConfig(file)).toThrow(/must be a file path/);
  });
});
