/** A tenant's resource limits on create and update (limits.ts): memory, CPUs, swap, PIDs, restart policies. */
import { describe, expect, it } from 'vitest';
import type { JsonObject } from '../../../src/core/types.js';
import { applyLimits, bodySwapProblem, restartPolicyProblem } from '../../../src/tenancy/limits.js';

describe('limits', () => {
  const q = { memory: 100, defaultMemory: 50, cpus: 2, defaultCpus: 0.5 };
  it.each([
    [{}, { HostConfig: { Memory: 50, NanoCpus: 5e8 } }, undefined],
    [{ hostconfig: { memory: 80 } }, { hostconfig: { memory: 80, NanoCpus: 5e8 } }, undefined],
    [{ HostConfig: { Memory: 101 } }, undefined, 'exceeds your maximum'],
    [{ HostConfig: { NanoCpus: 3e9 } }, undefined, 'CPU limit 3 exceeds'],
    [{ HostConfig: { CpuQuota: 300000, CpuPeriod: 100000 } }, undefined, 'CPU limit 3 exceeds'],
    // A quota without a period: dockerd's default period of 100 ms.
    [{ HostConfig: { CpuQuota: 300000 } }, undefined, 'CPU limit 3 exceeds'],
    [{ HostConfig: { CpuQuota: 150000, Memory: 50 } }, { HostConfig: { CpuQuota: 150000, Memory: 50 } }, undefined],
    // Period set without quota: inject a quota (NanoCpus beside CpuPeriod is refused by dockerd).
    [{ HostConfig: { CpuPeriod: 50000 } }, { HostConfig: { CpuPeriod: 50000, Memory: 50, CpuQuota: 25000 } }, undefined],
  ])('create %j', (body, want, problem) => {
    const b = structuredClone(body) as JsonObject;
    const r = applyLimits(b, q, true, ['HostConfig']);
    if (problem) expect(r?.message).toContain(problem);
    else {
      expect(r).toBeUndefined();
      expect(b).toEqual(want);
    }
  });

  it('an update that sets nothing keeps the limits; one above the maximum is refused', () => {
    const b: JsonObject = { RestartPolicy: { Name: 'always' } };
    expect(applyLimits(b, q, false, [])).toBeUndefined();
    expect(b).toEqual({ RestartPolicy: { Name: 'always' } });
    expect(applyLimits({ Memory: 200 }, q, false, [])?.message).toContain('exceeds');
  });
});

describe('swap under a memory quota (rev-tenread F2)', () => {
  const q = { memory: 100 };
  it.each([
    ['not set', {}, undefined],
    ['0 (dockerd: as much swap as memory)', { HostConfig: { MemorySwap: 0 } }, undefined],
    ['-1 (unlimited swap)', { HostConfig: { MemorySwap: -1 } }, 'unlimited swap (MemorySwap -1) is not allowed under a memory quota'],
    ['-1, key in lower case', { hostconfig: { memoryswap: -1 } }, 'unlimited swap'],
    ['twice the maximum', { HostConfig: { MemorySwap: 200 } }, undefined],
    ['above twice the maximum', { HostConfig: { MemorySwap: 201 } }, 'exceeds twice your memory maximum'],
    // dockerd takes the legacy top-level MemorySwap when the HostConfig leaves it unset.
    ['-1 at the legacy top level beside a HostConfig', { MemorySwap: -1, HostConfig: {} }, 'unlimited swap'],
  ])('create, %s', (_n, body, problem) => {
    expect(bodySwapProblem(structuredClone(body) as JsonObject, q, [[], ['HostConfig']])?.message).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });
  it.each([
    ['not set: unchanged', {}, undefined],
    ['-1: refused', { MemorySwap: -1 }, 'unlimited swap'],
    ['above twice the maximum', { MemorySwap: 1000 }, 'exceeds twice'],
  ])('update, %s', (_n, body, problem) => {
    expect(bodySwapProblem(structuredClone(body) as JsonObject, q, [[]])?.message).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });
  it('a byte over is named in bytes, not rounded to the same MiB (rev-fix-cli F6)', () => {
    expect(bodySwapProblem({ HostConfig: { MemorySwap: 2 * 1048576 + 1 } }, { memory: 1048576 }, [['HostConfig']])?.message).toBe('memory plus swap limit 2097153 bytes (MemorySwap) exceeds twice your memory maximum, 2MiB');
  });
  it('without a memory quota swap is not looked at', () => {
    expect(bodySwapProblem({ HostConfig: { MemorySwap: -1 } }, { cpus: 1 }, [['HostConfig']])).toBeUndefined();
  });
});

