/**
 * What the built `dockgate` command prints from text it did not write (a request's path or
 * body, a config file's keys and values) has its hidden characters written `\uXXXX`, as the rest
 * of the CLI writes them: a bidi override in a path printed raw re-orders the line, an ESC
 * drives the terminal, a newline forges another line.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { dockgate } from './support/gateway.js';
import { scratchDir } from './support/scratch.js';

/** Any character escapeHidden writes as \uXXXX, but the newlines between lines. */
const RAW_HIDDEN = /(?!\n)[\p{Default_Ignorable_Code_Point}\p{Cf}\p{Zl}\p{Zp}\p{Cc}]/u;

describe('policy explain, a request refused before the policy', () => {
  it('quotes a duplicate body key holding a bidi override as \\u202E', async () => {
    const body = join(scratchDir('escaped-explain-'), 'create.json');
    writeFileSync(body, '{"\u202EegamI":"a","\u202EegamI":"b"}');
    const r = await dockgate(['policy', 'explain', '--as', 'alice', 'POST', '/v1.45/containers/create', '--body', body]);
    expect(r.code).toBe(3);
    expect(r.stdout).toBe('request refused before the policy: duplicate key "\\u202EegamI" in one object (Go merges them)\n');
    expect(r.stdout + r.stderr).not.toMatch(RAW_HIDDEN);
  });
});
