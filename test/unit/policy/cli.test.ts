import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/load.js';
import { ConfigError } from '../../../src/config/validate.js';
import { problemLine } from '../../../src/policy/errors.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide } from '../../../src/policy/evaluate.js';
import { explain } from '../../../src/policy/explain.js';
import { runPolicyCli } from './run-policy-cli.js';
import { alice, req } from './fixtures.js';

const run = runPolicyCli;

const dir = mkdtempSync(join(tmpdir(), 'dockgate-policy-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const good = join(dir, 'good.yaml');
writeFileSync(
  good,
  'version: 1\nrules:\n  - name: devs\n    who: { groups: [developers] }\n    allow: [power:read, ContainerCreate]\n    guards: { privileged: false }\n',
);
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, 'version: 1\nrules:\n  - name: x\n    who: { anyone: true }\n    allow: [Nope]\n    mode: loud\n');
const config = join(dir, 'gateway.yaml');
writeFileSync(config, 'listen: 0.0.0.0:2376\npolicy: good.yaml\n');

describe('dockgate policy check', () => {
  it('valid file: exit 0 with a summary', async () => {
    const r = await run(['check', '--policy', good]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(`policy OK: ${good}`);
    expect(r.out).toContain('  - devs: allow power:read, ContainerCreate [guards: privileged]');
  });
  it('every problem with its line: exit 2', async () => {
    const r = await run(['check', '--policy', bad]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(
      `${bad}: 2 problems\n` +
        `  ${bad}:5: rules[0].allow[0]: unknown operation "Nope" (see the operation names in docs/policy.md)\n` +
        `  ${bad}:6: rules[0].mode: mode must be "enforce" or "audit"\n`,
    );
  });
  it('--config resolves policy: relative to the config file', async () => {
    const r = await run(['check', '--config', config]);
    expect([r.code, r.out.split('\n')[0]]).toEqual([0, `policy OK: ${good}`]);
  });
  it('without a file checks the built-in default', async () => {
    expect((await run(['check'])).out).toContain('policy OK: built-in default');
  });
  it('missing file: exit 2, the file and the reason without a stand-in line (rev-docs F10)', async () => {
    const missing = join(dir, 'missing.yaml');
    const r = await run(['check', '--policy', missing]);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${missing}: 1 problem\n  ${missing}: cannot read policy file: no such file\n`);
  });
  it('usage errors: exit 2', async () => {
    expect((await run(['frobnicate'])).code).toBe(2);
    expect((await run(['explain', 'GET', '/info'])).code).toBe(2);
  });

  it.each([
    [['check', '--policy', ''], '--policy is empty'],
    [['check', '--config', ''], '--config is empty'],
    [['check', '--policy='], '--policy is empty'],
    [['explain', '--as', 'alice', '--policy', '', 'GET', '/info'], '--policy is empty'],
    [['explain', '--as', 'alice', '--config', '', 'GET', '/info'], '--config is empty'],
  ])('%j: an empty file name (an unset variable in quotes) is a usage error, not a file named "" (rev-config F7)', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(message);
    expect(r.err).not.toContain('ENOENT');
  });
});

describe('dockgate policy explain', () => {
  it('allowed: exit 0, shows operation, rule and decision', async () => {
    const r = await run(['explain', '--as', 'alice', '--group', 'developers', '--policy', good, 'GET', '/v1.45/containers/json']);
    expect(r.code).toBe(0);
    expect(r.out).toContain('operation: ContainerList (section containers, power read, route GET /containers/json)');
    expect(r.out).toContain('identity:  alice (groups developers)');
    expect(r.out).toContain('1. devs  allow  decided: group developers, selector "power:read"');
    expect(r.out).toContain('decision:  allow, rule devs, code allowed');
  });
  it('denied by a guard with a body from stdin: exit 3', async () => {
    const r = await run(['explain', '--as', 'alice', '--group', 'developers', '--policy', good, 'POST', '/containers/create', '--body', '-'], '{"HostConfig":{"Privileged":true}}');
    expect(r.code).toBe(3);
    expect(r.out).toContain('guard privileged: fail: HostConfig.Privileged is not allowed (code privileged)');
    expect(r.out).toContain('message:   dockgate: denied ContainerCreate for alice (groups developers): HostConfig.Privileged is not allowed (rule "devs")');
  });
  it('no rule: exit 3', async () => {
    const r = await run(['explain', '--as', 'bob', '--policy', good, 'GET', '/info']);
    expect(r.code).toBe(3);
    expect(r.out).toContain('skipped: who does not match');
  });
  it('malformed request: exit 3', async () => {
    const r = await run(['explain', '--as', 'bob', '--policy', good, 'GET', '/containers/../info']);
    expect(r.code).toBe(3);
    expect(r.out).toContain('request refused before the policy');
  });
});

describe('dockgate policy explain: SANs and form bodies, as the gateway sees them', () => {
  const sanPolicy = join(dir, 'sans.yaml');
  writeFileSync(
    sanPolicy,
    'version: 1\nrules:\n  - name: no-ci-exec\n    who: { sans: [spiffe://example.org/ci, 0:0:0:0:0:0:0:1] }\n    deny: [ContainerExec]\n' +
      '  - name: san-ci\n    who: { sans: [svc.example.com, ci@example.com] }\n    allow: [power:read, ImageBuild]\n    guards: { buildOptions: false }\n' +
      '  - name: all-exec\n    who: { anyone: true }\n    allow: [ContainerExec]\n',
  );
  it.each([
    // [--san values, method, path, exit code, decision line]
    [['svc.example.com'], 'GET', '/v1.41/containers/json', 0, 'decision:  allow, rule san-ci, code allowed'],
    [['ci@example.com'], 'GET', '/v1.41/info', 0, 'decision:  allow, rule san-ci, code allowed'],
    [['other.example.com'], 'GET', '/v1.41/info', 3, 'decision:  deny, rule default, code no-rule'],
    [[], 'GET', '/v1.41/info', 3, 'decision:  deny, rule default, code no-rule'],
    [['spiffe://example.org/ci'], 'POST', '/v1.41/containers/c1/exec', 3, 'decision:  deny, rule no-ci-exec'],
    [['0:0:0:0:0:0:0:1'], 'POST', '/v1.41/containers/c1/exec', 3, 'decision:  deny, rule no-ci-exec'],
    // An IPv6 address in any spelling is the address the rule names.
    [['::1'], 'POST', '/v1.41/containers/c1/exec', 3, 'decision:  deny, rule no-ci-exec'],
    [['::2'], 'POST', '/v1.41/containers/c1/exec', 0, 'decision:  allow, rule all-exec, code allowed'],
  ] as const)('--san %j %s %s', async (sans, method, path, code, decision) => {
    const r = await run(['explain', '--as', 'svc', ...sans.flatMap((s) => ['--san', s]), '--policy', sanPolicy, method, path]);
    expect(r.out).toContain(decision);
    expect(r.code).toBe(code);
  });
  it('shows the SANs it was given', async () => {
    const r = await run(['explain', '--as', 'svc', '--san', 'svc.example.com', '--san', 'spiffe://example.org/ci', '--policy', sanPolicy, 'GET', '/info']);
    expect(r.out).toContain('identity:  svc (groups none; sans svc.example.com,spiffe://example.org/ci)');
  });
  it('--content-type reads a form body as the gateway does: its values are query values the guards see', async () => {
    const base = ['explain', '--as', 'svc', '--san', 'svc.example.com', '--policy', sanPolicy, 'POST', '/v1.41/build', '--body', '-'];
    const form = await run([...base, '--content-type', 'application/x-www-form-urlencoded'], 'networkmode=host');
    expect(form.out).toContain('decision:  deny, rule san-ci, code build-option');
    expect(form.code).toBe(3);
    const both = await run(['explain', '--as', 'svc', '--san', 'svc.example.com', '--policy', sanPolicy, 'POST', '/v1.41/build?networkmode=default', '--body', '-', '--content-type', 'application/x-www-form-urlencoded'], 'networkmode=host');
    expect(both.out).toContain('request refused before the policy');
    expect(both.code).toBe(3);
    const asJson = await run(base, 'networkmode=host');
    expect(asJson.out).toContain('decision:  allow, rule san-ci');
  });
  it('a form body ending in a newline (from echo) is refused as the gateway refuses it, with a hint', async () => {
    const base = ['explain', '--as', 'svc', '--san', 'svc.example.com', '--policy', sanPolicy, 'POST', '/v1.41/build', '--body', '-'];
    const echoed = await run([...base, '--content-type', 'application/x-www-form-urlencoded'], 'networkmode=host\n');
    expect(echoed.out).toContain('request refused before the policy: form body is not printable ASCII');
    expect(echoed.out).toContain('hint: the form body ends in a newline');
    expect(echoed.code).toBe(3);
    // Another byte refused, or a JSON body's final newline (JSON whitespace): no such hint.
    const tab = await run([...base, '--content-type', 'application/x-www-form-urlencoded'], 'networkmode=host\t');
    expect(tab.out).toContain('request refused before the policy: form body is not printable ASCII');
    expect(tab.out).not.toContain('hint:');
    // A final newline after another refused byte: printf would not help, no hint.
    const both = await run([...base, '--content-type', 'application/x-www-form-urlencoded'], 'networkmode=host\t\n');
    expect(both.out).toContain('request refused before the policy: form body is not printable ASCII');
    expect(both.out).not.toContain('hint:');
    const json = await run(base, '{}\n');
    expect(json.out).not.toContain('hint:');
  });
  it('--content-type without --body and an empty --san are usage errors', async () => {
    expect((await run(['explain', '--as', 'a', '--content-type', 'text/plain', 'GET', '/info'])).code).toBe(2);
    expect((await run(['explain', '--as', 'a', '--san', '', 'GET', '/info'])).code).toBe(2);
  });
});

describe('explain()', () => {
  const policy = loadPolicy(`
version: 1
rules:
  - { name: r1, who: { users: [bob] }, allow: all }
  - { name: r2, who: { anyone: true }, deny: [section:plugins] }
  - { name: r3, who: { anyone: true }, allow: [ContainerCreate], guards: { privileged: false, devices: false, execRoot: false } }
  - { name: r4, who: { anyone: true }, allow: all }
`);
  const facts = req('POST', '/containers/create', { HostConfig: { Privileged: true, Devices: [{ PathOnHost: '/dev/sda' }] } });
  const e = explain(policy, alice, facts);
  it('lists every rule with its status and every guard with its result', () => {
    expect(e.rules).toEqual([
      { rule: 'r1', effect: 'allow', status: 'skipped', guards: [] },
      { rule: 'r2', effect: 'deny', status: 'skipped', who: 'anyone', guards: [] },
      {
        rule: 'r3',
        effect: 'allow',
        status: 'decided',
        who: 'anyone',
        selector: 'ContainerCreate',
        guards: [
          { guard: 'privileged', result: 'fail', violation: { code: 'privileged', reason: 'HostConfig.Privileged is not allowed' } },
          { guard: 'devices', result: 'fail', violation: { code: 'device', reason: 'HostConfig.Devices [{"PathOnHost":"/dev/sda"}] is not allowed' } },
          { guard: 'execRoot', result: 'not-applicable' },
        ],
      },
      { rule: 'r4', effect: 'allow', status: 'not-reached', guards: [] },
    ]);
  });
  it('decides exactly as decide() does, reporting the first failing guard', () => {
    expect(e.decision).toEqual(decide(policy, alice, facts));
    expect(e.decision.code).toBe('privileged');
  });
});

describe('dockgate policy: help and unreadable input', () => {
  it('without a subcommand prints the usage on stderr and exits 2', async () => {
    const r = await run([]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('Usage:\n  dockgate policy check');
    expect(r.out).toBe('');
  });

  it.each([
    [['--help']],
    [['-h']],
    [['help']],
    [['help', 'check']],
    [['help', 'explain']],
    [['check', '--help']],
    [['explain', '-h']],
    [['explain', '--as', 'alice', '--help']],
  ])('%j prints the usage and exits 0', async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(0);
    expect(r.out).toContain('Usage:\n  dockgate policy check');
  });

  it.each([[['help', 'isue']], [['help', 'check', 'x']]])('%j: an unknown help topic is a usage error (exit 2)', async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`dockgate policy: unknown policy command "${argv.slice(1).join(' ')}"`);
    expect(r.out).toBe('');
  });

  it('an unreadable --body file is a usage error (exit 2, one line), not a stack trace', async () => {
    const r = await run(['explain', '--as', 'alice', '--body', join(dir, 'missing.json'), 'POST', '/containers/create']);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(`dockgate policy: cannot read --body ${join(dir, 'missing.json')}: no such file`);
  });
});

describe('dockgate policy: review findings', () => {
  const bomb = join(dir, 'bomb.yaml');
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i <= 8; i++) lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  writeFileSync(bomb, `${lines.join('\n')}\nversion: 1\nrules: []\n`);
  const devRun = join(dir, 'dev-run.yaml');
  writeFileSync(devRun, 'version: 1\nrules:\n  - name: dev-run\n    who: { groups: [developers] }\n    allow: [ContainerCreate, "POST /containers/dev-*/exec"]\n    guards: { execRoot: false }\n');

  // It printed a ReferenceError with its stack and exited 1.
  it.each([
    [['check', '--policy', bomb]],
    [['explain', '--as', 'alice', '--policy', bomb, 'GET', '/info']],
  ])('an alias bomb is a policy problem: %j exits 2 with one line per problem', async (argv) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err).toBe(`${bomb}: 1 problem\n  ${bomb}: the YAML cannot be read: Excessive alias count indicates a resource exhaustion attack (at most 100 aliases are expanded)\n`);
  });

  // The last one won silently: a check of two files passed on the second alone.
  it.each([
    [['check', '--policy', bad, '--policy', good], '--policy given twice (give one)'],
    [['check', `--policy=${good}`, '--policy', good], '--policy given twice (give one)'],
    [['explain', '--as', 'alice', '--as', 'admin', '--policy', good, 'GET', '/info'], '--as given twice (give one)'],
  ])('%j is a usage error', async (argv, message) => {
    const r = await run(argv);
    expect(r.code).toBe(2);
    expect(r.err.split('\n')[0]).toBe(`dockgate policy: ${message}`);
  });

  it('a --group may repeat, and a value that looks like a flag is a value', async () => {
    expect((await run(['explain', '--as', 'alice', '--group', 'a', '--group', 'developers', '--policy', good, 'GET', '/info'])).code).toBe(0);
    expect((await run(['explain', '--as', '--policy', '--policy', good, 'GET', '/info'])).code).toBe(3);
  });

  it('check names the guards a rule leaves out (exit 0)', async () => {
    const r = await run(['check', '--policy', devRun]);
    expect(r.code).toBe(0);
    expect(r.out).toContain(
      'warning: rule "dev-run" allows ContainerCreate without privileged, hostNamespaces, binds, volumesFrom, links, capabilities, devices, securityOptions, maskedPaths, sysctls, cgroupParent, runtimes, logDrivers, volumeDrivers, publishedPorts; ContainerExec without privileged: whoever it matches can get root on the host (a guard left out permits what it would refuse)\n',
    );
  });
});

describe('dockgate policy check --config: refuses what serve refuses about the file (rev-front F2)', () => {
  const cases: { name: string; text: string }[] = [
    { name: 'misspelt policy: key', text: 'listen: 127.0.0.1:2376\npolciy: good.yaml\n' },
    { name: 'capitalised Policy: key', text: 'Policy: good.yaml\n' },
    { name: 'another unknown key beside a good policy:', text: 'policy: good.yaml\nlimit: {}\n' },
    { name: 'empty file', text: '' },
    { name: 'comments only', text: '# nothing here\n' },
    { name: 'a list, not a mapping', text: '- policy: good.yaml\n' },
    { name: 'policy: with no value', text: 'policy:\n' },
    // rev-config F3: a Map has no own keys; it passed as a config without policy: (built-in default).
    { name: 'a whole-file !!omap', text: '--- !!omap\n- policy: good.yaml\n' },
  ];
  it.each(cases)('$name: exit 2, serve refuses it too', async ({ name, text }) => {
    const file = join(dir, `shape-${name.replace(/\W+/g, '-')}.yaml`);
    writeFileSync(file, text);
    const r = await run(['check', '--config', file]);
    expect([r.code, r.out]).toEqual([2, '']);
    let serve: Error | undefined;
    try {
      loadConfig(file);
    } catch (err) {
      serve = err as Error;
    }
    expect(serve).toBeInstanceOf(ConfigError);
    // Serve's own wording, line for line (serve lists the missing TLS files as well); a bad
    // policy: value is reported as a policy problem.
    if (name === 'policy: with no value') return expect(r.err).toContain('policy: must be a file path');
    const lines = r.err.replace(/^dockgate policy: /, '').trimEnd().split('\n');
    expect(lines.length).toBeGreaterThan(1);
    expect(serve?.message.split('\n')).toEqual(expect.arrayContaining(lines));
  });
  it('a valid config without policy: checks the built-in default and says so', async () => {
    const file = join(dir, 'no-policy-key.yaml');
    writeFileSync(file, 'listen: 127.0.0.1:2376\n');
    const r = await run(['check', '--config', file]);
    expect(r.code).toBe(0);
    expect(r.out.split('\n').slice(0, 2)).toEqual(['policy OK: built-in default', `  ${file} has no policy: key; serve would use the built-in default`]);
  });
  it('explain --config refuses the same shapes', async () => {
    const file = join(dir, 'explain-typo.yaml');
    writeFileSync(file, 'polciy: good.yaml\n');
    const r = await run(['explain', '--as', 'admin', '--config', file, 'GET', '/info']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('polciy: unknown key (expected one of: listen, tls, upstream, policy, admin, audit, metrics, limits)');
  });
});

describe('problemLine: what policy check prints per problem', () => {
  it.each([
    ['line and path', { path: 'rules[0].mode', line: 6, message: 'bad' }, 'p.yaml:6: rules[0].mode: bad'],
    ['line, whole file', { path: '', line: 3, message: 'the YAML cannot be read' }, 'p.yaml:3: the YAML cannot be read'],
    ['path, no line', { path: 'rules', message: 'missing' }, 'p.yaml: rules: missing'],
    ['neither (an unreadable file)', { path: '', message: 'cannot read policy file: ENOENT' }, 'p.yaml: cannot read policy file: ENOENT'],
  ])('%s', (_label, problem, want) => {
    expect(problemLine('p.yaml', problem)).toBe(want);
  });
});
