/**
 * copiedImageCommand (src/tenancy/image-command.ts): which of an image's Cmd and Entrypoint
 * dockerd 20.10's merge copies into a container, from the create body (rev-seal2 F4: the
 * builder-mark check refused `--entrypoint echo` and `"Cmd": ""`, which copy nothing). Pure.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { copiedImageCommand, effectiveCommand } from '../../../src/tenancy/image-command.js';

const CMD = ['/bin/sh', '-c', '#(nop) x'];
const EP = ['/ep'];
const image = { Cmd: CMD, Entrypoint: EP };

describe('copiedImageCommand: as merge (daemon/commit.go) decides', () => {
  it.each<[string, JsonValue | undefined, JsonValue[]]>([
    ['no body fields: both', {}, [CMD, EP]],
    ['Cmd null, Entrypoint null: both', { Cmd: null, Entrypoint: null }, [CMD, EP]],
    ['Cmd []: both (length 0)', { Cmd: [] }, [CMD, EP]],
    ['a Cmd of its own: only the Entrypoint', { Cmd: ['true'] }, [EP]],
    ['Cmd "": a list of one, only the Entrypoint', { Cmd: '' }, [EP]],
    ['Cmd [""]: only the Entrypoint', { Cmd: [''] }, [EP]],
    ['Entrypoint []: the Cmd only (empty, not nil)', { Entrypoint: [] }, [CMD]],
    ['Entrypoint [] and a Cmd: nothing', { Entrypoint: [], Cmd: ['x'] }, []],
    ['--entrypoint echo (Cmd null): nothing', { Entrypoint: ['echo'], Cmd: null }, []],
    ['Entrypoint a string: nothing', { Entrypoint: 'echo' }, []],
    ['--entrypoint "" ([""]): nothing', { Entrypoint: [''] }, []],
    ['Entrypoint "": nothing', { Entrypoint: '' }, []],
    ['field names folded', { entrypoint: ['echo'] }, []],
    ['field names folded, cmd', { cmd: ['x'] }, [EP]],
    ['no body at all: both', undefined, [CMD, EP]],
  ])('%s', (_name, body, want) => {
    expect(copiedImageCommand(body, image)).toEqual(want);
  });

  it('an image without a Cmd or Entrypoint gives nothing to copy', () => {
    expect(copiedImageCommand({}, {})).toEqual([]);
  });
});

describe('effectiveCommand: Entrypoint then Cmd after the merge (Path and Args of the container)', () => {
  it.each<[string, JsonValue | undefined, string[]]>([
    ['no body fields: the image\'s both', {}, [...EP, ...CMD]],
    ['a Cmd of its own: the image\'s Entrypoint, then it', { Cmd: ['true'] }, ['/ep', 'true']],
    ['Cmd a string: a list of one', { Cmd: 'a b' }, ['/ep', 'a b']],
    ['--entrypoint echo (Cmd null): echo alone', { Entrypoint: ['echo'], Cmd: null }, ['echo']],
    ['Entrypoint and Cmd of the body', { Entrypoint: ['sh', '-c'], Cmd: ['x', 'y'] }, ['sh', '-c', 'x', 'y']],
    ['Entrypoint []: the image\'s Cmd, no Entrypoint', { Entrypoint: [] }, CMD],
    ['non-string elements (dockerd refuses the create) are left out', { Cmd: ['a', 1] }, ['/ep', 'a']],
    ['a null element is "" (as Go decodes it: rev-late F1)', { Cmd: ['sleep', '1', '#(nop)', null] }, ['/ep', 'sleep', '1', '#(nop)', '']],
    ['Entrypoint [null] is one element: the image\'s Cmd is not copied', { Entrypoint: [null] }, ['']],
  ])('%s', (_name, body, want) => {
    expect(effectiveCommand(body, image)).toEqual(want);
  });
});
