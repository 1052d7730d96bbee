import { Counter, Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { deferredCounts } from '../../../src/observe/deferred-counts.js';

function setup() {
  const registry = new Registry();
  const counts = deferredCounts(() => counter);
  const counter: Counter<string> = new Counter({ name: 't_total', help: 't', labelNames: ['op'], registers: [registry], collect: counts.flush });
  const read = async () => Object.fromEntries((await counter.get()).values.map((v) => [v.labels.op, v.value]));
  return { registry, counts, read };
}

describe('deferredCounts', () => {
  const cases: Array<[string, Array<[string, number | undefined]>, Record<string, number>]> = [
    ['nothing counted: no series', [], {}],
    ['one increment', [['a', undefined]], { a: 1 }],
    ['increments sum per series', [['a', undefined], ['a', 5], ['b', 2], ['a', 0.5]], { a: 6.5, b: 2 }],
    // prom-client throws on these; here they are dropped, so a metric never breaks a request.
    ['negative, NaN and infinite values are ignored', [['a', -3], ['a', Number.NaN], ['a', Number.POSITIVE_INFINITY], ['a', 2]], { a: 2 }],
    ['a series with only ignored values never appears', [['a', -1], ['b', 1]], { b: 1 }],
  ];
  it.each(cases)('%s', async (_name, incs, want) => {
    const { counts, read } = setup();
    for (const [op, v] of incs) counts.series(op, () => ({ op })).inc(v);
    expect(await read()).toEqual(want);
  });

  it('counts once across scrapes, and keeps counting between them', async () => {
    const { registry, counts, read } = setup();
    const a = counts.series('a', () => ({ op: 'a' }));
    a.inc();
    a.inc();
    expect(await read()).toEqual({ a: 2 });
    expect(await read()).toEqual({ a: 2 });
    a.inc(3);
    expect(await registry.metrics()).toContain('t_total{op="a"} 5');
    expect(await read()).toEqual({ a: 5 });
  });

  it('builds the label set once per key', () => {
    const { counts } = setup();
    let built = 0;
    const labels = () => {
      built += 1;
      return { op: 'a' };
    };
    const first = counts.series('a', labels);
    expect(counts.series('a', labels)).toBe(first);
    expect(built).toBe(1);
  });
});
