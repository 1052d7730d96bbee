/** A test gateway's audit records (it writes them to stdout), for the e2e suites. */
import { expect } from 'vitest';
import type { TestGateway } from './gateway.js';
import { until } from './until.js';

/** The audit records of `op` that `gw` has written, oldest first. */
export function recordsOf(gw: TestGateway, op: string): Record<string, unknown>[] {
  return gw.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.operation === op);
}

/** Wait (up to 10 s: the audit line may come after the answer) for `gw`'s newest record of `op` to carry `want`, then check it. */
export async function expectLastRecord(gw: TestGateway, op: string, want: Record<string, unknown>): Promise<void> {
  const fits = (r: Record<string, unknown> | undefined) => r !== undefined && Object.entries(want).every(([k, v]) => r[k] === v);
  await until(() => fits(recordsOf(gw, op).at(-1)), 10_000).catch(() => undefined);
  expect(recordsOf(gw, op).at(-1)).toMatchObject(want);
}

/** The audit records `gw` wrote for the client connection from local `port` on 127.0.0.1, once there are at least `n` (up to 10 s). */
export async function clientRecords(gw: TestGateway, port: number | undefined, n: number): Promise<Record<string, unknown>[]> {
  const mine = (): Record<string, unknown>[] => gw.stdout().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>).filter((x) => x.client === `127.0.0.1:${port}`);
  await until(() => mine().length >= n, 10_000, `${n} audit records of 127.0.0.1:${port}`);
  return mine();
}