describe('PIDs limit', () => {
  const q = { pids: 200 };
  it.each([
    ['none set: the maximum is injected', {}, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['null: injected', { HostConfig: { PidsLimit: null } }, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['0 (unlimited): injected', { HostConfig: { PidsLimit: 0 } }, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['-1 (unlimited), key in lower case: injected into that key', { hostconfig: { pidslimit: -1 } }, { hostconfig: { pidslimit: 200 } }, undefined],
    ['below the maximum: kept', { HostConfig: { PidsLimit: 64 } }, { HostConfig: { PidsLimit: 64 } }, undefined],
    ['the maximum: kept', { HostConfig: { PidsLimit: 200 } }, { HostConfig: { PidsLimit: 200 } }, undefined],
    ['above the maximum: refused', { HostConfig: { PidsLimit: 201 } }, undefined, 'PIDs limit 201 exceeds your maximum of 200'],
  ])('create, %s', (_n, body, want, problem) => {
    const b = structuredClone(body) as JsonObject;
    const r = applyLimits(b, q, true, ['HostConfig']);
    if (problem) expect(r?.message).toBe(problem);
    else {
      expect(r).toBeUndefined();
      expect(b).toEqual(want);
    }
  });
  it.each([
    ['not set: unchanged', {}, undefined],
    ['null: unchanged (dockerd keeps the current value)', { PidsLimit: null }, undefined],
    ['lower: allowed', { PidsLimit: 100 }, undefined],
    ['0: refused (dockerd would lift the limit)', { PidsLimit: 0 }, 'removing the PIDs limit is not allowed'],
    ['-1: refused', { pidsLimit: -1 }, 'removing the PIDs limit is not allowed'],
    ['above the maximum: refused', { PidsLimit: 4096 }, 'PIDs limit 4096 exceeds your maximum of 200'],
  ])('update, %s', (_n, body, problem) => {
    expect(applyLimits(structuredClone(body) as JsonObject, q, false, [])?.message).toBe(problem);
  });
  it('without a pids quota nothing is injected', () => {
    const b: JsonObject = { HostConfig: {} };
    expect(applyLimits(b, { memory: 100 }, true, ['HostConfig'])).toBeUndefined();
    expect(b).toEqual({ HostConfig: { Memory: 100 } });
  });
});

describe('restart policies under a running quota', () => {
  const both = [[], ['HostConfig']] as const;
  it.each([
    ['no policy', {}, undefined],
    ['"no"', { HostConfig: { RestartPolicy: { Name: 'no' } } }, undefined],
    ['empty name', { HostConfig: { RestartPolicy: { Name: '', MaximumRetryCount: 0 } } }, undefined],
    ['null', { HostConfig: { RestartPolicy: null } }, undefined],
    ['always', { HostConfig: { RestartPolicy: { Name: 'always' } } }, 'restart policies are not allowed'],
    ['unless-stopped, keys in lower case', { hostconfig: { restartpolicy: { name: 'unless-stopped' } } }, 'restart policies are not allowed'],
    ['on-failure', { HostConfig: { RestartPolicy: { Name: 'on-failure', MaximumRetryCount: 1 } } }, 'restart policies are not allowed'],
    ['always at the legacy top level', { RestartPolicy: { Name: 'always' } }, 'restart policies are not allowed'],
    ['a name that is not a string', { HostConfig: { RestartPolicy: { Name: 1 } } }, 'restart policies are not allowed'],
  ])('create with %s', (_n, body, problem) => {
    expect(restartPolicyProblem(body as JsonObject, { running: 2 }, both)?.message).toEqual(problem === undefined ? undefined : expect.stringContaining(problem));
  });
  it('without a running quota any policy goes', () => {
    expect(restartPolicyProblem({ RestartPolicy: { Name: 'always' } }, { containers: 3 }, [[]])).toBeUndefined();
  });
});
