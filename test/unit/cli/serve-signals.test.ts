import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import { captureServeSignals, type SignalSource } from '../../../src/cli/serve-signals.js';

function actions() {
  const calls: string[] = [];
  return { calls, stop: (s: string) => calls.push(`stop:${s}`), reload: () => calls.push('reload'), reopenAudit: () => calls.push('reopen') };
}

describe('captureServeSignals', () => {
  it('remembers HUP and USR1 that arrive before the gateway is ready and runs each once on attach', () => {
    const source = new EventEmitter();
    const signals = captureServeSignals(source as unknown as SignalSource);
    source.emit('SIGUSR1');
    source.emit('SIGHUP');
    source.emit('SIGUSR1');
    expect(signals.stopRequested()).toBeUndefined();
    const a = actions();
    signals.attach(a);
    expect(a.calls).toEqual(['reload', 'reopen']);
    source.emit('SIGUSR1');
    source.emit('SIGHUP');
    expect(a.calls).toEqual(['reload', 'reopen', 'reopen', 'reload']);
  });

  it('a stop during start-up is reported between steps and wins over a pending reload on attach', () => {
    const source = new EventEmitter();
    const signals = captureServeSignals(source as unknown as SignalSource);
    source.emit('SIGHUP');
    source.emit('SIGINT');
    source.emit('SIGTERM');
    expect(signals.stopRequested()).toBe('SIGINT');
    const a = actions();
    signals.attach(a);
    expect(a.calls).toEqual(['stop:SIGINT']);
  });

  it('installs a listener for every signal it takes over, so Node never applies the default action', () => {
    const source = new EventEmitter();
    captureServeSignals(source as unknown as SignalSource);
    for (const s of ['SIGTERM', 'SIGINT', 'SIGHUP', 'SIGUSR1']) expect(source.listenerCount(s)).toBe(1);
  });
});
