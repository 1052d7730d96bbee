/**
 * The exec guards at exec start (rev-hijack finding 1): an allowed `ExecStart` whose enforced
 * rule sets guards that inspect exec creates carries a check (rule-verdict.ts, exec-start.ts) that
 * runs those guards on the exec as dockerd reports it, turned into the exec-create body that
 * would have made it.
 */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { loadPolicy } from '../../../src/policy/compile.js';
import { decide, decideTraced } from '../../../src/policy/evaluate.js';
import { execCreateBody, inspectedExec } from '../../../src/policy/exec-start.js';
import { explain, formatExplanation } from '../../../src/policy/explain.js';
import { alice, guarded, req } from './fixtures.js';

const ID = '273dc207adf56c34d48c30f13a9532abfd7adde814c5cf2f6a7d368b43f1d458';
const CID = '1d7871fb60b8bf6e4c837fb438501841a7e1f387ddc713a79dd557e99f9c4dbe';
const start = (id = ID) => req('POST', `/v1.41/exec/${id}/start`, { Detach: false, Tty: true });
/** dockerd 20.10's `GET /exec/{id}/json` answer (ProcessConfig.user is omitted when empty). */
const inspect = (pc: Record<string, unknown>) => ({ ID, Running: false, ExitCode: null, ProcessConfig: { tty: false, entrypoint: 'id', arguments: [], privileged: false, ...pc }, ContainerID: CID, Pid: 0 });

describe('which exec starts carry the check', () => {
  it.each([
    ['execRoot: false', guarded('execRoot: false'), start(), ID],
    ['privileged: false', guarded('privileged: false'), start(), ID],
    ['execRoot: true (a guard that inspects exec creates, even allowing)', guarded('execRoot: true'), start(), ID],
    ['an exec ID as the path names it (no prefix completion here: dockerd matches exactly)', guarded('execRoot: false'), start('abc'), 'abc'],
    ['guards that do not inspect exec creates: no check', guarded('binds: false'), start(), undefined],
    ['exec create itself: no check (its body is judged)', guarded('execRoot: false'), req('POST', '/v1.41/containers/c/exec', { Cmd: ['id'] }), undefined],
    ['exec resize: no check (it runs nothing)', guarded('execRoot: false'), req('POST', `/v1.41/exec/${ID}/resize?h=1&w=1`), undefined],
  ] as const)('%s', (_name, policy, facts, execId) => {
    for (const fn of [decide, decideTraced]) {
      const d = fn(policy, alice, facts);
      expect(d.outcome).toBe('allow');
      expect(d.execStart?.execId).toBe(execId);
    }
  });

  it('only the enforced rule: an audit-mode rule with the guards asks for nothing; a policy in audit mode neither', () => {
    const staged = loadPolicy(`version: 1
rules:
  - name: staged
    mode: audit
    who: { anyone: true }
    allow: all
    guards: { execRoot: false }
  - name: open
    who: { anyone: true }
    allow: all
`);
    expect(decide(staged, alice, start()).execStart).toBeUndefined();
    const dry = loadPolicy('version: 1\nmode: audit\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: all\n    guards: { execRoot: false }\n');
    expect(decide(dry, alice, start()).execStart).toBeUndefined();
  });

  it('policy explain says the exec is looked up; the decision prints no rule or identity', () => {
    const d = decide(guarded('execRoot: false'), alice, start());
    expect(JSON.stringify(d.execStart)).toBe(JSON.stringify({ execId: ID }));
    const text = formatExplanation(explain(guarded('execRoot: false'), alice, start()));
    expect(text).toContain(`then:      the gateway looks up exec "${ID}" on the daemon before forwarding`);
  });

  it('a rule that denies ExecStart: denied, no check', () => {
    const p = loadPolicy('version: 1\nrules:\n  - name: r\n    who: { anyone: true }\n    allow: [ContainerExec]\n    guards: { execRoot: false }\n');
    const d = decide(p, alice, start());
    expect([d.outcome, d.execStart]).toEqual(['deny', undefined]);
  });
});

