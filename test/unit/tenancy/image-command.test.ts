/**
 * effectiveCommand (src/tenancy/image-command.ts): the command dockerd 20.10's merge makes from
 * the create body and the image (rev-seal2 F4: the builder-mark check refused `--entrypoint
 * echo` and `"Cmd": ""`, which copy nothing of the image's; rev-late F1: null elements). Pure.
 */
import { describe, expect, it } from 'vitest';
import type { JsonValue } from '../../../src/core/types.js';
import { effectiveCommand } from '../../../src/tenancy/image-command.js';

const CMD = ['/bin/sh', '-c', '#(nop) x'];
const EP = ['/ep'];
const image = { Cmd: CMD, Entrypoint: EP };

describe('effectiveCommand: Entrypoint then Cmd after the merge (Path and Args of the container)', () => {
  it.each<[string, JsonValue | undefined, string[]]>([
    ['no body fields: the image\'s both', {}, [...EP, ...CMD]],
    ['Cmd null, Entrypoint null: the image\'s both', { Cmd: null, Entrypoint: null }, [...EP, ...CMD]],
    ['Cmd []: the image\'s both (length 0)', { Cmd: [] }, [...EP, ...CMD]],
    ['Cmd "": a list of one, only the image\'s Entrypoint', { Cmd: '' }, ['/ep', '']],
    ['Cmd [""]: only the image\'s Entrypoint', { Cmd: [''] }, ['/ep', '']],
    ['Entrypoint [] and a Cmd: the body\'s Cmd alone', { Entrypoint: [], Cmd: ['x'] }, ['x']],
    ['Entrypoint a string: a list of one, nothing of the image', { Entrypoint: 'echo' }, ['echo']],
    ['--entrypoint "" ([""]): nothing of the image', { Entrypoint: [''] }, ['']],
    ['field names folded', { entrypoint: ['echo'] }, ['echo']],
    ['field names folded, cmd', { cmd: ['x'] }, ['/ep', 'x']],
    ['no body at all: the image\'s both', undefined, [...EP, ...CMD]],
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

  it('an image without a Cmd or Entrypoint, a body without either: no command', () => {
    expect(effectiveCommand({}, {})).toEqual([]);
  });
});
