// Every operational log event the code writes (`event: '...'` in src) is documented in
// docs/observability.md as `event: "..."` (brief: every operational log event name documented).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { oneLine, repoText, ROOT } from './doc-text.js';

/** Every `.ts` file under `dir`. */
function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

/** The event names the sources log: the value of every `event: '...'` property (no list of them exists in the code). */
function loggedEvents(): string[] {
  const names = new Set<string>();
  for (const file of sources(join(ROOT, 'src'))) {
    for (const m of readFileSync(file, 'utf8').matchAll(/\bevent: '([a-z][a-z0-9-]*)'/g)) names.add(m[1] as string);
  }
  return [...names].sort();
}

const observability = oneLine(repoText('docs/observability.md'));

describe('operational log events', () => {
  const events = loggedEvents();
  it('are found in the sources', () => {
    // A change of how events are written (a helper, double quotes) must not empty this test.
    expect(events.length).toBeGreaterThan(20);
    expect(events).toContain('tls-handshake-failed');
  });
  it.each(events)('event %s is documented in observability.md', (event) => {
    expect(observability).toContain(`event: "${event}"`);
  });
});
