/**
 * The check of the exec an exec start starts, on a fake daemon answering as dockerd 20.10 does
 * (src/server/exec-start-gate.ts, after-policy.ts): refused, passed, the daemon's 404 answered,
 * failures closed, and tenancy's look-ups reused.
 */
import { describe, expect, it } from 'vitest';
import type { Decision } from '../../../src/core/types.js';
import { decide } from '../../../src/policy/evaluate.js';
import { admitAfterPolicy } from '../../../src/server/after-policy.js';
import { execStartGate } from '../../../src/server/exec-start-gate.js';
import type { DaemonAnswer } from '../../../src/tenancy/daemon-client.js';
import { json, scriptedDaemon } from './scripted-daemon.js';
import { forward, type Tenancy, type TenancyVerdict } from '../../../src/tenancy/hook.js';
import { alice, guarded, req } from '../policy/fixtures.js';

const ID = '273dc207adf56c34d48c30f13a9532abfd7adde814c5cf2f6a7d368b43f1d458';
const CID = '1d7871fb60b8bf6e4c837fb438501841a7e1f387ddc713a79dd557e99f9c4dbe';
const exec = (pc: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ ID, Running: false, ExitCode: null, ProcessConfig: { tty: false, entrypoint: 'id', arguments: [], privileged: false, ...pc }, ContainerID: CID, Pid: 0, ...extra });
const container = (user: string) => ({ Id: CID, Config: { User: user } });
const EXEC = `/exec/${ID}/json`;
const CONTAINER = `/containers/${CID}/json`;

const daemon = (answers: Record<string, DaemonAnswer | Error>) => scriptedDaemon(answers, (path) => `No such exec instance: ${path}`);

const decision = (id = ID): Decision => decide(guarded('execRoot: false\nprivileged: false'), alice, req('POST', `/v1.41/exec/${id}/start`, { Detach: true }));

describe('execStartGate', () => {
  it.each([
    ['an exec as root (the rev-hijack repro)', { [EXEC]: json(200, exec({ user: '0' })), [CONTAINER]: json(200, container('nobody')) }, 'refuse', 'exec-root', 'User "0" runs the exec session as root', [EXEC, CONTAINER]],
    ['a privileged exec: refused, the container is not asked', { [EXEC]: json(200, exec({ privileged: true })) }, 'refuse', 'privileged', 'Privileged is not allowed', [EXEC]],
    ['an exec as root:root in a container of user root: refused (not the container\'s own user)', { [EXEC]: json(200, exec({ user: 'root:root' })), [CONTAINER]: json(200, container('root')) }, 'refuse', 'exec-root', 'as root', [EXEC, CONTAINER]],
    ['an exec created without a user in a container of user root (stored "root"): passes', { [EXEC]: json(200, exec({ user: 'root' })), [CONTAINER]: json(200, container('root')) }, 'pass', undefined, 'judged as an exec with an empty User (that is its container\'s own user, which dockerd stores for one), passed the exec guards', [EXEC, CONTAINER]],
    ['the same, but the container cannot be read: refused (fail closed)', { [EXEC]: json(200, exec({ user: 'root' })), [CONTAINER]: json(500, { message: 'boom' }) }, 'refuse', 'exec-root', 'as root', [EXEC, CONTAINER]],
    ['a container inspect answering for another container: refused', { [EXEC]: json(200, exec({ user: 'root' })), [CONTAINER]: json(200, { ...container('root'), Id: 'other' }) }, 'refuse', 'exec-root', 'as root', [EXEC, CONTAINER]],
    ['an exec as nobody: passes, the container is not asked', { [EXEC]: json(200, exec({ user: 'nobody' })) }, 'pass', undefined, 'created with User "nobody", Privileged false', [EXEC]],
    ['an exec without a user: passes', { [EXEC]: json(200, exec({})) }, 'pass', undefined, 'passed', [EXEC]],
    ['the daemon answers 500: refused', { [EXEC]: json(500, { message: 'boom' }) }, 'refuse', 'exec-unchecked', 'the daemon answered its look-up with 500', [EXEC]],
    ['a 200 that is no exec: refused', { [EXEC]: json(200, [exec({})]) }, 'refuse', 'exec-unchecked', 'not an exec instance', [EXEC]],
    ['an answer for another exec ID: refused', { [EXEC]: json(200, exec({}, { ID: 'f'.repeat(64) })) }, 'refuse', 'exec-unchecked', 'answered for exec', [EXEC]],
  ] as const)('%s', async (_name, answers, kind, code, text, asked) => {
    const d = daemon(answers);
    const gate = await execStartGate(d, decision().execStart!);
    expect(gate.kind).toBe(kind);
    if (gate.kind === 'refuse') {
      expect(gate.violation.code).toBe(code);
      expect(gate.violation.reason).toContain(text);
      expect(gate.violation.reason).toContain(`the exec instance it starts`);
    }
    if (gate.kind === 'pass') expect(gate.note).toContain(text);
    expect(d.paths).toEqual(asked);
  });

  it('an exec the daemon does not know: its 404 is the answer', async () => {
    const gate = await execStartGate(daemon({}), decision('nope').execStart!);
    expect(gate.kind).toBe('answer');
    if (gate.kind === 'answer') expect(gate.answer.status).toBe(404);
  });

  it('an exec ID is asked for as one path segment', async () => {
    const d = daemon({});
    await execStartGate(d, { execId: 'a/b?c', check: () => undefined });
    expect(d.paths).toEqual(['/exec/a%2Fb%3Fc/json']);
  });

  it('a look-up that fails is a daemon failure (502 upstream-failed)', async () => {
    await expect(execStartGate(daemon({ [EXEC]: new Error('connect ECONNREFUSED') }), decision().execStart!)).rejects.toMatchObject({ code: 'upstream-failed', status: 502 });
  });

  it('tenancy\'s look-ups are reused: nothing is asked', async () => {
    const d = daemon({});
    const gate = await execStartGate(d, decision().execStart!, { exec: exec({ user: 'root' }), container: container('root') });
    expect(gate.kind).toBe('pass');
    const refused = await execStartGate(d, decision().execStart!, { exec: exec({ user: '0' }), container: container('root') });
    expect(refused.kind).toBe('refuse');
    expect(d.paths).toEqual([]);
  });
});