describe('the check: the rule\'s exec guards on the exec-create body standing for the exec', () => {
  const both = guarded('execRoot: false\nprivileged: false');
  const check = (body: JsonObject) => decide(both, alice, start()).execStart?.check(CID, body);
  it.each([
    ['User "0"', { User: '0', Cmd: ['id'] }, 'exec-root', 'User "0" runs the exec session as root'],
    ['User "root"', { User: 'root', Cmd: ['id'] }, 'exec-root', 'User "root" runs the exec session as root'],
    ['User "nobody:0"', { User: 'nobody:0', Cmd: ['id'] }, 'exec-root', 'in group root'],
    ['User ":"', { User: ':', Cmd: ['id'] }, 'exec-root', 'as root'],
    ['Privileged true', { User: '', Cmd: ['id'], Privileged: true }, 'privileged', 'Privileged is not allowed'],
    ['Privileged of an odd type (fail closed)', { User: '', Cmd: ['id'], Privileged: 'yes' }, 'privileged', 'Privileged "yes" is not allowed'],
    ['User "nobody", not privileged', { User: 'nobody', Cmd: ['id'], Privileged: false }, undefined, undefined],
    ['empty User (the container\'s own)', { User: '', Cmd: ['id'], Privileged: false }, undefined, undefined],
  ] as const)('%s', (_name, body, code, reason) => {
    const v = check(body as unknown as JsonObject);
    expect(v?.code).toBe(code);
    if (reason) expect(v?.reason).toContain(reason);
  });

  it('the check is the starter\'s rule\'s: a rule without exec guards for another identity asks for nothing', () => {
    const p = loadPolicy('version: 1\nrules:\n  - name: ops\n    who: { users: [root1] }\n    allow: all\n  - name: devs\n    who: { anyone: true }\n    allow: all\n    guards: { execRoot: false }\n');
    expect(decide(p, { ...alice, name: 'root1' }, start()).execStart).toBeUndefined();
    expect(decide(p, alice, start()).execStart?.check(CID, { User: '0', Cmd: ['id'] })?.code).toBe('exec-root');
  });
});

describe('reading dockerd\'s exec inspect answer', () => {
  it.each([
    ['root user, privileged', inspect({ user: '0', privileged: true, entrypoint: 'sh', arguments: ['-c', 'id'] }), { id: ID, containerId: CID, user: '0', privileged: true, cmd: ['sh', '-c', 'id'] }],
    ['user omitted (empty)', inspect({}), { id: ID, containerId: CID, user: '', privileged: false, cmd: ['id'] }],
    ['privileged omitted', { ...inspect({}), ProcessConfig: { entrypoint: 'id', arguments: null } }, { id: ID, containerId: CID, user: '', privileged: undefined, cmd: ['id'] }],
    ['no ProcessConfig', { ID, ContainerID: CID }, 'no ProcessConfig'],
    ['no ID', { ...inspect({}), ID: undefined }, 'no exec ID'],
    ['no ContainerID', { ...inspect({}), ContainerID: '' }, 'no container ID'],
    ['a user that is not a string', inspect({ user: 0 }), 'not a string'],
    ['arguments that are not strings', inspect({ arguments: [1] }), 'not strings'],
    ['a list', [inspect({})], 'not an exec instance'],
    ['not JSON', undefined, 'not an exec instance'],
  ] as const)('%s', (_name, doc, expected) => {
    const r = inspectedExec(doc);
    if (typeof expected === 'string') expect(r).toEqual(expect.stringContaining(expected));
    else expect(r).toEqual(expected);
  });

  it.each([
    ['as stored', { user: 'root', privileged: true }, undefined, { User: 'root', Cmd: ['id'], Privileged: true }],
    ['the container\'s own user (dockerd stores it for an empty User): empty', { user: 'root' }, 'root', { User: '', Cmd: ['id'], Privileged: false }],
    ['another user than the container\'s: as stored', { user: '0' }, 'root', { User: '0', Cmd: ['id'], Privileged: false }],
    ['the container user empty, the exec\'s empty: empty', {}, '', { User: '', Cmd: ['id'], Privileged: false }],
    ['privileged omitted: not written', { privileged: undefined }, undefined, { User: '', Cmd: ['id'] }],
  ] as const)('the exec-create body: %s', (_name, pc, containerUser, body) => {
    const exec = inspectedExec(inspect(pc));
    if (typeof exec === 'string') throw new Error(exec);
    expect(execCreateBody(exec, containerUser)).toEqual(body);
  });
});