describe('admitAfterPolicy', () => {
  const request = { identity: alice, facts: req('POST', `/v1.41/exec/${ID}/start`, { Detach: true }), method: 'POST', target: `/v1.41/exec/${ID}/start` };
  const tenancyOf = (verdict: TenancyVerdict): Tenancy & { calls: number } => {
    const t = { calls: 0, active: () => true, admit: () => (t.calls++, Promise.resolve(verdict)) };
    return t;
  };

  it('a refusal is recorded as the enforced rule\'s guard refusal, with the policy\'s deny message', async () => {
    const d = decision();
    const v = await admitAfterPolicy({ daemon: daemon({ [EXEC]: json(200, exec({ user: '0' })), [CONTAINER]: json(200, container('')) }), decision: d, request, denyMessage: (r) => `denied: ${r.reason}` });
    expect(v).toMatchObject({ kind: 'deny', status: 403, code: 'exec-root', decision: { forward: false, outcome: 'deny', rule: 'guarded', code: 'exec-root' } });
    if (v.kind === 'deny') expect(v.message).toContain('denied: the exec instance it starts');
  });

  it('passed: forwarded, the record says what was checked', async () => {
    const v = await admitAfterPolicy({ daemon: daemon({ [EXEC]: json(200, exec({})) }), decision: decision(), request, denyMessage: () => '' });
    expect(v).toMatchObject({ kind: 'forward', note: expect.stringContaining('passed the exec guards') });
  });

  it('the daemon\'s 404: answered as it is, nothing forwarded', async () => {
    const v = await admitAfterPolicy({ daemon: daemon({}), decision: decision(), request, denyMessage: () => '' });
    expect(v).toMatchObject({ kind: 'respond', status: 404 });
  });

  it('tenancy first: its refusal stands and nothing is asked; its look-ups are reused; a refusal after it frees what it holds', async () => {
    const d = daemon({});
    const denied = tenancyOf({ kind: 'deny', status: 403, code: 'not-owner', message: 'not yours' });
    expect(await admitAfterPolicy({ tenancy: denied, daemon: d, decision: decision(), request, denyMessage: () => '' })).toMatchObject({ code: 'not-owner' });
    let released = 0;
    const owned = tenancyOf(forward({ target: 'x', release: () => released++, execLookup: { exec: exec({ user: '0' }), container: container('') } }));
    const v = await admitAfterPolicy({ tenancy: owned, daemon: d, decision: decision(), request, denyMessage: () => '' });
    expect(v).toMatchObject({ kind: 'deny', code: 'exec-root' });
    expect(released).toBe(1);
    expect(d.paths).toEqual([]);
  });

  it('no check asked for: tenancy\'s verdict as it is', async () => {
    const t = tenancyOf(forward({ target: 'x' }));
    const plain: Decision = { forward: true, outcome: 'allow', rule: 'r', code: 'allowed', reason: 'allowed' };
    expect(await admitAfterPolicy({ tenancy: t, daemon: daemon({}), decision: plain, request, denyMessage: () => '' })).toEqual(forward({ target: 'x' }));
  });
});
